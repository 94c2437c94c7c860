//! Dates: many spellings in, ISO 8601 out.

use crate::schema::RegionCode;

pub use crate::schema::Date;
use crate::schema::date::digits;

/// A date read from text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedDate {
    /// The date.
    pub date: Date,
    /// Whether day and month could have been the other way round
    /// (`02/03/1990`) and the region's convention decided.
    pub ambiguous: bool,
}

/// Why text is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateError {
    /// Not a date format custodia reads.
    Unrecognized,
    /// A date format, but no such day (`1990-02-30`).
    NoSuchDay,
}

/// Regions that write numeric dates month first.
const MONTH_FIRST: &[&str] = &[
    "US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "VI", "UM", "BZ",
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Month names and their usual abbreviations in German, French, Spanish,
/// Italian, Portuguese and Dutch, lower case without diacritics (English
/// is matched by its first three letters, `MONTHS`).
const MONTH_NAMES: [&[&str]; 12] = [
    &[
        "januar", "janner", "janvier", "enero", "ene", "gennaio", "gen", "janeiro", "januari",
    ],
    &[
        "februar",
        "feber",
        "fevrier",
        "fev",
        "febrero",
        "febbraio",
        "fevereiro",
        "februari",
    ],
    &[
        "marz", "maerz", "mrz", "mars", "marzo", "marco", "maart", "mrt",
    ],
    &["april", "avril", "avr", "abril", "abr", "aprile"],
    &["mai", "mayo", "maggio", "mag", "maio", "mei"],
    &["juni", "juin", "junio", "giugno", "giu", "junho"],
    &["juli", "juillet", "juil", "julio", "luglio", "lug", "julho"],
    &["august", "aout", "agosto", "ago", "augustus"],
    &[
        "september",
        "septembre",
        "septiembre",
        "settembre",
        "set",
        "setembro",
        "sept",
    ],
    &[
        "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out",
    ],
    &["november", "novembre", "noviembre", "novembro"],
    &[
        "dezember",
        "dez",
        "decembre",
        "diciembre",
        "dic",
        "dicembre",
        "dezembro",
        "december",
    ],
];

/// Words between the parts of a written date: `3 de abril de 1967`.
fn is_filler(word: &str) -> bool {
    [
        "de", "del", "di", "of", "the", "le", "el", "den", "der", "van",
    ]
    .iter()
    .any(|f| word.eq_ignore_ascii_case(f))
}

/// The month a word names: an English name or abbreviation by its first
/// three letters, else a German, French, Spanish, Italian, Portuguese or
/// Dutch name or abbreviation (case and diacritics ignored: `März`,
/// `août`).
fn month_number(word: &str) -> Option<u32> {
    let english = word
        .get(..3)
        .and_then(|head| MONTHS.iter().position(|m| head.eq_ignore_ascii_case(m)));
    let position = english.or_else(|| {
        let key = super::text::match_key(word);
        MONTH_NAMES
            .iter()
            .position(|names| names.contains(&key.as_str()))
    })?;
    Some(position as u32 + 1)
}

/// Japanese eras (the year before each one's first) and the Republic of
/// China calendar (民國/民国, year 1 is 1912).
const ERAS: [(&str, u32); 7] = [
    ("明治", 1867),
    ("大正", 1911),
    ("昭和", 1925),
    ("平成", 1988),
    ("令和", 2018),
    ("民國", 1911),
    ("民国", 1911),
];

/// Reads a date: ISO `1990-01-02` (a time after it is ignored),
/// `19900102`, `1990/1/2`, `1990.1.2`, `02.01.1990`, `02/01/1990`,
/// `1990年1月2日`, `Jan 2 1990`, `2 January 1990`, `January 2, 1990`;
/// month names in German, French, Spanish, Italian, Portuguese and Dutch
/// (`26. März 1965`, `5 juillet 1959`, `3 de abril de 1967`); Japanese era
/// dates (`昭和59年3月17日`, `令和元年5月1日`, and with the era's initial,
/// `S59.03.17`) and Republic of China years (`民國80年1月2日`).
/// Numeric day-month order follows `region` (month first for the US and a
/// few others, day first elsewhere) unless one of the numbers is over 12;
/// when both orders were possible the result says it was ambiguous.
pub fn parse(text: &str, region: Option<RegionCode>) -> Result<ParsedDate, DateError> {
    let text = text.trim();
    let sure = |date: Option<Date>| {
        date.map(|date| ParsedDate {
            date,
            ambiguous: false,
        })
        .ok_or(DateError::NoSuchDay)
    };
    if let Some(numbers) = era_initial(text) {
        return sure(numbers.and_then(|(y, m, d)| Date::new(y, m, d)));
    }
    if text.len() >= 10 && text.is_char_boundary(10) {
        let head = &text[..10];
        let rest = &text[10..];
        if (rest.is_empty() || rest.starts_with(['T', ' ', 't'])) && looks_iso(head) {
            return sure(Date::from_iso(head));
        }
    }
    // Each number with its digit count; no form has more than three.
    let mut found = [(0, 0); 3];
    let mut count = 0;
    let mut month_word = None;
    let mut cjk_order = false;
    let mut era: Option<u32> = None;
    for token in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let mut rest = token;
        while !rest.is_empty() {
            let digits_end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits_end > 0 {
                let n = digits(&rest.as_bytes()[..digits_end]).ok_or(DateError::Unrecognized)?;
                *found.get_mut(count).ok_or(DateError::Unrecognized)? = (n, digits_end);
                count += 1;
                rest = &rest[digits_end..];
                continue;
            }
            let word_end = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let word = &rest[..word_end];
            rest = &rest[word_end..];
            // An era name starts a year (`昭和59年`, `民國80年`), and `元`
            // is its first year (`令和元年`).
            let mut word = word;
            if let Some(&(name, offset)) = ERAS.iter().find(|(name, _)| word.starts_with(name)) {
                if era.is_some() || count > 0 {
                    return Err(DateError::Unrecognized);
                }
                era = Some(offset);
                word = &word[name.len()..];
            }
            if let Some(after) = word
                .strip_prefix('元')
                .filter(|_| era.is_some() && count == 0)
            {
                found[0] = (1, 1);
                count = 1;
                word = after;
            }
            match word {
                "" if era.is_some() => {}
                "年" | "年月" | "月" | "日" | "号" => cjk_order = true,
                "st" | "nd" | "rd" | "th" | "er" | "e" if count > 0 => {}
                _ if is_filler(word) => {}
                _ => {
                    let month = month_number(word)
                        .filter(|_| month_word.is_none())
                        .ok_or(DateError::Unrecognized)?;
                    month_word = Some(month);
                }
            }
        }
    }
    if let Some(offset) = era {
        // An era year is counted from 1: 昭和1 is 1926, 平成1 is 1989.
        match found.first_mut() {
            Some((year, digits)) if count == 3 && *year >= 1 && *digits <= 2 && cjk_order => {
                *year += offset;
                *digits = 4;
            }
            _ => return Err(DateError::Unrecognized),
        }
    }
    match (month_word, &found[..count]) {
        (None, &[(n, 8)]) if !cjk_order => {
            sure(Date::new((n / 10_000) as i32, n / 100 % 100, n % 100))
        }
        (None, &[(y, 4), (m, _), (d, _)]) => sure(Date::new(y as i32, m, d)),
        (None, &[(a, la), (b, lb), (y, 4)]) if la <= 2 && lb <= 2 && !cjk_order => {
            let month_first = region.is_some_and(|r| MONTH_FIRST.contains(&r.as_str()));
            let (day, month) = match (a > 12, b > 12) {
                (true, true) => return Err(DateError::NoSuchDay),
                (true, false) => (a, b),
                (false, true) => (b, a),
                (false, false) if month_first => (b, a),
                (false, false) => (a, b),
            };
            let date = Date::new(y as i32, month, day).ok_or(DateError::NoSuchDay)?;
            Ok(ParsedDate {
                date,
                ambiguous: a <= 12 && b <= 12 && a != b,
            })
        }
        (Some(month), &[(d, ld), (y, 4)] | &[(y, 4), (d, ld)]) if ld <= 2 => {
            sure(Date::new(y as i32, month, d))
        }
        _ => Err(DateError::Unrecognized),
    }
}

/// Japanese eras by their initials (`S55.03.04` is 昭和55年3月4日), and
/// their first Gregorian years.
const ERA_INITIALS: [(char, i32); 5] = [
    ('R', 2019),
    ('H', 1989),
    ('S', 1926),
    ('T', 1912),
    ('M', 1868),
];

/// A Japanese era date written with the era's initial, `S55.03.04`:
/// `None` when the text does not start with an initial and a digit, else
/// its Gregorian (year, month, day) when it has three numbers. Era names
/// (`昭和55年3月4日`) are read by [`parse`] itself.
fn era_initial(text: &str) -> Option<Option<(i32, u32, u32)>> {
    let (start, rest) = ERA_INITIALS.iter().find_map(|&(initial, start)| {
        let rest = text.strip_prefix(initial)?;
        rest.starts_with(|c: char| c.is_ascii_digit())
            .then_some((start, rest))
    })?;
    let numbers: Vec<u32> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty() && t.len() <= 2)
        .filter_map(|t| t.parse().ok())
        .collect();
    Some(match numbers[..] {
        [year, month, day] if year >= 1 => Some((start + year as i32 - 1, month, day)),
        _ => None,
    })
}

fn looks_iso(head: &str) -> bool {
    let b = head.as_bytes();
    b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str, region: &str) -> String {
        parse(text, RegionCode::new(region))
            .map(|p| p.date.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn many_spellings() {
        for text in [
            "1990-01-02",
            "1990-01-02T10:00:00Z",
            "19900102",
            "1990/1/2",
            "1990.1.2",
            "02.01.1990",
            "2/1/1990",
            "1990年1月2日",
            "Jan 2 1990",
            "2 January 1990",
            "January 2nd, 1990",
            " ２ Jan 1990",
            "平成2年1月2日",
            "H2.01.02",
        ] {
            assert_eq!(
                iso(&crate::normalize::text::clean(text), "DE"),
                "1990-01-02",
                "{text}"
            );
        }
    }

    #[test]
    fn month_names_eras_and_roc_years() {
        for (text, expected) in [
            ("26. März 1965", "1965-03-26"),
            ("26. Maerz 1965", "1965-03-26"),
            ("5 juillet 1959", "1959-07-05"),
            ("1er août 1990", "1990-08-01"),
            ("3 de abril de 1967", "1967-04-03"),
            ("12 dicembre 1971", "1971-12-12"),
            ("3 de março de 1967", "1967-03-03"),
            ("14 mei 1980", "1980-05-14"),
            ("14 Jänner 1980", "1980-01-14"),
            ("昭和59年3月17日", "1984-03-17"),
            ("平成11年7月3日", "1999-07-03"),
            ("令和元年5月1日", "2019-05-01"),
            ("平成元年1月8日", "1989-01-08"),
            ("民國80年1月2日", "1991-01-02"),
            ("民国38年10月1日", "1949-10-01"),
        ] {
            assert_eq!(iso(text, "DE"), expected, "{text}");
        }
        for bad in [
            "昭和年3月17日",
            "昭和0年3月17日",
            "昭和1984年3月17日",
            "26. Mörz 1965",
            "元年5月1日",
        ] {
            assert!(parse(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn japanese_era_dates() {
        assert_eq!(iso("昭和55年3月4日", "JP"), "1980-03-04");
        assert_eq!(iso("S55.03.04", "JP"), "1980-03-04");
        assert_eq!(iso("令和元年5月1日", "JP"), "2019-05-01");
        assert_eq!(iso("大正15年12月24日", "JP"), "1926-12-24");
        assert_eq!(
            parse("昭和55年2月30日", None).map(|p| p.date),
            Err(DateError::NoSuchDay)
        );
        assert!(parse("平成年", None).is_err());
        // Month names starting with an era's initial are not eras.
        assert_eq!(iso("Sep 2 1990", "JP"), "1990-09-02");
    }

    #[test]
    fn region_decides_ambiguous_order() {
        assert_eq!(iso("02/01/1990", "DE"), "1990-01-02");
        assert_eq!(iso("02/01/1990", "US"), "1990-02-01");
        assert!(
            parse("02/01/1990", RegionCode::new("US"))
                .unwrap()
                .ambiguous
        );
        // Unambiguous whatever the region.
        assert_eq!(iso("13/01/1990", "US"), "1990-01-13");
        assert!(
            !parse("13/01/1990", RegionCode::new("US"))
                .unwrap()
                .ambiguous
        );
        assert!(!parse("01/01/1990", None).unwrap().ambiguous);
    }

    #[test]
    fn impossible_dates_and_garbage() {
        assert_eq!(parse("1990-02-30", None), Err(DateError::NoSuchDay));
        assert_eq!(parse("2023-02-29", None), Err(DateError::NoSuchDay));
        assert!(parse("2024-02-29", None).is_ok());
        assert_eq!(parse("31/31/1990", None), Err(DateError::NoSuchDay));
        assert_eq!(parse("soon", None), Err(DateError::Unrecognized));
        assert_eq!(parse("1/2/90", None), Err(DateError::Unrecognized));
        assert_eq!(parse("", None), Err(DateError::Unrecognized));
        assert_eq!(parse("ññ 2 1990", None), Err(DateError::Unrecognized));
        assert_eq!(parse("1 2 3 1990", None), Err(DateError::Unrecognized));
        assert_eq!(
            parse("2 MARCH 1990", None).map(|p| p.date.to_string()),
            Ok("1990-03-02".into())
        );
        assert_eq!(
            parse("99999999999999999999", None),
            Err(DateError::Unrecognized)
        );
    }

    #[test]
    fn day_arithmetic() {
        let d = Date::new(1990, 1, 2).unwrap();
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(d.years_until(Date::new(2026, 1, 1).unwrap()), 35);
        assert_eq!(d.years_until(Date::new(2026, 1, 2).unwrap()), 36);
        assert!(Date::today().year() >= 2025);
    }
}
