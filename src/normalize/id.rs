//! National ids, bank and card numbers, and gender.

use std::borrow::Cow;

use crate::checksum::cn_resident_check;
use crate::error::FieldPath;
use crate::issue::{Issue, IssueCode};
use crate::schema::{IdScheme, RegionCode};

/// Removes separators (spaces, hyphens and dashes, dots, slashes),
/// reads full-width letters and digits as ASCII, and upper-cases:
/// `de89 3704 0044 0532 0130 00` is `DE89370400440532013000`. Nothing else
/// is removed but white space at either end: a control character (a tab
/// too) or an invisible one inside the value stays, and validation refuses
/// the value, as the reference (`python-stdnum`) does. Text with nothing
/// but separators is kept as it is.
pub fn compact(text: &str) -> Cow<'_, str> {
    let separator = |c: char| {
        (c.is_whitespace() && !c.is_control())
            || matches!(c, '-' | '.' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}')
    };
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() && !b.is_ascii_lowercase())
    {
        return Cow::Borrowed(text);
    }
    let out: String = text
        .chars()
        .map(super::text::half_width)
        .filter(|&c| !separator(c))
        .flat_map(char::to_uppercase)
        .collect();
    // Trimmed after the separators are gone, as the reference does, so
    // that a line break before a trailing `..` ends up outside the value
    // and compacting a compacted value changes nothing.
    let out = out.trim();
    // Separators around nothing visible are kept as written: compacting
    // them away would turn an invalid value into a blank (missing) one.
    if out == text || super::text::is_blank(out) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out.to_owned())
    }
}

/// Compacts a national id and, for the China resident id, upgrades the
/// legacy 15-digit form to 18 digits (century `19` inserted, check
/// character computed); an 8-digit Dutch BSN gets its leading zero back.
/// [`IdScheme::ByCountry`] without a region reads the value by its shape
/// (see [`normalize_national_id_in`]).
pub fn normalize_national_id(text: &str, scheme: IdScheme) -> Cow<'_, str> {
    normalize_national_id_in(text, scheme, None)
}

/// [`normalize_national_id`] for a record of `region` (its country, or
/// the default region): [`IdScheme::ByCountry`] uses that country's
/// scheme ([`IdScheme::for_country`]); other schemes ignore the region.
pub fn normalize_national_id_in(
    text: &str,
    scheme: IdScheme,
    region: Option<RegionCode>,
) -> Cow<'_, str> {
    let id = compact(text);
    let Reading::Scheme(scheme) = reading(scheme, region, &id) else {
        return id;
    };
    let all_digits = id.bytes().all(|b| b.is_ascii_digit());
    if scheme == IdScheme::CnResidentId && id.len() == 15 && all_digits {
        let mut upgraded = String::with_capacity(18);
        upgraded.push_str(&id[..6]);
        upgraded.push_str("19");
        upgraded.push_str(&id[6..]);
        if let Some(check) = cn_resident_check(upgraded.as_bytes()) {
            upgraded.push(char::from(check));
            return Cow::Owned(upgraded);
        }
    }
    if scheme == IdScheme::NlBsn && id.len() == 8 && all_digits {
        return Cow::Owned(format!("0{id}"));
    }
    id
}

/// How a national id is read: by which scheme, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// By this scheme (never [`IdScheme::ByCountry`]).
    Scheme(IdScheme),
    /// By none: the record's country has no scheme. The value is
    /// compacted and accepted.
    NoScheme,
    /// By none: the record has no country, and the value's shape is no
    /// one scheme's. The value is compacted and kept, with the warning
    /// [`IdUnchecked`](IssueCode::IdUnchecked).
    Unchecked,
}

/// How a compacted id (see [`compact`]) of a field of `scheme` in a
/// record of `region` is read. A scheme other than
/// [`ByCountry`](IdScheme::ByCountry) reads every value. `ByCountry`
/// takes the scheme of the region ([`IdScheme::for_country`]); without a
/// region, the one scheme of [`IdScheme::BY_COUNTRY`] whose shape the value
/// has: an 18-character China resident id, a UK NINO, a Spanish DNI or
/// NIE, an Italian codice fiscale, a French NIR of Corsica (`2A`, `2B`),
/// 12 digits (India) or 13 (Korea). Other shapes are several schemes'
/// (9, 11 or 15 digits) or none's.
pub fn reading(scheme: IdScheme, region: Option<RegionCode>, id: &str) -> Reading {
    if scheme != IdScheme::ByCountry {
        return Reading::Scheme(scheme);
    }
    if let Some(region) = region {
        return IdScheme::for_country(region).map_or(Reading::NoScheme, Reading::Scheme);
    }
    let mut fits = IdScheme::BY_COUNTRY
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| shapes(*s).iter().any(|shape| has_shape(id, shape)));
    match (fits.next(), fits.next()) {
        (Some(scheme), None) => Reading::Scheme(scheme),
        _ => Reading::Unchecked,
    }
}

/// The shapes of each scheme's ids: `9` a digit, `A` a letter, `C`
/// either.
fn shapes(scheme: IdScheme) -> &'static [&'static str] {
    match scheme {
        // The legacy 15 digits too, so that they are not a French NIR's.
        IdScheme::CnResidentId => &["99999999999999999C", "999999999999999"],
        IdScheme::UsSsn | IdScheme::CaSin | IdScheme::NlBsn => &["999999999"],
        IdScheme::GbNino => &["AA999999A"],
        IdScheme::EsDni => &["99999999A", "A9999999A"],
        IdScheme::FrNir => &["99999CC99999999"],
        IdScheme::ItCodiceFiscale => &["AAAAAACCACCACCCA"],
        IdScheme::DeIdnr | IdScheme::BrCpf => &["99999999999"],
        IdScheme::InAadhaar => &["999999999999"],
        IdScheme::KrRrn => &["9999999999999"],
        _ => &[],
    }
}

/// Whether `id` has `shape` (see [`shapes`]).
fn has_shape(id: &str, shape: &str) -> bool {
    id.len() == shape.len()
        && id.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            _ => c.is_ascii_digit() || c.is_ascii_uppercase(),
        })
}

/// Whether `text` is a legacy 15-digit China resident id (GB 11643-1989),
/// which [`normalize_national_id`] upgrades to 18 digits.
pub fn is_legacy_resident_id(text: &str) -> bool {
    let id = compact(text);
    id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The warning for an upgraded legacy resident id: its check character
/// was computed, not verified, so a typing error in it goes unnoticed.
pub(crate) fn upgraded_issue(path: FieldPath) -> Issue {
    Issue::new(path, IssueCode::IdUpgraded).detail("check character computed, not verified")
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
        // Nothing visible left: kept, so the value stays invalid, not missing.
        assert_eq!(compact("-\u{7}"), "-\u{7}");
        assert_eq!(compact(" - "), " - ");
        // White space that separators hid from the caller's trim is
        // trimmed (found by fuzzing): compacting again changes nothing.
        assert_eq!(compact("DE89\r\n.."), "DE89");
        assert_eq!(compact("DE\t89"), "DE\t89");
        for text in ["DE89\r\n..", "..\n4111 1111", "x\u{3000}-"] {
            assert_eq!(compact(&compact(text)), compact(text), "{text:?}");
        }
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
    fn by_country_reads_the_scheme_of_the_region() {
        let region = |c: &str| RegionCode::new(c);
        let by = IdScheme::ByCountry;
        assert_eq!(
            reading(by, region("US"), "123456789"),
            Reading::Scheme(IdScheme::UsSsn)
        );
        assert_eq!(
            reading(by, region("GB"), "123456789"),
            Reading::Scheme(IdScheme::GbNino)
        );
        assert_eq!(reading(by, region("JP"), "123456789"), Reading::NoScheme);
        // Other schemes ignore the region.
        assert_eq!(
            reading(IdScheme::UsSsn, region("CN"), "1"),
            Reading::Scheme(IdScheme::UsSsn)
        );
        // Normalization follows the region: legacy resident ids are
        // upgraded in China only, an 8-digit BSN padded in the Netherlands.
        assert_eq!(
            normalize_national_id_in("110105491231002", by, region("CN")),
            "11010519491231002X"
        );
        assert_eq!(
            normalize_national_id_in("110105491231002", by, region("FR")),
            "110105491231002"
        );
        assert_eq!(
            normalize_national_id_in("1112.22.333", IdScheme::NlBsn, None),
            "111222333"
        );
        assert_eq!(
            normalize_national_id_in("11122233", by, region("NL")),
            "011122233"
        );
        assert_eq!(
            normalize_national_id_in("11122233", by, region("US")),
            "11122233"
        );
        assert_eq!(
            normalize_national_id_in("ab 12 34 56 c", by, region("GB")),
            "AB123456C"
        );
    }

    #[test]
    fn without_a_country_the_shape_decides_when_it_can() {
        let read = |id: &str| reading(IdScheme::ByCountry, None, id);
        assert_eq!(
            read("11010519491231002X"),
            Reading::Scheme(IdScheme::CnResidentId)
        );
        assert_eq!(read("AB123456C"), Reading::Scheme(IdScheme::GbNino));
        assert_eq!(read("54362315K"), Reading::Scheme(IdScheme::EsDni));
        assert_eq!(read("X2482300W"), Reading::Scheme(IdScheme::EsDni));
        assert_eq!(read("253072B07300470"), Reading::Scheme(IdScheme::FrNir));
        assert_eq!(
            read("RCCMNL83S18D969H"),
            Reading::Scheme(IdScheme::ItCodiceFiscale)
        );
        assert_eq!(read("234123412346"), Reading::Scheme(IdScheme::InAadhaar));
        assert_eq!(read("9710139019902"), Reading::Scheme(IdScheme::KrRrn));
        // Shared shapes: SSN, SIN or BSN; IdNr or CPF; a French NIR or a
        // legacy resident id. No shape: anything else.
        for id in [
            "123456789",
            "36574261809",
            "295109912611193",
            "12345",
            "AB-1",
        ] {
            assert_eq!(read(id), Reading::Unchecked, "{id}");
        }
        // Unchecked values are compacted only.
        assert_eq!(
            normalize_national_id("110105491231002", IdScheme::ByCountry),
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
