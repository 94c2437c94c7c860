//! Property tests of masking on hostile values: no operator panics, with
//! the built-in policy or random ones; what an operator hides stays
//! hidden; display masks and generalizations are idempotent; a token gives
//! back exactly its value and no two values share one.

use std::collections::HashMap;

use custodia::mask::{
    Generalize, Key, KeyRing, MAX_FIXED, Masker, Operator, Partial, Policy, Profile, REDACTED,
    generalize, partial, profile,
};
use custodia::normalize::date::Date;
use custodia::validate::checksum;
use custodia::{ErrorCode, FieldKind, Normalized, Record, Schema, Value};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use unicode_segmentation::UnicodeSegmentation;

/// Pieces that break naive text handling: combining marks, ZWJ emoji,
/// flags, bidi controls, NUL and other controls, line ends, multi-byte
/// symbols next to digits, characters beyond the BMP.
const PIECES: &[&str] = &[
    "👨‍👩‍👧‍👦",
    "🇨🇳",
    "🙂",
    "e\u{301}",
    "\u{202e}",
    "\u{200d}",
    "\0",
    "\u{7}",
    "\r\n",
    "\r",
    "\u{feff}",
    "€",
    "ﷺ",
    "𝕏",
    "ł",
    "々",
    "﨑",
    "-",
    "+",
    "*",
    "@",
    ".",
    ";",
    ":",
    " ",
    "0",
    "1",
    "9",
    "86",
    "X",
    "ab",
    "张",
];

/// Any text, weighted towards what breaks masks: random Unicode (control
/// characters included), digit-and-symbol soup, scripts, emoji, and now
/// and then a huge value.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => vec(select(PIECES), 0..16).prop_map(|p| p.concat()),
        2 => "[+0-9 ()€\\-]{0,24}",
        2 => "[0-9X]{0,22}",
        2 => "[\\p{Han}\\p{Hiragana}\\p{Arabic}\\p{Cyrillic}\\p{Devanagari}\\p{Thai} ]{0,12}",
        1 => ("[0-9a-z€]{1,3}", 1usize..4_000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn any_size() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0usize..8, 1 => any::<usize>()]
}

fn generalization() -> impl Strategy<Value = Generalize> {
    prop_oneof![
        Just(Generalize::Year),
        Just(Generalize::YearMonth),
        any::<u16>().prop_map(|width| Generalize::AgeBand { width }),
        any_size().prop_map(|keep| Generalize::Prefix { keep }),
        prop_oneof![1u64..2000, any::<u64>()].prop_map(|width| Generalize::Range { width }),
    ]
}

/// A mask character policy JSON accepts: visible, and not merging with
/// its neighbours.
fn mask_char() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("a standalone character", |&c| {
        let alone = |s: &str| s.graphemes(true).count() == 2;
        !c.is_control()
            && !c.is_whitespace()
            && alone(&format!("{c}{c}"))
            && alone(&format!("a{c}"))
            && alone(&format!("{c}a"))
    })
}

fn operator() -> impl Strategy<Value = Operator> {
    prop_oneof![
        Just(Operator::Keep),
        Just(Operator::Null),
        "\\PC{0,12}".prop_map(|marker| Operator::Redact { marker }),
        (
            any_size(),
            any_size(),
            mask_char(),
            prop::option::of(any_size())
        )
            .prop_map(|(first, last, mask, fixed)| Operator::Partial(Partial {
                first,
                last,
                mask,
                fixed,
            })),
        select(Profile::ALL).prop_map(Operator::Profile),
        generalization().prop_map(Operator::Generalize),
        (select(&["k1", "k2"][..]), any_size()).prop_map(|(key, bytes)| Operator::Hash {
            key: key.into(),
            bytes,
        }),
        (select(&["k1", "k2"][..]), any::<bool>()).prop_map(|(key, tagged)| Operator::Token {
            key: key.into(),
            tagged,
        }),
    ]
}

fn today() -> Date {
    Date::new(2026, 11, 22).unwrap()
}

fn tokenizable(kind: &FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Phone | FieldKind::PaymentCard | FieldKind::Iban | FieldKind::NationalId(_)
    )
}

/// A random policy over the customer schema: per audience, random fields
/// with random operators (tokens only on the kinds that have them).
fn policy() -> impl Strategy<Value = Policy> {
    let schema = Schema::customer();
    let n = schema.len();
    vec((select(&["a", "b"][..]), 0..n, operator()), 0..24).prop_map(move |rules| {
        let mut policy = Policy::new("random");
        for (audience, index, op) in rules {
            let field = &schema.fields()[index];
            let op = match op {
                Operator::Token { .. } if !tokenizable(field.kind()) => Operator::Keep,
                op => op,
            };
            policy = policy.rule(audience, field.name(), op);
        }
        policy
    })
}

fn keys() -> KeyRing {
    KeyRing::new()
        .with(Key::new("k1", &[0x11; 32]).unwrap())
        .with(Key::new("k2", &[0x22; 16]).unwrap())
        .with(Key::new("pseudonym", &[0x33; 24]).unwrap())
        .with(Key::new("token", &[0x44; 32]).unwrap())
}

/// A customer record with hostile values in random fields (those a field
/// cannot hold at all are left out).
fn hostile_record() -> impl Strategy<Value = Record> {
    let schema = Schema::customer();
    let n = schema.len();
    vec((0..n, hostile_text()), 0..12).prop_map(move |values| {
        let mut record = Record::new(&schema);
        for (index, text) in values {
            let _ = record.set_at(index, text);
        }
        record
    })
}

/// How many characters (grapheme clusters) of `out` are not the mask
/// character.
fn revealed(out: &str, mask: char) -> usize {
    let mask = mask.to_string();
    out.graphemes(true).filter(|g| *g != mask).count()
}

/// What an operator promises about one masked value.
fn check_promise(op: &Operator, text: &str, out: &Value) -> Result<(), TestCaseError> {
    let out_text = out.as_str();
    match op {
        Operator::Null => prop_assert!(out.is_null()),
        Operator::Redact { marker } => prop_assert_eq!(out_text, Some(marker.as_str())),
        Operator::Hash { key, bytes } => {
            let out = out_text.unwrap_or_default();
            let digest = out
                .strip_prefix(key.as_str())
                .and_then(|o| o.strip_prefix(':'));
            let hex = 2 * (*bytes).clamp(8, 32);
            prop_assert!(
                digest.is_some_and(|d| d.len() == hex && d.bytes().all(|b| b.is_ascii_hexdigit())),
                "{}",
                out
            );
        }
        Operator::Partial(p) => {
            let out = out_text.unwrap_or_default();
            let n = text.graphemes(true).count();
            let shown = revealed(out, p.mask);
            prop_assert!(shown <= p.first.saturating_add(p.last));
            prop_assert!(n == 0 || shown < n, "the whole value is never shown");
        }
        Operator::Generalize(g) => {
            let out = out_text.unwrap_or_default();
            if out != REDACTED {
                let again = generalize(out, *g, today());
                prop_assert_eq!(again.as_deref(), Some(out));
            }
        }
        Operator::Profile(p) => {
            let out = out_text.unwrap_or_default();
            prop_assert_eq!(profile(out, *p), out, "{:?} is idempotent", p);
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every operator function, on any text: no panic, and what each
    /// promises.
    #[test]
    fn operators_never_panic_on_any_text(text in hostile_text(), op in operator()) {
        match &op {
            Operator::Partial(p) => {
                let out = partial(&text, *p);
                check_promise(&op, &text, &Value::Text(out.clone()))?;
                let n = text.graphemes(true).count();
                // At most MAX_FIXED mask characters, or n when not fixed.
                prop_assert!(out.graphemes(true).count() <= n + MAX_FIXED.max(n));
            }
            Operator::Generalize(g) => {
                if let Some(once) = generalize(&text, *g, today()) {
                    prop_assert_eq!(generalize(&once, *g, today()), Some(once), "idempotent");
                }
            }
            _ => {}
        }
        for p in Profile::ALL {
            let once = profile(&text, *p);
            prop_assert_eq!(profile(&once, *p), once.clone(), "{:?} is idempotent", p);
            // Names keep initials, which may be all of a short name.
            let name = *p == Profile::Name;
            if !name && !text.is_empty() && !text.contains('*') && text.graphemes(true).count() > 1 {
                prop_assert_ne!(&once, &text, "{:?} hides something", p);
            }
        }
    }

    /// The built-in policy, every audience, any values: masking never
    /// panics, and either masks or refuses with a code.
    #[test]
    fn the_built_in_policy_never_panics(record in hostile_record()) {
        let masker = Masker::new(&Schema::customer(), &Policy::customer(), keys()).unwrap();
        let policy = Policy::customer();
        for audience in ["support", "analytics", "auditor"] {
            match masker.mask_normalized(Normalized::stored(record.clone()), audience) {
                Ok(masked) => {
                    let ops = policy.audience(audience).unwrap();
                    for (i, field) in Schema::customer().fields().iter().enumerate() {
                        let (before, after) = (record.get_at(i).unwrap(), masked.get_at(i).unwrap());
                        if before.is_null() {
                            prop_assert!(after.is_null());
                            continue;
                        }
                        match ops.get(field.name()) {
                            None => prop_assert_eq!(after.as_str(), Some(REDACTED), "default deny"),
                            Some(op) => {
                                let text = before.to_text().unwrap_or_default();
                                if !matches!(op, Operator::Hash { .. }) {
                                    check_promise(op, &text, after)?;
                                }
                            }
                        }
                    }
                    if audience == "auditor" {
                        prop_assert_eq!(masker.detokenize(masked, audience).unwrap(), record.clone());
                    }
                }
                Err(e) => prop_assert!(
                    matches!(e.code(), ErrorCode::CannotMask),
                    "{}: {}", audience, e
                ),
            }
            // Normalizing first: never a panic either.
            let _ = masker.mask(&record, audience);
        }
    }

    /// Random policies, any values: never a panic; every operator keeps its
    /// promise.
    #[test]
    fn random_policies_never_panic(policy in policy(), record in hostile_record()) {
        let schema = Schema::customer();
        let masker = Masker::new(&schema, &policy, keys()).unwrap();
        for audience in policy.audiences() {
            let ops = policy.audience(audience).unwrap();
            match masker.mask_normalized(Normalized::stored(record.clone()), audience) {
                Ok(masked) => {
                    for (i, field) in schema.fields().iter().enumerate() {
                        let (before, after) = (record.get_at(i).unwrap(), masked.get_at(i).unwrap());
                        if before.is_null() {
                            continue;
                        }
                        let text = before.to_text().unwrap_or_default();
                        match ops.get(field.name()) {
                            None => prop_assert_eq!(after.as_str(), Some(REDACTED)),
                            Some(op) => check_promise(op, &text, after)?,
                        }
                    }
                    let back = masker.detokenize(masked, audience);
                    prop_assert!(back.is_ok(), "{:?}", back);
                }
                Err(e) => prop_assert_eq!(e.code(), ErrorCode::CannotMask, "{}", e),
            }
            let _ = masker.mask(&record, audience);
        }
    }
}

/// Values of 128 KiB, through every
/// operator and every audience of the built-in policy.
#[test]
fn huge_values() {
    let masker = Masker::new(&Schema::customer(), &Policy::customer(), keys()).unwrap();
    let huge = [
        "1".repeat(1 << 17),
        "张".repeat((1 << 17) / 3),
        "👨\u{200d}👩\u{200d}👧".repeat((1 << 17) / 18),
        format!("+86{}", "8".repeat((1 << 17) - 3)),
    ];
    for text in &huge {
        for p in Profile::ALL {
            assert!(profile(text, *p).len() <= text.len() + 4, "{p:?}");
        }
        let p = Partial {
            first: 3,
            last: 4,
            mask: '*',
            fixed: None,
        };
        assert_eq!(revealed(&partial(text, p), '*'), 7);
        for field in Schema::customer().fields() {
            let mut record = Record::new(&Schema::customer());
            if record.set(field.name(), text.as_str()).is_err() {
                continue;
            }
            for audience in ["support", "analytics", "auditor"] {
                if let Err(e) = masker.mask_normalized(Normalized::stored(record.clone()), audience)
                {
                    assert_eq!(e.code(), ErrorCode::CannotMask, "{}: {e}", field.name());
                }
            }
        }
    }
}

/// A schema of every tokenizable kind.
fn token_schema() -> Schema {
    Schema::from_json(
        r#"{"name": "t", "fields": [
            {"name": "phone", "kind": "phone"},
            {"name": "card", "kind": "payment_card"},
            {"name": "iban", "kind": "iban"},
            {"name": "rid", "kind": "national_id", "scheme": "cn_resident_id"},
            {"name": "ssn", "kind": "national_id", "scheme": "us_ssn"},
            {"name": "uscc", "kind": "national_id", "scheme": "cn_uscc"}]}"#,
    )
    .unwrap()
}

const FIELDS: [&str; 6] = ["phone", "card", "iban", "rid", "ssn", "uscc"];

fn token_masker() -> Masker {
    let token = |tagged| Operator::Token {
        key: "token".into(),
        tagged,
    };
    let mut policy = Policy::new("t");
    for field in FIELDS {
        policy = policy
            .rule("plain", field, token(false))
            .rule("tagged", field, token(true));
    }
    Masker::new(&token_schema(), &policy, keys()).unwrap()
}

const USCC: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid value of each tokenizable field, from random parts.
fn valid_value() -> impl Strategy<Value = (usize, String)> {
    prop_oneof![
        // A calling code of up to 3 digits and at least 6 more.
        "[1-9][0-9]{8,14}".prop_map(|n| (0, format!("+{n}"))),
        "[0-9]{11,18}".prop_map(|p| {
            let check = checksum::luhn_check_digit(&p).unwrap();
            (1, format!("{p}{check}"))
        }),
        ("[A-Z]{2}", "[0-9A-Z]{2}[0-9]{8,24}").prop_map(|(cc, bban)| {
            let rem = checksum::iban_remainder(&format!("{cc}00{bban}")).unwrap();
            (2, format!("{cc}{:02}{bban}", 98 - rem))
        }),
        "[0-9]{17}".prop_map(|p| {
            let check = checksum::cn_resident_check(p.as_bytes()).unwrap();
            (3, format!("{p}{}", char::from(check)))
        }),
        "[0-9]{9}".prop_map(|s| (4, s)),
        (
            vec(select(USCC.chars().collect::<Vec<_>>()), 11),
            "[0-9]{6}"
        )
            .prop_map(|(c, division)| {
                // Characters 3 to 8 are a division code: digits.
                let c: String = c.into_iter().collect();
                let body = format!("{}{division}{}", &c[..2], &c[2..]);
                let check = USCC
                    .chars()
                    .find(|c| checksum::cn_uscc(&format!("{body}{c}")).is_ok())
                    .unwrap();
                (5, format!("{body}{check}"))
            }),
    ]
}

/// A valid value with its check character changed, so that it is invalid.
fn broken_value() -> impl Strategy<Value = (usize, String)> {
    (valid_value(), 1u8..10).prop_filter_map("has a check character", |((field, v), delta)| {
        let broken = match field {
            1 | 3 => {
                let (body, last) = v.split_at(v.len() - 1);
                let d = last.bytes().next()?;
                let d = if d == b'X' { 0 } else { d - b'0' };
                format!("{body}{}", (d + delta) % 10)
            }
            2 => {
                let check: u8 = v[2..4].parse().ok()?;
                format!("{}{:02}{}", &v[..2], (check + delta) % 100, &v[4..])
            }
            5 => {
                let (body, last) = v.split_at(v.len() - 1);
                let i = USCC.find(last)?;
                let c = USCC.as_bytes()[(i + usize::from(delta)) % USCC.len()];
                format!("{body}{}", char::from(c))
            }
            _ => return None,
        };
        Some((field, broken))
    })
}

fn tokenize(m: &Masker, audience: &str, field: usize, value: &str) -> custodia::Result<String> {
    let mut r = Record::new(&token_schema());
    r.set(FIELDS[field], value)?;
    let masked = m.mask_normalized(Normalized::stored(r), audience)?;
    Ok(masked.text(FIELDS[field]).unwrap_or_default().to_owned())
}

fn detokenize(m: &Masker, audience: &str, field: usize, token: &str) -> custodia::Result<String> {
    let mut r = Record::new(&token_schema());
    r.set(FIELDS[field], token)?;
    let back = m.detokenize(r, audience)?;
    Ok(back.text(FIELDS[field]).unwrap_or_default().to_owned())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Valid values always tokenize, keep their form, and come back
    /// exactly; with a wrong check character they are refused.
    #[test]
    fn tokens_give_back_exactly_their_value(
        (field, value) in valid_value(), (bfield, broken) in broken_value(),
    ) {
        let m = token_masker();
        for audience in ["plain", "tagged"] {
            let token = tokenize(&m, audience, field, &value).unwrap();
            prop_assert_eq!(detokenize(&m, audience, field, &token).unwrap(), value.clone());
            if audience == "plain" {
                prop_assert_eq!(token.len(), value.len());
            }
            let err = tokenize(&m, audience, bfield, &broken).unwrap_err();
            prop_assert_eq!(err.code(), ErrorCode::CannotMask);
            prop_assert!(!err.to_string().contains(&broken[broken.len() - 4..]) || broken.len() < 6, "{}", err);
        }
    }

    /// Any text: when a token is made, it reverses to exactly the text.
    #[test]
    fn any_token_made_reverses(field in 0usize..6, text in prop_oneof![hostile_text(), valid_value().prop_map(|v| v.1), "\\+[0-9 ()\\-;=a-z€]{0,30}"]) {
        let m = token_masker();
        for audience in ["plain", "tagged"] {
            if let Ok(token) = tokenize(&m, audience, field, &text) {
                prop_assert_eq!(detokenize(&m, audience, field, &token).unwrap(), text.clone());
            }
        }
    }

    /// No two values share a token.
    #[test]
    fn distinct_values_never_share_a_token(values in vec(prop_oneof![valid_value(), broken_value(), (0usize..6, "\\+?[0-9]{6,12}")], 2..40)) {
        let m = token_masker();
        let mut seen: HashMap<(usize, String), String> = HashMap::new();
        for (field, value) in values {
            if let Ok(token) = tokenize(&m, "plain", field, &value)
                && let Some(other) = seen.insert((field, token), value.clone())
            {
                prop_assert_eq!(other, value);
            }
        }
    }
}

/// The examples from the report: invalid values used to share a token
/// with a valid one and come back as it.
#[test]
fn invalid_values_used_to_collide() {
    let m = token_masker();
    for (field, bad, good) in [
        (1, "4111111111111112", "4111111111111111"),
        (2, "DE00370400440532013000", "DE89370400440532013000"),
        (3, "110105194912310021", "11010519491231002X"),
    ] {
        assert_eq!(
            tokenize(&m, "plain", field, bad).unwrap_err().code(),
            ErrorCode::CannotMask
        );
        let token = tokenize(&m, "plain", field, good).unwrap();
        assert_eq!(detokenize(&m, "plain", field, &token).unwrap(), good);
    }
}
