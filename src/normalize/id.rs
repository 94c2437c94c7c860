//! National ids, bank and card numbers, and gender.

use std::borrow::Cow;

use crate::schema::IdScheme;
use crate::validate::checksum::cn_resident_check;

/// Removes separators (white space, hyphens, dots, slashes) and
/// upper-cases: `de89 3704 0044 0532 0130 00` is `DE89370400440532013000`.
pub fn compact(text: &str) -> Cow<'_, str> {
    let keep = |c: char| !(c.is_whitespace() || matches!(c, '-' | '.' | '/'));
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() && !b.is_ascii_lowercase())
    {
        return Cow::Borrowed(text);
    }
    let compacted = super::text::clean(text)
        .chars()
        .map(super::text::half_width)
        .filter(|&c| keep(c))
        .flat_map(char::to_uppercase)
        .collect();
    let out = super::text::nfc(compacted);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// Compacts a national id and, for the China resident id, upgrades the
/// legacy 15-digit form to 18 digits (century `19` inserted, check
/// character computed).
pub fn normalize_national_id(text: &str, scheme: IdScheme) -> Cow<'_, str> {
    let id = compact(text);
    if scheme == IdScheme::CnResidentId && id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit())
    {
        let mut upgraded = String::with_capacity(18);
        upgraded.push_str(&id[..6]);
        upgraded.push_str("19");
        upgraded.push_str(&id[6..]);
        if let Some(check) = cn_resident_check(upgraded.as_bytes()) {
            upgraded.push(char::from(check));
            return Cow::Owned(upgraded);
        }
    }
    id
}

/// The canonical genders: `female`, `male`, `other`, `unknown`.
pub const GENDERS: [&str; 4] = [
    GENDER_SPELLINGS[0].1,
    GENDER_SPELLINGS[1].1,
    GENDER_SPELLINGS[2].1,
    GENDER_SPELLINGS[3].1,
];

/// Maps the usual spellings to `female`, `male`, `other` or `unknown`
/// (English, German, French, Spanish, Chinese, Japanese); `None` when the
/// value is not recognized.
pub fn gender(text: &str) -> Option<&'static str> {
    let text = text.trim();
    let find = |text: &str| {
        GENDER_SPELLINGS
            .iter()
            .find(|(spellings, _)| spellings.iter().any(|s| s.eq_ignore_ascii_case(text)))
            .map(|(_, gender)| *gender)
    };
    // Comparing without regard to ASCII case needs no lower-cased copy;
    // other text (`Männlich`, `女`) is lower-cased first.
    if text.is_ascii() {
        find(text)
    } else {
        find(&text.to_lowercase())
    }
}

/// Each canonical gender with its spellings, in lower case.
const GENDER_SPELLINGS: [(&[&str], &str); 4] = [
    (
        &[
            "female", "f", "w", "woman", "weiblich", "femme", "mujer", "femenino", "女", "女性",
            "girl", "mrs", "ms",
        ],
        "female",
    ),
    (
        &[
            "male",
            "m",
            "man",
            "männlich",
            "homme",
            "hombre",
            "masculino",
            "男",
            "男性",
            "boy",
        ],
        "male",
    ),
    (
        &[
            "other",
            "x",
            "o",
            "diverse",
            "d",
            "divers",
            "non-binary",
            "nonbinary",
            "其他",
        ],
        "other",
    ),
    (
        &["unknown", "u", "n/a", "na", "unspecified", "未知", "-"],
        "unknown",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacting() {
        assert_eq!(
            compact("de89 3704 0044 0532 0130 00"),
            "DE89370400440532013000"
        );
        assert_eq!(compact("4111-1111-1111-1111"), "4111111111111111");
        assert_eq!(compact("123-45-6789"), "123456789");
        assert!(matches!(compact("ABC123"), Cow::Borrowed(_)));
    }

    #[test]
    fn legacy_resident_ids_are_upgraded() {
        // 15-digit form of the GB 11643 specimen 11010519491231002X.
        assert_eq!(
            normalize_national_id("110105491231002", IdScheme::CnResidentId),
            "11010519491231002X"
        );
        assert_eq!(
            normalize_national_id("11010519491231002x", IdScheme::CnResidentId),
            "11010519491231002X"
        );
        assert_eq!(
            normalize_national_id("110105491231002", IdScheme::UsSsn),
            "110105491231002"
        );
    }

    #[test]
    fn genders() {
        assert_eq!(gender("F"), Some("female"));
        assert_eq!(gender("男"), Some("male"));
        assert_eq!(gender(" Divers "), Some("other"));
        assert_eq!(gender("MÄNNLICH"), Some("male"));
        assert_eq!(gender("Female"), Some("female"));
        assert_eq!(gender("N/A"), Some("unknown"));
        assert_eq!(gender("maybe"), None);
    }
}
