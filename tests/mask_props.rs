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
            .prop_map(|(first, last, mask, fixed)| {
                let p = Partial::new(first, last).mask_char(mask);
                Operator::Partial(match fixed {
                    Some(count) => p.fixed_length(count),
                    None => p,
                })
            }),
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
        let p = Partial::new(3, 4);
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

/// A name word: one to twelve letters of a script, never the mask
/// character.
fn name_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{0,11}",
        "[A-ZÀ-Ýa-zß-ÿ'\\-]{1,12}",
        "\\p{Cyrillic}{1,12}",
        "\\p{Greek}{1,12}",
    ]
}

/// Western names of one to four words, short ones included (`A B`, `X`),
/// and CJK names of one to four characters.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec(name_word(), 1..5).prop_map(|w| w.join(" ")),
        1 => "[A-Z]( [A-Z]){0,3}",
        2 => "\\p{Han}{1,4}",
        1 => "\\p{Hangul}{1,4}",
    ]
}

/// Masks one support view of the built-in policy, from a JSON record.
fn support(json: &str) -> Record {
    let schema = Schema::customer();
    let masker =
        Masker::for_audiences(&schema, &Policy::customer(), KeyRing::new(), &["support"]).unwrap();
    masker
        .mask(&Record::from_json(&schema, json).unwrap(), "support")
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The `name` profile hides at least one character of every word, and
    /// never shows a word whole, short or long: the masked word never
    /// equals or contains its word.
    #[test]
    fn name_masks_never_show_a_whole_word(text in name()) {
        let out = profile(&text, Profile::Name);
        prop_assert_ne!(&out, &text);
        prop_assert!(out.contains('*'), "{} -> {}", text, out);
        if text.contains(' ') {
            let masked: Vec<&str> = out.split(' ').collect();
            let words: Vec<&str> = text.split(' ').collect();
            prop_assert_eq!(masked.len(), words.len());
            for (word, masked) in words.iter().zip(&masked) {
                prop_assert!(!masked.contains(word), "{} -> {}", text, out);
            }
        } else {
            prop_assert!(!out.contains(&text), "{} -> {}", text, out);
        }
    }

    /// Support sees every name part of the built-in schema masked: the
    /// given and family names derived from a full name (or given
    /// themselves) are never shown whole, and show no more of a name than
    /// its masked full form: for a Western name each part is the masked
    /// form of its words; a CJK given name is masked whole.
    #[test]
    fn support_never_sees_a_name_part_whole(full in name(), given in name(), family in name()) {
        for json in [
            serde_json::json!({"customer_id": "c1", "full_name": full}),
            serde_json::json!({"customer_id": "c1", "given_name": given, "family_name": family}),
        ] {
            let source = Record::from_json(&Schema::customer(), &json.to_string()).unwrap();
            let normalized = custodia::Normalizer::new(&Schema::customer())
                .normalize(&source)
                .unwrap()
                .record;
            let masked = support(&json.to_string());
            for field in ["full_name", "given_name", "family_name"] {
                let (Some(part), Some(out)) = (normalized.text(field), masked.text(field)) else {
                    continue;
                };
                prop_assert_ne!(out, part, "{}", field);
                for word in part.split(' ') {
                    prop_assert!(
                        !out.split(' ').any(|o| o == word),
                        "{}: {} -> {}", field, part, out
                    );
                }
                if field == "given_name" && custodia::normalize::name::is_cjk_name(part) {
                    prop_assert!(out.chars().all(|c| c == '*' || c == ' '), "{}", out);
                }
            }
            // A Western part is masked as its words are in the full name.
            for field in ["given_name", "family_name"] {
                if let (Some(part), Some(out)) = (normalized.text(field), masked.text(field))
                    && !custodia::normalize::name::is_cjk_name(part)
                {
                    prop_assert_eq!(out, profile(part, Profile::Name));
                }
            }
        }
    }

    /// The email profiles never show a whole local part, however short.
    #[test]
    fn email_masks_never_show_a_whole_local_part(
        local in prop_oneof!["[a-z0-9._+\\-]{1,3}", "[a-zA-Z0-9._+\\-]{1,30}", "\\p{Han}{1,4}"],
        domain in "[a-z]{1,10}\\.(com|org|cn|de)",
    ) {
        let address = format!("{local}@{domain}");
        for p in [Profile::Email, Profile::EmailDomainMasked] {
            let out = profile(&address, p);
            let (masked_local, _) = out.rsplit_once('@').unwrap();
            prop_assert!(!masked_local.contains(&local), "{} -> {}", address, out);
            prop_assert_ne!(&out, &address);
        }
    }

    /// The phone profiles never show a whole national number, however
    /// short: the output never equals the value nor contains its national
    /// number.
    #[test]
    fn phone_masks_never_show_a_whole_national_number(
        cc in select(&["1", "7", "44", "49", "86", "352", "683", "998"][..]),
        national in "[0-9]{4,14}",
        extension in prop::option::of("[0-9]{1,5}"),
    ) {
        let value = match &extension {
            Some(ext) => format!("+{cc}{national};ext={ext}"),
            None => format!("+{cc}{national}"),
        };
        for p in [Profile::Phone, Profile::PhoneCn] {
            let out = profile(&value, p);
            prop_assert_ne!(&out, &value);
            prop_assert!(!out.contains(&national), "{} -> {}", value, out);
            if let Some(ext) = &extension {
                prop_assert!(!out.contains(&format!("ext={ext}")), "{}", out);
            }
            prop_assert_eq!(profile(&out, p), out.clone(), "idempotent");
        }
    }

    /// Short E.164 numbers (a national number of 1 to 3 digits) show at
    /// most half of it after the calling code.
    #[test]
    fn short_phone_numbers_show_at_most_half(
        cc in select(&["1", "44", "352"][..]),
        national in "[0-9]{0,3}",
    ) {
        let value = format!("+{cc}{national}");
        let out = profile(&value, Profile::Phone);
        prop_assert_ne!(&out, &value);
        let tail = out.trim_start_matches(|c: char| c != '*').trim_start_matches('*');
        prop_assert!(tail.len() * 2 <= national.len(), "{} -> {}", value, out);
    }
}

/// The cases a tester found: short values shown whole by a partial mask.
#[test]
fn short_values_are_never_shown_whole() {
    assert_eq!(profile("A B", Profile::Name), "* *");
    assert_eq!(profile("X", Profile::Name), "*");
    assert_eq!(profile("王", Profile::Name), "*");
    assert_eq!(profile("a@example.com", Profile::Email), "****@example.com");
    assert_eq!(profile("+3524621", Profile::Phone), "+352**21");
    assert_eq!(profile("+3524621", Profile::PhoneCn), "+352**21");
    assert_eq!(profile("+352", Profile::Phone), "+***");
    let r = support(r#"{"customer_id": "1", "full_name": "A B"}"#);
    assert_eq!(r.text("full_name"), Some("* *"));
    assert_eq!(r.text("given_name"), Some("*"));
    assert_eq!(r.text("family_name"), Some("*"));
    let r = support(r#"{"customer_id": "1", "given_name": "X"}"#);
    assert_eq!(r.text("given_name"), Some("*"));
    assert_eq!(r.text("full_name"), Some("*"));
    let r = support(r#"{"customer_id": "1", "full_name": "王"}"#);
    assert_eq!(r.text("full_name"), Some("*"));
    assert_eq!(r.text("family_name"), Some("*"));
}

/// Support sees the derived name parts masked as the full name is, the
/// swapped order (family name first) included.
#[test]
fn support_sees_name_parts_masked_like_the_full_name() {
    let r = support(r#"{"customer_id": "1", "full_name": "Ann Lee"}"#);
    assert_eq!(r.text("full_name"), Some("A** L**"));
    assert_eq!(r.text("given_name"), Some("A**"));
    assert_eq!(r.text("family_name"), Some("L**"));
    let r = support(r#"{"customer_id": "1", "full_name": "Nowak Katarzyna"}"#);
    assert_eq!(r.text("full_name"), Some("N**** K********"));
    for field in ["given_name", "family_name"] {
        let out = r.text(field).unwrap();
        assert!(out == "N****" || out == "K********", "{field}: {out}");
    }
    let r = support(r#"{"customer_id": "1", "full_name": "欧阳娜娜"}"#);
    assert_eq!(r.text("full_name"), Some("欧阳**"));
    assert_eq!(r.text("given_name"), Some("**"));
    assert_eq!(r.text("family_name"), Some("欧*"));
}

/// A masked view carries nothing the policy does not cover: the phone
/// extension normalization moves out of the number is not in it.
#[test]
fn masked_views_carry_no_extras() {
    let schema = Schema::customer();
    let r = support(r#"{"customer_id": "4", "phone": "+86 138 0013 8000 ext. 123"}"#);
    assert_eq!(r.text("phone"), Some("138****8000"));
    assert!(r.extras().is_empty(), "{:?}", r.extras());
    assert!(!r.to_json().contains("123"), "{}", r.to_json());
    let normalized = custodia::Normalizer::new(&schema)
        .normalize(
            &Record::from_json(&schema, r#"{"phone": "+86 138 0013 8000 ext. 123"}"#).unwrap(),
        )
        .unwrap()
        .record;
    assert!(!normalized.extras().is_empty(), "the extension is an extra");
}

/// Analytics pseudonyms join the same mailbox however its local part is
/// cased, and Gmail's dots and tags: the pseudonym is of the match key.
#[test]
fn email_pseudonyms_ignore_case_and_provider_rules() {
    let schema = Schema::customer();
    let masker = Masker::new(&schema, &Policy::customer(), keys()).unwrap();
    let pseudonym = |email: &str| {
        let json = serde_json::json!({"customer_id": "c1", "email": email}).to_string();
        masker
            .mask(&Record::from_json(&schema, &json).unwrap(), "analytics")
            .unwrap()
            .text("email")
            .unwrap()
            .to_owned()
    };
    let zhang = pseudonym("zhang.wei@example.com");
    assert_eq!(pseudonym("Zhang.Wei@example.com"), zhang);
    assert_eq!(pseudonym("ZHANG.WEI@Example.COM"), zhang);
    assert_ne!(pseudonym("zhangwei@example.com"), zhang);
    let gmail = pseudonym("zhangwei@gmail.com");
    assert_eq!(pseudonym("Zhang.Wei+x@gmail.com"), gmail);
    assert_eq!(pseudonym("ZhangWei@googlemail.com"), gmail);
    assert_eq!(
        pseudonym("Émile@example.com"),
        pseudonym("émile@example.com")
    );
}
