//! Masking operators and the named display profiles.

use std::fmt::Write as _;

use hmac::Mac;
use unicode_segmentation::UnicodeSegmentation;

use super::state::KeyState;
pub use crate::schema::spec::{Generalize, MAX_FIXED, Operator, Partial, Profile, REDACTED};

use crate::normalize::name;
use crate::schema::{Date, FieldKind};

/// Applies `partial` to `text`. It reveals at most the characters it was
/// told to keep, and never the whole value: when the value is not longer
/// than what it was told to keep, at most half of it is shown.
pub fn partial(text: &str, p: Partial) -> String {
    let wanted = p.first.saturating_add(p.last);
    // How much is shown and hidden of `n` characters.
    let split = |n: usize| {
        let reveal = if wanted < n { wanted } else { n / 2 };
        let first = p.first.min(reveal);
        let last = p.last.min(reveal - first);
        let hidden = p.fixed.map_or(n - first - last, |f| f.min(MAX_FIXED));
        (first, last, hidden)
    };
    if text.is_ascii() && !text.contains("\r\n") {
        // One byte, one character (CR LF is the one ASCII pair that is a
        // single character): no segmentation needed.
        let n = text.len();
        let (first, last, hidden) = split(n);
        let mut out = String::with_capacity(first + last + hidden * p.mask.len_utf8());
        out.push_str(&text[..first]);
        out.extend(std::iter::repeat_n(p.mask, hidden));
        out.push_str(&text[n - last..]);
        return out;
    }
    let graphemes: Vec<&str> = text.graphemes(true).collect();
    let n = graphemes.len();
    let (mut first, mut last, mut hidden) = split(n);
    // A kept character that would merge with the mask character beside it
    // (a prepended mark before it, a combining mark after a control
    // character) is masked too, so the result reads as it was written.
    let mut mask = [0u8; 4];
    let mask: &str = p.mask.encode_utf8(&mut mask);
    let apart = |a: &str, b: &str| {
        let mut pair = String::with_capacity(a.len() + b.len());
        pair.push_str(a);
        pair.push_str(b);
        pair.graphemes(true).count() == 2
    };
    let grow = |hidden: usize| {
        if p.fixed.is_some() {
            hidden
        } else {
            hidden + 1
        }
    };
    if hidden > 0 && first > 0 && !apart(graphemes[first - 1], mask) {
        first -= 1;
        hidden = grow(hidden);
    }
    if hidden > 0 && last > 0 && !apart(mask, graphemes[n - last]) {
        last -= 1;
        hidden = grow(hidden);
    }
    let mut out = String::with_capacity(text.len());
    out.extend(graphemes[..first].iter().copied());
    out.extend(std::iter::repeat_n(p.mask, hidden));
    out.extend(graphemes[n - last..].iter().copied());
    out
}

fn keep(first: usize, last: usize) -> Partial {
    Partial {
        first,
        last,
        mask: '*',
        fixed: None,
    }
}

/// Whether `text` is already what the phone profiles make, and so shows
/// no more than they would: `+`, a calling code (at most 3 digits), a run
/// of `*` and at most the last 4 digits; a run of `*` and at most 4
/// digits; or a Chinese mobile's first 3 and last 4 digits around 4 `*`.
/// Anything else with a `*` in it (`+14155550*`) is masked again.
fn is_masked_phone(text: &str) -> bool {
    let (plus, body) = match text.strip_prefix('+') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let stars = body.find('*').zip(body.rfind('*'));
    stars.is_some_and(|(a, b)| {
        let (before, run, after) = (&body[..a], &body[a..=b], &body[b + 1..]);
        let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
        let shown_before = if plus {
            before.len() <= 3
        } else {
            before.is_empty() || (before.len() == 3 && run.len() == 4 && after.len() == 4)
        };
        run.bytes().all(|c| c == b'*')
            && digits(before)
            && digits(after)
            && after.len() <= 4
            && shown_before
    })
}

/// An E.164 number (`digits` after the `+`) as the phone profile shows
/// it: the calling code, then the national number with at most its last
/// 4 digits shown, and never all of it: a national number of 4 digits or
/// fewer shows at most half (`+352**21`), and a value that is all calling
/// code shows nothing (`+***`).
fn mask_e164(digits: &str) -> String {
    let cc = calling_code_len(digits).min(digits.len());
    let national = digits.len() - cc;
    if national == 0 {
        return format!("+{}", "*".repeat(digits.len()));
    }
    let shown = if national > 4 { 4 } else { national / 2 };
    format!(
        "+{}{}{}",
        &digits[..cc],
        "*".repeat(national - shown),
        &digits[digits.len() - shown..]
    )
}

/// A display profile applied to a value of a field of `kind`: as
/// [`profile`], except that the `name` profile on a CJK given name masks
/// all of it, as it hides the given name of a CJK full name (`欧阳娜娜` is
/// `欧阳**`, so its given name `娜娜` is `**`, not `娜*`).
pub(crate) fn profile_of_kind(text: &str, p: Profile, kind: &FieldKind) -> String {
    if p == Profile::Name && matches!(kind, FieldKind::GivenName) && name::is_cjk_name(text) {
        return text
            .graphemes(true)
            .map(|g| if g == " " { " " } else { "*" })
            .collect();
    }
    profile(text, p)
}

/// Applies a display profile to a normalized value. Applying it again to
/// its own output changes nothing.
pub fn profile(text: &str, profile: Profile) -> String {
    // Masking can change how the rest reads (hiding the one Latin letter
    // of a mixed name leaves a CJK-looking name; a mask character can join
    // a combining mark that followed a control character), so the profile
    // is applied until its output no longer changes: the result is
    // idempotent and shows no more than the first pass did. A value that
    // does not settle in a few passes keeps only its spaces.
    let mut out = profile_once(text, profile);
    // One byte, one character, and nothing to merge or read another way:
    // every profile gives such an output back unchanged, except `name`
    // after its CJK rule (a CJK name can keep an ASCII "family name" that,
    // without the CJK characters, reads as a Western name).
    let ascii = out.is_ascii() && !out.contains('\r');
    if ascii && (profile != Profile::Name || !name::is_cjk_name(text)) {
        return out;
    }
    for _ in 0..4 {
        let again = profile_once(&out, profile);
        if again == out {
            return out;
        }
        out = again;
    }
    out.graphemes(true)
        .map(|g| if g == " " { " " } else { "*" })
        .collect()
}

fn profile_once(text: &str, profile: Profile) -> String {
    if matches!(profile, Profile::Phone | Profile::PhoneCn) && is_masked_phone(text) {
        return text.to_owned();
    }
    if let (Profile::PhoneCn, Some(national)) = (profile, cn_mobile(text)) {
        // 11 ASCII digits: first 3 and last 4 shown.
        return format!("{}****{}", &national[..3], &national[7..]);
    }
    match profile {
        Profile::Email | Profile::EmailDomainMasked => match text.rsplit_once('@') {
            Some((local, domain)) => {
                // The first character, unless it is all of the local part.
                let mut chars = local.graphemes(true);
                let first = match (chars.next(), chars.next()) {
                    (Some(first), Some(_)) => first,
                    _ => "*",
                };
                if profile == Profile::Email {
                    format!("{first}***@{domain}")
                } else {
                    let tld = domain.rsplit_once('.').map_or("", |(_, tld)| tld);
                    format!("{first}***@***.{tld}")
                }
            }
            None => partial(text, keep(1, 0)),
        },
        Profile::Phone | Profile::PhoneCn => {
            let main = text.split(';').next().unwrap_or(text);
            match main.strip_prefix('+') {
                Some(digits)
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    mask_e164(digits)
                }
                _ => partial(main, keep(0, 4)),
            }
        }
        Profile::Name => mask_name(text),
        // Another country's id (the customer schema's `national_id` is read
        // by the record's country): a short id would show most of its
        // digits (7 of an SSN's 9 under `3_4`), so only the last 4 show,
        // at most half of it.
        Profile::CnResidentId1x1 | Profile::CnResidentId3x4 | Profile::CnResidentId6x4
            if text.graphemes(true).count() != 18 =>
        {
            partial(text, keep(0, 4))
        }
        Profile::CnResidentId1x1 => partial(text, keep(1, 1)),
        Profile::CnResidentId3x4 => partial(text, keep(3, 4)),
        Profile::CnResidentId6x4 => partial(text, keep(6, 4)),
        Profile::CardLast4 => partial(text, keep(0, 4)),
        Profile::CardPci => partial(text, keep(6, 4)),
    }
}

/// The 11 national digits of a Chinese mobile number in E.164
/// (`+861xxxxxxxxxx`, perhaps with an extension after `;`).
fn cn_mobile(text: &str) -> Option<&str> {
    let national = text.strip_prefix("+86")?;
    let national = national.split(';').next().unwrap_or(national);
    (national.len() == 11
        && national.starts_with('1')
        && national.bytes().all(|b| b.is_ascii_digit()))
    .then_some(national)
}

/// The length of the country calling code at the start of E.164 digits:
/// one digit for 1 and 7, two for the listed codes, three otherwise.
pub(crate) fn calling_code_len(digits: &str) -> usize {
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if digits.get(..2).is_some_and(|p| TWO.contains(&p)) {
        2
    } else {
        3
    }
}

/// `张伟` is `张*`, `欧阳娜娜` is `欧阳**`, `John Smith` is `J*** S****`;
/// a word of one character is masked whole (`A B` is `* *`).
fn mask_name(text: &str) -> String {
    if name::is_cjk_name(text) {
        // Already masked: keep what was kept, mask everything after it.
        if let Some(star) = text.find('*') {
            let rest = text[star..].graphemes(true).count();
            return format!("{}{}", &text[..star], "*".repeat(rest));
        }
        let parts = name::split(text);
        let family = parts.family.unwrap_or_default();
        let rest = text
            .graphemes(true)
            .count()
            .saturating_sub(family.graphemes(true).count());
        if family.is_empty() || rest == 0 {
            return partial(text, keep(1, 0));
        }
        return format!("{family}{}", "*".repeat(rest));
    }
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut g = word.graphemes(true);
        if let Some(first) = g.next() {
            let rest = g.count();
            if rest == 0 {
                out.push('*');
            } else {
                out.push_str(first);
                out.extend(std::iter::repeat_n('*', rest));
            }
        }
    }
    out
}

/// `1990`, `1990-06`, `30-39`: what the date and range generalizations make.
fn is_generalized(text: &str, how: Generalize) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match how {
        Generalize::Year => text.len() == 4 && digits(text),
        Generalize::YearMonth => text
            .split_once('-')
            .is_some_and(|(y, m)| y.len() == 4 && m.len() == 2 && digits(y) && digits(m)),
        Generalize::AgeBand { .. } | Generalize::Range { .. } => text
            .split_once('-')
            .is_some_and(|(a, b)| digits(a) && digits(b)),
        Generalize::Prefix { keep } => text.strip_suffix(PREFIX_MARK).is_some_and(|kept| {
            !kept.contains(PREFIX_MARK) && kept.graphemes(true).count() <= keep
        }),
    }
}

/// Ends a [`Generalize::Prefix`]: `SW1*` is a prefix, not a postcode.
/// It marks what was cut, and lets a value no longer than the prefix
/// (`101`, a 3-digit postcode) lose a character like any other instead of
/// showing whole, while generalizing `10*` again changes nothing.
const PREFIX_MARK: char = '*';

/// The first `keep` graphemes of `text` with [`PREFIX_MARK`] after them;
/// at least one grapheme is always cut.
fn prefix(text: &str, keep: usize) -> String {
    let graphemes = text.graphemes(true).count();
    let mut out: String = text
        .graphemes(true)
        .take(keep.min(graphemes.saturating_sub(1)))
        .collect();
    out.push(PREFIX_MARK);
    out
}

/// The largest magnitude [`Generalize::Range`] takes: 2^53, beyond which
/// not every whole number is a float.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// Applies a generalization. `None` when the value does not fit it (it is
/// then redacted by the caller): not a date, or for a range not a number
/// within ±2^53 (nor a width above it). Generalizing a generalized value
/// changes nothing.
pub fn generalize(text: &str, how: Generalize, today: Date) -> Option<String> {
    if is_generalized(text, how) {
        return Some(text.to_owned());
    }
    match how {
        Generalize::Year => Date::from_iso(text).map(|d| d.year().to_string()),
        Generalize::YearMonth => {
            Date::from_iso(text).map(|d| format!("{:04}-{:02}", d.year(), d.month()))
        }
        Generalize::AgeBand { width } => {
            let age = Date::from_iso(text)?.years_until(today).max(0);
            let width = i32::from(width.max(1));
            let low = age / width * width;
            Some(format!("{low}-{}", low + width - 1))
        }
        Generalize::Prefix { keep } => Some(prefix(text, keep)),
        Generalize::Range { width } => {
            let n: f64 = text.parse().ok()?;
            // Beyond 2^53 not every whole number is a float: no exact range.
            if !n.is_finite() || n.abs() > MAX_EXACT || width as f64 > MAX_EXACT {
                return None;
            }
            let width = width.max(1) as f64;
            let low = (n / width).floor() * width;
            Some(format!("{}-{}", low as i64, (low + width) as i64 - 1))
        }
    }
}

/// The keyed pseudonym of `text`: `key_id:` and `bytes` bytes of
/// HMAC-SHA-256 (keyed with the pseudonym key derived from the secret and
/// `key_id`) in hex. `domain` separates kinds, so that the same digits
/// as a phone and as an id give unrelated pseudonyms. The caller clears
/// the stack afterwards ([`scrubbed`](super::state::scrubbed)).
pub(crate) fn pseudonym(
    key: &KeyState,
    key_id: &str,
    domain: &str,
    text: &str,
    bytes: usize,
) -> String {
    let mut mac = key.mac.clone();
    mac.update(domain.as_bytes());
    mac.update(&[0]);
    mac.update(text.as_bytes());
    let digest = mac.finalize().into_bytes();
    let bytes = bytes.clamp(8, 32);
    let mut out = String::with_capacity(key_id.len() + 1 + 2 * bytes);
    out.push_str(key_id);
    out.push(':');
    for b in digest.iter().take(bytes) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_counts_graphemes_and_never_reveals_more_than_half() {
        assert_eq!(partial("13812345678", keep(3, 4)), "138****5678");
        assert_eq!(partial("张伟", keep(1, 1)), "张*");
        assert_eq!(partial("👨‍👩‍👧‍👦ab", keep(1, 0)), "👨‍👩‍👧‍👦**");
        assert_eq!(partial("e\u{301}abc", keep(1, 0)), "e\u{301}***");
        assert_eq!(partial("ab", keep(3, 4)), "a*");
        assert_eq!(partial("a", keep(1, 1)), "*");
        assert_eq!(partial("\r\nab", keep(1, 0)), "\r\n**");
        // Kept marks that would join the mask are masked too.
        assert_eq!(partial("\r\u{301}bcd", keep(0, 4)), "**bcd");
        assert_eq!(partial("a\u{600}\rcd", keep(2, 0)), "a****");
        let fixed = Partial {
            first: 1,
            last: 0,
            mask: '#',
            fixed: Some(3),
        };
        assert_eq!(partial("Alexander", fixed), "A###");
    }

    /// What the phone profiles make is left as it is; a number with a `*`
    /// slipped in, which shows more, is masked.
    #[test]
    fn only_masked_phones_pass_as_masked() {
        for masked in [
            "+1******0123",
            "+352**21",
            "+***",
            "138****5678",
            "****0123",
        ] {
            assert!(is_masked_phone(masked), "{masked}");
            assert_eq!(profile(masked, Profile::Phone), masked);
        }
        for raw in [
            "+14155550*",
            "1415555012*3",
            "+1415*5550123",
            "13812*345678",
        ] {
            assert!(!is_masked_phone(raw), "{raw}");
            let out = profile(raw, Profile::Phone);
            let digits = out.bytes().filter(u8::is_ascii_digit).count();
            assert!(digits <= 4, "{raw} -> {out}");
        }
        for profile_out in ["+14155550123", "+8613812345678", "+35221"] {
            let once = profile(profile_out, Profile::Phone);
            assert!(is_masked_phone(&once), "{once}");
        }
        assert!(is_masked_phone(&profile(
            "+8613812345678",
            Profile::PhoneCn
        )));
    }

    #[test]
    fn profiles() {
        assert_eq!(
            profile("zhang.wei@example.com", Profile::Email),
            "z***@example.com"
        );
        assert_eq!(
            profile("zhang.wei@example.com", Profile::EmailDomainMasked),
            "z***@***.com"
        );
        assert_eq!(profile("+8613812345678", Profile::PhoneCn), "138****5678");
        assert_eq!(profile("+8613812345678", Profile::Phone), "+86*******5678");
        assert_eq!(profile("+61293744000", Profile::PhoneCn), "+61*****4000");
        assert_eq!(
            profile("+14155550100;ext=12", Profile::Phone),
            "+1******0100"
        );
        assert_eq!(profile("张伟", Profile::Name), "张*");
        assert_eq!(profile("欧阳娜娜", Profile::Name), "欧阳**");
        assert_eq!(profile("John Smith", Profile::Name), "J*** S****");
        // Never a whole word, a whole local part or national number.
        assert_eq!(profile("Ann B", Profile::Name), "A** *");
        assert_eq!(profile("a@example.com", Profile::Email), "****@example.com");
        assert_eq!(
            profile("ab@example.com", Profile::Email),
            "a***@example.com"
        );
        assert_eq!(
            profile("a@example.com", Profile::EmailDomainMasked),
            "****@***.com"
        );
        assert_eq!(profile("+3524621", Profile::Phone), "+352**21");
        assert_eq!(profile("+35246211", Profile::Phone), "+352*6211");
        assert_eq!(profile("+3521", Profile::Phone), "+352*");
        assert_eq!(profile("+352", Profile::Phone), "+***");
        for masked in ["+352**21", "+352*", "+***"] {
            assert_eq!(profile(masked, Profile::Phone), masked);
        }
        assert_eq!(
            profile_of_kind("娜娜", Profile::Name, &FieldKind::GivenName),
            "**"
        );
        assert_eq!(
            profile_of_kind("娜娜", Profile::Name, &FieldKind::FullName),
            profile("娜娜", Profile::Name)
        );
        assert_eq!(
            profile_of_kind("Ann", Profile::Name, &FieldKind::GivenName),
            "A**"
        );
        // A mixed name whose masked form looks CJK settles at once.
        let mixed = profile("张\u{fdfa} 👨\u{200d}👩\u{200d}👧\u{200d}👦", Profile::Name);
        assert_eq!(mixed, "张***");
        assert_eq!(profile(&mixed, Profile::Name), mixed);
        let digits = profile("86张伟", Profile::Name);
        assert_eq!(profile(&digits, Profile::Name), digits);
        assert_eq!(
            profile("11010519491231002X", Profile::CnResidentId1x1),
            "1****************X"
        );
        assert_eq!(
            profile("11010519491231002X", Profile::CnResidentId3x4),
            "110***********002X"
        );
        assert_eq!(
            profile("11010519491231002X", Profile::CnResidentId6x4),
            "110105********002X"
        );
        // Ids of other countries show their last 4 characters only.
        for p in [
            Profile::CnResidentId1x1,
            Profile::CnResidentId3x4,
            Profile::CnResidentId6x4,
        ] {
            assert_eq!(profile("123456789", p), "*****6789");
            assert_eq!(profile("AB123456C", p), "*****456C");
            assert_eq!(profile("123", p), "**3");
        }
        assert_eq!(
            profile("4111111111111111", Profile::CardLast4),
            "************1111"
        );
        assert_eq!(
            profile("4111111111111111", Profile::CardPci),
            "411111******1111"
        );
        for p in Profile::ALL {
            assert_eq!(Profile::from_name(p.name()), Some(*p));
        }
    }

    /// Inputs that used to panic (byte slicing inside a character,
    /// arithmetic overflow, a capacity overflow).
    #[test]
    fn hostile_values_never_panic() {
        assert_eq!(profile("+86-abcdefgh", Profile::PhoneCn), "********efgh");
        assert_eq!(profile("+86-abcdefgh", Profile::Phone), "********efgh");
        assert_eq!(profile("+86€€€€€€€€€", Profile::PhoneCn), "********€€€€");
        assert_eq!(
            profile("+861381234a678", Profile::PhoneCn),
            "**********a678"
        );
        // Not a mobile: the general phone profile.
        assert_eq!(profile("+861065529988", Profile::PhoneCn), "+86******9988");
        assert_eq!(
            profile("+8613812345678;ext=9", Profile::PhoneCn),
            "138****5678"
        );
        let today = Date::new(2026, 11, 22).unwrap();
        for how in [
            Generalize::Year,
            Generalize::YearMonth,
            Generalize::AgeBand { width: 10 },
        ] {
            for text in ["ab€xy", "1990€06", "€€-€€", "1990-€", "-", ""] {
                assert_eq!(generalize(text, how, today), None, "{text}");
            }
        }
        let range = |text, width| generalize(text, Generalize::Range { width }, today);
        for text in ["inf", "-inf", "NaN", "1e300", "-1e300", "-9007199254740994"] {
            assert_eq!(range(text, 10), None, "{text}");
        }
        assert_eq!(range("5", u64::MAX), None);
        assert_eq!(range("-5", 10).as_deref(), Some("-10--1"));
        assert_eq!(
            range("-9007199254740992", 1).as_deref(),
            Some("-9007199254740992--9007199254740992")
        );
        let huge = Partial {
            first: usize::MAX,
            last: usize::MAX,
            mask: '*',
            fixed: Some(usize::MAX),
        };
        assert_eq!(
            partial("abcd", huge),
            format!("ab{}", "*".repeat(MAX_FIXED))
        );
        assert_eq!(
            partial("张伟丽娜", huge),
            format!("张伟{}", "*".repeat(MAX_FIXED))
        );
    }

    #[test]
    fn generalizations() {
        let today = Date::new(2026, 11, 22).unwrap();
        assert_eq!(
            generalize("1990-06-15", Generalize::Year, today).as_deref(),
            Some("1990")
        );
        assert_eq!(
            generalize("1990-06-15", Generalize::YearMonth, today).as_deref(),
            Some("1990-06")
        );
        assert_eq!(
            generalize("1990-06-15", Generalize::AgeBand { width: 10 }, today).as_deref(),
            Some("30-39")
        );
        assert_eq!(
            generalize("SW1A 1AA", Generalize::Prefix { keep: 3 }, today).as_deref(),
            Some("SW1*")
        );
        // A value no longer than the prefix loses a character too.
        for (value, prefix) in [("101", "10*"), ("7", "*"), ("SW1*", "SW1*"), ("10*", "10*")] {
            assert_eq!(
                generalize(value, Generalize::Prefix { keep: 3 }, today).as_deref(),
                Some(prefix),
                "{value}"
            );
        }
        // A star inside the value is not a prefix's mark.
        assert_eq!(
            generalize("1*3", Generalize::Prefix { keep: 3 }, today).as_deref(),
            Some("1**")
        );
        assert_eq!(
            generalize("1534.5", Generalize::Range { width: 1000 }, today).as_deref(),
            Some("1000-1999")
        );
        assert_eq!(generalize("soon", Generalize::Year, today), None);
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        use super::super::{Key, KeyRing, state::KeyStates};
        let ring = KeyRing::new()
            .with(Key::new("k1", &[1u8; 32]).unwrap())
            .with(Key::new("k2", &[2u8; 32]).unwrap())
            .with(Key::new("k3", &[1u8; 32]).unwrap());
        let states = KeyStates::new(&ring).unwrap();
        let k = |id| states.get(id).unwrap();
        let a = pseudonym(k("k1"), "k1", "email", "ann@example.com", 12);
        assert_eq!(a, pseudonym(k("k1"), "k1", "email", "ann@example.com", 12));
        assert!(a.starts_with("k1:") && a.len() == 3 + 24);
        assert_ne!(a, pseudonym(k("k2"), "k1", "email", "ann@example.com", 12));
        assert_ne!(a, pseudonym(k("k1"), "k1", "phone", "ann@example.com", 12));
        // The same secret under another id: another key.
        let (_, digest) = a.split_at(3);
        let same_secret = pseudonym(k("k3"), "k3", "email", "ann@example.com", 12);
        assert!(!same_secret.ends_with(digest));
        assert_eq!(pseudonym(k("k1"), "k1", "email", "", 99).len(), 3 + 64);
        assert_eq!(pseudonym(k("k1"), "k1", "email", "", 0).len(), 3 + 16);
    }

    /// HMAC-SHA-256 under the derived pseudonym key, computed independently
    /// with Python's standard library:
    ///
    /// ```python
    /// import hmac, hashlib
    /// def hkdf(ikm, info, n):
    ///     prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    ///     return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]
    /// key = hkdf(bytes(range(32)), b"custodia/v1/pseudonym/ka", 32)
    /// hmac.new(key, b"email\0ann@example.com", hashlib.sha256).hexdigest()[:24]
    /// ```
    #[test]
    fn pseudonym_vectors() {
        use super::super::{Key, KeyRing, state::KeyStates};
        let secret: Vec<u8> = (0u8..32).collect();
        let ring = KeyRing::new()
            .with(Key::new("ka", &secret).unwrap())
            .with(Key::new("kb", &secret).unwrap());
        let states = KeyStates::new(&ring).unwrap();
        let of = |id| pseudonym(states.get(id).unwrap(), id, "email", "ann@example.com", 12);
        assert_eq!(of("ka"), PSEUDONYM_KA);
        assert_eq!(of("kb"), PSEUDONYM_KB);
    }

    const PSEUDONYM_KA: &str = "ka:3bd8ee95a3e037eb135e4f99";
    const PSEUDONYM_KB: &str = "kb:5787ae41235b0e8fa675783e";
}
