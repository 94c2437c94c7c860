//! Postal addresses: countries, postcodes, street types.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use super::text;
use crate::schema::RegionCode;

/// ISO 3166-1: alpha-2, alpha-3, English name, then other names (native
/// names, common short forms), one country a line; plus the codes outside
/// ISO 3166-1 that the phone and IBAN registries use (the file's header
/// says which and why).
const COUNTRIES: &str = include_str!("countries.txt");

static COUNTRY_INDEX: LazyLock<HashMap<String, RegionCode>> = LazyLock::new(|| {
    let mut index = HashMap::with_capacity(1024);
    for line in COUNTRIES.lines() {
        let mut names = line.split('|');
        let Some(code) = names.next().and_then(RegionCode::letters) else {
            continue;
        };
        index.insert(code.as_str().to_ascii_lowercase(), code);
        for name in names {
            index.entry(text::match_key(name)).or_insert(code);
        }
    }
    index
});

/// Every known alpha-2 code, in a 26 × 26 table: checking a code (done for
/// every record) costs no hashing.
static COUNTRY_CODES: LazyLock<[bool; 26 * 26]> = LazyLock::new(|| {
    let mut known = [false; 26 * 26];
    for slot in COUNTRY_INDEX.values().filter_map(|c| code_slot(c.as_str())) {
        known[slot] = true;
    }
    known
});

fn code_slot(code: &str) -> Option<usize> {
    match *code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// Whether `text` is already an ISO 3166-1 alpha-2 code in upper case.
pub fn is_country_code(text: &str) -> bool {
    code_slot(text).is_some_and(|slot| COUNTRY_CODES[slot])
}

/// The ISO 3166-1 alpha-2 code of a country given by code (`cn`, `CHN`) or
/// name in English or its own language (`China`, `中国`, `Deutschland`).
pub fn country_code(country: &str) -> Option<RegionCode> {
    let trimmed = country.trim();
    if trimmed.len() == 2
        && trimmed.is_ascii()
        && let Some(code) = RegionCode::new(trimmed)
    {
        return Some(code);
    }
    COUNTRY_INDEX.get(&text::match_key(trimmed)).copied()
}

/// The region a record lives in: the value of its country field (at
/// `country`) when that is a known country code or name.
pub(crate) fn record_region(
    record: &crate::schema::Record,
    country: Option<usize>,
) -> Option<RegionCode> {
    let text = record.get_at(country?)?.as_str()?;
    RegionCode::new(text).or_else(|| country_code(text))
}

/// Whether custodia knows a postcode format for `country`.
pub fn has_postcode_format(country: RegionCode) -> bool {
    matches!(
        country.as_str(),
        "US" | "GB" | "CA" | "DE" | "FR" | "CN" | "JP" | "IN" | "BR" | "AU"
    )
}

/// Puts a postcode into its country's usual form: `sw1a1aa` is `SW1A 1AA`
/// (GB), `k1a0b1` is `K1A 0B1` (CA), `1000001` is `100-0001` (JP),
/// `01310100` is `01310-100` (BR), `123456789` is `12345-6789` (US).
/// Unknown countries and values that do not fit are only cleaned and
/// upper-cased.
pub fn normalize_postcode(postcode: &str, country: Option<RegionCode>) -> Cow<'_, str> {
    if let Some(c) = country
        && postcode_is_valid(postcode, c) == Some(true)
    {
        return Cow::Borrowed(postcode);
    }
    let upper = text::nfc(text::clean(postcode).to_uppercase());
    let compact: String = upper.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact.bytes().all(|b| b.is_ascii_digit());
    let alnum = compact.bytes().all(|b| b.is_ascii_alphanumeric());
    let out = match (country.as_ref().map(RegionCode::as_str), compact.len()) {
        (Some("GB"), 5..=7) if alnum => format!(
            "{} {}",
            &compact[..compact.len() - 3],
            &compact[compact.len() - 3..]
        ),
        (Some("CA"), 6) if alnum => format!("{} {}", &compact[..3], &compact[3..]),
        (Some("JP"), 7) if digits => format!("{}-{}", &compact[..3], &compact[3..]),
        (Some("BR"), 8) if digits => format!("{}-{}", &compact[..5], &compact[5..]),
        (Some("US"), 9) if digits => format!("{}-{}", &compact[..5], &compact[5..]),
        _ => upper,
    };
    if out == postcode {
        Cow::Borrowed(postcode)
    } else {
        Cow::Owned(out)
    }
}

/// Whether a normalized postcode has its country's format; `None` when the
/// country's format is not known.
pub fn postcode_is_valid(postcode: &str, country: RegionCode) -> Option<bool> {
    let b = postcode.as_bytes();
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let alpha = |c: u8| c.is_ascii_uppercase();
    let digit = |c: u8| c.is_ascii_digit();
    Some(match country.as_str() {
        "US" => {
            (b.len() == 5 && all_digits(b))
                || (b.len() == 10 && all_digits(&b[..5]) && b[5] == b'-' && all_digits(&b[6..]))
        }
        "GB" => {
            let Some((outward, inward)) = postcode.split_once(' ') else {
                return Some(false);
            };
            let (o, i) = (outward.as_bytes(), inward.as_bytes());
            postcode == "GIR 0AA"
                || ((2..=4).contains(&o.len())
                    && alpha(o[0])
                    && o.iter().all(|c| c.is_ascii_alphanumeric())
                    && o.iter().any(|&c| digit(c))
                    && i.len() == 3
                    && digit(i[0])
                    && alpha(i[1])
                    && alpha(i[2]))
        }
        "CA" => {
            b.len() == 7
                && alpha(b[0])
                && digit(b[1])
                && alpha(b[2])
                && b[3] == b' '
                && digit(b[4])
                && alpha(b[5])
                && digit(b[6])
        }
        "DE" | "FR" => b.len() == 5 && all_digits(b),
        "CN" => b.len() == 6 && all_digits(b),
        "IN" => b.len() == 6 && all_digits(b) && b[0] != b'0',
        "JP" => b.len() == 8 && all_digits(&b[..3]) && b[3] == b'-' && all_digits(&b[4..]),
        "BR" => b.len() == 9 && all_digits(&b[..5]) && b[5] == b'-' && all_digits(&b[6..]),
        "AU" => b.len() == 4 && all_digits(b),
        _ => return None,
    })
}

/// English street types and their abbreviations.
const STREET_TYPES: &[(&str, &str)] = &[
    ("st", "Street"),
    ("str", "Street"),
    ("rd", "Road"),
    ("ave", "Avenue"),
    ("av", "Avenue"),
    ("blvd", "Boulevard"),
    ("dr", "Drive"),
    ("ln", "Lane"),
    ("pl", "Place"),
    ("ct", "Court"),
    ("cres", "Crescent"),
    ("cr", "Crescent"),
    ("tce", "Terrace"),
    ("terr", "Terrace"),
    ("pde", "Parade"),
    ("hwy", "Highway"),
    ("sq", "Square"),
    ("cl", "Close"),
    ("cct", "Circuit"),
    ("esp", "Esplanade"),
    ("gr", "Grove"),
    ("pkwy", "Parkway"),
    ("cir", "Circle"),
    ("ter", "Terrace"),
    ("way", "Way"),
];

/// Expands a street-type abbreviation at the end of a street line
/// (`1 Martin Pl` is `1 Martin Place`, `12 high st.` is `12 high Street`).
/// Only the last word is touched, so `St Kilda Rd` keeps its `St`.
pub fn expand_street_type(street: &str) -> Cow<'_, str> {
    let Some((head, last)) = street.rsplit_once(' ') else {
        return Cow::Borrowed(street);
    };
    let bare = last.trim_end_matches('.').to_ascii_lowercase();
    match STREET_TYPES.iter().find(|(abbr, _)| *abbr == bare) {
        Some((_, full)) if last != *full && !head.is_empty() => {
            let full = if !street.chars().any(char::is_lowercase) {
                full.to_uppercase()
            } else {
                (*full).to_owned()
            };
            Cow::Owned(format!("{head} {full}"))
        }
        _ => Cow::Borrowed(street),
    }
}

/// Short region codes (`nsw`, `ca`) in upper case; names are left alone.
pub fn normalize_region(region: &str) -> Cow<'_, str> {
    if (2..=3).contains(&region.len())
        && region.bytes().all(|b| b.is_ascii_alphabetic())
        && region.bytes().any(|b| b.is_ascii_lowercase())
    {
        Cow::Owned(region.to_ascii_uppercase())
    } else {
        Cow::Borrowed(region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<String> {
        country_code(s).map(|c| c.to_string())
    }

    #[test]
    fn countries_by_code_and_name() {
        for (text, expected) in [
            ("cn", "CN"),
            ("CHN", "CN"),
            ("China", "CN"),
            ("中国", "CN"),
            ("中华人民共和国", "CN"),
            ("Deutschland", "DE"),
            ("germany", "DE"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("UK", "GB"),
            ("Österreich", "AT"),
            ("osterreich", "AT"),
            ("日本", "JP"),
            ("대한민국", "KR"),
            ("Türkiye", "TR"),
            ("Côte d'Ivoire", "CI"),
            ("Australia", "AU"),
        ] {
            assert_eq!(code(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(code("Atlantis"), None);
        assert_eq!(code("ZZ"), None);
        assert_eq!(RegionCode::new("ZZ"), None);
        // Outside ISO 3166-1, used by the phone and IBAN registries.
        for (text, expected) in [("XK", "XK"), ("Kosovo", "XK"), ("ac", "AC"), ("TA", "TA")] {
            assert_eq!(code(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(code(""), None);
    }

    #[test]
    fn postcodes() {
        let r = |c: &str| RegionCode::new(c);
        assert_eq!(normalize_postcode("sw1a1aa", r("GB")), "SW1A 1AA");
        assert_eq!(normalize_postcode("k1a0b1", r("CA")), "K1A 0B1");
        assert_eq!(normalize_postcode("1000001", r("JP")), "100-0001");
        assert_eq!(normalize_postcode("01310100", r("BR")), "01310-100");
        assert_eq!(normalize_postcode("123456789", r("US")), "12345-6789");
        assert_eq!(normalize_postcode("２０００", r("AU")), "2000");
        for (code, good, bad) in [
            ("US", "94103", "9410"),
            ("GB", "SW1A 1AA", "SW1A1AA"),
            ("CA", "K1A 0B1", "K1A 0B"),
            ("DE", "10117", "1011"),
            ("FR", "75001", "7500A"),
            ("CN", "200000", "20000"),
            ("JP", "100-0001", "1000001"),
            ("IN", "110001", "010001"),
            ("BR", "01310-100", "01310100"),
            ("AU", "2000", "20000"),
        ] {
            let c = RegionCode::new(code).unwrap();
            assert_eq!(postcode_is_valid(good, c), Some(true), "{code} {good}");
            assert_eq!(postcode_is_valid(bad, c), Some(false), "{code} {bad}");
            assert!(has_postcode_format(c));
        }
        assert_eq!(
            postcode_is_valid("1234", RegionCode::new("NZ").unwrap()),
            None
        );
    }

    #[test]
    fn street_types() {
        assert_eq!(expand_street_type("1 Martin Pl"), "1 Martin Place");
        assert_eq!(expand_street_type("12 High St."), "12 High Street");
        assert_eq!(expand_street_type("5 SMITH RD"), "5 SMITH ROAD");
        assert_eq!(expand_street_type("St Kilda Rd"), "St Kilda Road");
        assert_eq!(expand_street_type("1 Martin Place"), "1 Martin Place");
        assert_eq!(expand_street_type("南京西路1号"), "南京西路1号");
        assert_eq!(normalize_region("nsw"), "NSW");
        assert_eq!(normalize_region("Bavaria"), "Bavaria");
    }
}
