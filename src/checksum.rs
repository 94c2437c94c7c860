//! Check digits and structure rules of national ids and financial numbers.

use std::sync::LazyLock;

use crate::schema::{Date, IdScheme};

mod national;
pub use national::{
    br_cpf, ca_sin, de_idnr, es_dni, fr_nir, gb_nino, in_aadhaar, it_codice_fiscale, kr_rrn, nl_bsn,
};

/// Why an identifier failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdProblem {
    /// Wrong length or characters.
    Format,
    /// The check digit does not match.
    Checksum,
    /// A region or country part that does not exist.
    Region,
    /// An embedded birth date that is not a real past date.
    BirthDate,
    /// Digits that are never issued (e.g. SSN area 666).
    NeverIssued,
}

/// The check character of a China resident id (GB 11643, ISO 7064
/// MOD 11-2) for its first 17 digits.
pub fn cn_resident_check(first17: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(b"10X98765432"[(sum % 11) as usize])
}

/// GB/T 2260 division codes with the years each was in use (see the
/// header of the file for its source and date).
const CN_DIVISIONS: &str = include_str!("data/cn_divisions.txt");

/// `(code, first year, last year)`, sorted by code; a code may have
/// several entries (renamed or reused).
static DIVISIONS: LazyLock<Vec<(u32, u16, u16)>> = LazyLock::new(|| {
    let mut table: Vec<(u32, u16, u16)> = CN_DIVISIONS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut words = line.split(' ');
            let code = words.next()?.parse().ok()?;
            let span = words
                .next()
                .and_then(|w| w.strip_prefix('[')?.strip_suffix(']'));
            let (first, last) = match span.and_then(|s| s.split_once('-')) {
                Some((first, last)) => (first.parse().unwrap_or(0), last.parse().unwrap_or(9999)),
                None => (0, 9999),
            };
            Some((code, first, last))
        })
        .collect();
    table.sort_unstable();
    table
});

/// Whether `code` was a GB/T 2260 administrative division in `year`:
/// `None` when the code never was one, `Some(false)` when it was, but not
/// in that year.
pub fn cn_division_in_use(code: u32, year: i32) -> Option<bool> {
    let start = DIVISIONS.partition_point(|(c, _, _)| *c < code);
    let entries = DIVISIONS[start..].iter().take_while(|(c, _, _)| *c == code);
    let mut known = false;
    for &(_, first, last) in entries {
        known = true;
        if (i32::from(first)..=i32::from(last)).contains(&year) {
            return Some(true);
        }
    }
    known.then_some(false)
}

/// What a valid China resident id says about its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResidentIdInfo {
    /// The embedded date of birth.
    pub birth_date: Date,
    /// Whether the sequence digit is odd (male) or even (female).
    pub male: bool,
}

/// Checks an 18-character China resident id (digits, last may be `X`):
/// birth date (a real date, not after `today`), administrative division
/// code (GB/T 2260, in use in the year of birth: an id keeps the code of
/// where and when it was issued, retired codes included), and check
/// character.
pub fn cn_resident_id(id: &str, today: Date) -> Result<ResidentIdInfo, IdProblem> {
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdProblem::Format);
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let birth_date = Date::new(num(&b[6..10]) as i32, num(&b[10..12]), num(&b[12..14]))
        .filter(|d| d.year() >= 1850 && *d <= today)
        .ok_or(IdProblem::BirthDate)?;
    if cn_division_in_use(num(&b[..6]), birth_date.year()) != Some(true) {
        return Err(IdProblem::Region);
    }
    if cn_resident_check(&b[..17]) != Some(b[17]) {
        return Err(IdProblem::Checksum);
    }
    Ok(ResidentIdInfo {
        birth_date,
        male: (b[16] - b'0') % 2 == 1,
    })
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Checks a China unified social credit code (GB 32100): 18 characters of
/// its 31-character alphabet, characters 3 to 8 the division code
/// (digits), the last a MOD 31 check character.
pub fn cn_uscc(code: &str) -> Result<(), IdProblem> {
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = code.as_bytes();
    let values: Option<Vec<u32>> = b
        .iter()
        .map(|c| USCC_ALPHABET.iter().position(|a| a == c).map(|p| p as u32))
        .collect();
    let values = values.filter(|v| v.len() == 18).ok_or(IdProblem::Format)?;
    // Characters 3 to 8 are the GB/T 2260 division code: digits. (The
    // registration department and organization type before them may be
    // letters: GB 32100-2015 table 1 has departments A, N and Y.)
    if !b[2..8].iter().all(u8::is_ascii_digit) {
        return Err(IdProblem::Format);
    }
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] == check {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Checks a compacted id (see
/// [`normalize_national_id`](crate::normalize::id::normalize_national_id))
/// by the rules of `scheme`: the one function per scheme that every check
/// goes through. A China resident id gives what it says about its holder.
/// [`IdScheme::ByCountry`] is no scheme of its own: the caller picks the
/// country's; given here, it accepts any id.
pub fn national_id(
    scheme: IdScheme,
    id: &str,
    today: Date,
) -> Result<Option<ResidentIdInfo>, IdProblem> {
    let done = |r: Result<(), IdProblem>| r.map(|()| None);
    match scheme {
        IdScheme::CnResidentId => cn_resident_id(id, today).map(Some),
        IdScheme::CnUscc => done(cn_uscc(id)),
        IdScheme::UsSsn => done(us_ssn(id)),
        IdScheme::GbNino => done(gb_nino(id)),
        IdScheme::EsDni => done(es_dni(id)),
        IdScheme::FrNir => done(fr_nir(id)),
        IdScheme::ItCodiceFiscale => done(it_codice_fiscale(id)),
        IdScheme::DeIdnr => done(de_idnr(id)),
        IdScheme::NlBsn => done(nl_bsn(id)),
        IdScheme::BrCpf => done(br_cpf(id)),
        IdScheme::InAadhaar => done(in_aadhaar(id)),
        IdScheme::KrRrn => done(kr_rrn(id, today)),
        IdScheme::CaSin => done(ca_sin(id)),
        IdScheme::ByCountry => Ok(None),
    }
}

/// Checks a US Social Security Number of 9 digits (separators removed):
/// area not 000, 666 or 900–999, group not 00, serial not 0000, and not a
/// number known from advertising.
pub fn us_ssn(ssn: &str) -> Result<(), IdProblem> {
    let b = ssn.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return Err(IdProblem::Format);
    }
    let (area, group, serial) = (&ssn[..3], &ssn[3..5], &ssn[5..]);
    if area == "000" || area == "666" || area.starts_with('9') || group == "00" || serial == "0000"
    {
        return Err(IdProblem::NeverIssued);
    }
    // Printed in advertising (a wallet insert, a bank brochure, a TV
    // commercial) and never issued to anyone, per the SSA.
    if matches!(ssn, "078051120" | "219099999" | "457555462") {
        return Err(IdProblem::NeverIssued);
    }
    Ok(())
}

/// The BBAN structure of each country's IBAN, from the ISO 13616
/// registry (see the header of the file for its source and date).
const IBAN_STRUCTURES: &str = include_str!("data/iban_structures.txt");

/// One run of a BBAN: how many characters of which class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BbanRun {
    /// `n`: digits.
    Digits(u8),
    /// `a`: upper-case letters.
    Letters(u8),
    /// `c`: letters or digits.
    Alphanumeric(u8),
}

/// Country code to the runs of its BBAN.
static IBAN_FORMATS: LazyLock<Vec<([u8; 2], Vec<BbanRun>)>> = LazyLock::new(|| {
    IBAN_STRUCTURES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (country, structure) = line.split_once(' ')?;
            let country: [u8; 2] = country.as_bytes().try_into().ok()?;
            let mut runs = Vec::new();
            let mut rest = structure.trim();
            while !rest.is_empty() {
                let (count, tail) = rest.split_once('!')?;
                let count: u8 = count.parse().ok()?;
                let mut chars = tail.chars();
                runs.push(match chars.next()? {
                    'n' => BbanRun::Digits(count),
                    'a' => BbanRun::Letters(count),
                    'c' => BbanRun::Alphanumeric(count),
                    _ => return None,
                });
                rest = chars.as_str();
            }
            Some((country, runs))
        })
        .collect()
});

fn iban_format(country: &str) -> Option<&'static [BbanRun]> {
    IBAN_FORMATS
        .iter()
        .find(|(c, _)| c.as_slice() == country.as_bytes())
        .map(|(_, runs)| runs.as_slice())
}

/// The expected length of an IBAN of `country`, if it issues IBANs.
pub fn iban_length(country: &str) -> Option<usize> {
    let runs = iban_format(country)?;
    Some(
        4 + runs
            .iter()
            .map(|run| match *run {
                BbanRun::Digits(n) | BbanRun::Letters(n) | BbanRun::Alphanumeric(n) => {
                    usize::from(n)
                }
            })
            .sum::<usize>(),
    )
}

/// Whether `bban` has the structure the registry gives for `country`
/// (`DE`: 18 digits). `None` when the country issues no IBANs.
pub fn iban_bban_fits(country: &str, bban: &str) -> Option<bool> {
    let runs = iban_format(country)?;
    let mut rest = bban.as_bytes();
    for run in runs {
        let (n, ok): (u8, fn(&u8) -> bool) = match *run {
            BbanRun::Digits(n) => (n, u8::is_ascii_digit),
            BbanRun::Letters(n) => (n, u8::is_ascii_uppercase),
            BbanRun::Alphanumeric(n) => (n, |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase()),
        };
        let n = usize::from(n);
        if rest.len() < n || !rest[..n].iter().all(ok) {
            return Some(false);
        }
        rest = &rest[n..];
    }
    Some(rest.is_empty())
}

/// The ISO 7064 MOD 97-10 remainder of an IBAN (1 when it is valid).
pub fn iban_remainder(iban: &str) -> Option<u32> {
    let b = iban.as_bytes();
    if b.len() < 5 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c.to_ascii_uppercase() - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    Some(rem)
}

/// Checks an IBAN (upper case, no spaces): country, length and BBAN
/// structure (ISO 13616 registry), MOD 97.
pub fn iban(iban: &str) -> Result<(), IdProblem> {
    let b = iban.as_bytes();
    if b.len() < 5
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
    {
        return Err(IdProblem::Format);
    }
    let expected = iban_length(&iban[..2]).ok_or(IdProblem::Region)?;
    if b.len() != expected || iban_bban_fits(&iban[..2], &iban[4..]) != Some(true) {
        return Err(IdProblem::Format);
    }
    match iban_remainder(iban) {
        Some(1) if iban_national_check(&iban[..2], &iban[4..]) => Ok(()),
        Some(_) => Err(IdProblem::Checksum),
        None => Err(IdProblem::Format),
    }
}

/// The national check digits inside the BBAN of the countries whose
/// account numbers carry them (as `python-stdnum` checks them): Belgium
/// (MOD 97 of the first ten digits), Spain (the two MOD 11 digits of the
/// CCC), Montenegro (MOD 97-10 over the BBAN) and Norway (MOD 11 of the
/// account number). True for other countries.
fn iban_national_check(country: &str, bban: &str) -> bool {
    let digits: Option<Vec<u64>> = bban
        .bytes()
        .map(|b| b.is_ascii_digit().then(|| u64::from(b - b'0')))
        .collect();
    let Some(d) = digits else {
        return !matches!(country, "BE" | "ES" | "ME" | "NO");
    };
    let number = |s: &[u64]| s.iter().fold(0u64, |n, x| n * 10 + x);
    match (country, d.len()) {
        ("BE", 12) => {
            let check = number(&d[..10]) % 97;
            (if check == 0 { 97 } else { check }) == number(&d[10..])
        }
        ("ES", 20) => {
            let digit = |s: &[u64]| {
                let sum: u64 = s.iter().enumerate().map(|(i, x)| x << i).sum::<u64>() % 11;
                if sum < 2 { sum } else { 11 - sum }
            };
            let mut bank = vec![0, 0];
            bank.extend_from_slice(&d[..8]);
            digit(&bank) == d[8] && digit(&d[10..]) == d[9]
        }
        ("ME", _) => d.iter().fold(0u64, |r, x| (r * 10 + x) % 97) == 1,
        ("NO", 11) => {
            const WEIGHTS: [u64; 10] = [6, 7, 8, 9, 4, 5, 6, 7, 8, 9];
            let sum: u64 = d[..10].iter().zip(WEIGHTS).map(|(x, w)| x * w).sum();
            sum % 11 == d[10]
        }
        ("BE" | "ES" | "NO", _) => false,
        _ => true,
    }
}

/// Whether a digit string passes the Luhn check.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// The Luhn check digit that completes `payload`.
pub fn luhn_check_digit(payload: &str) -> Option<u8> {
    (0..=9u8).find(|d| luhn(&format!("{payload}{d}")))
}

/// A payment card network, by number prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardNetwork {
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
    /// American Express.
    Amex,
    /// Discover.
    Discover,
    /// China UnionPay.
    UnionPay,
    /// JCB.
    Jcb,
    /// Diners Club.
    Diners,
    /// Maestro.
    Maestro,
}

impl CardNetwork {
    /// The network of a card number, if its prefix tells.
    pub fn of(number: &str) -> Option<Self> {
        let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
        let in_range =
            |n: usize, lo: u32, hi: u32| prefix(n).is_some_and(|p| (lo..=hi).contains(&p));
        Some(if number.starts_with('4') {
            Self::Visa
        } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
            Self::Mastercard
        } else if in_range(2, 34, 34) || in_range(2, 37, 37) {
            Self::Amex
        } else if number.starts_with("6011") || number.starts_with("65") || in_range(3, 644, 649) {
            Self::Discover
        } else if number.starts_with("62") {
            Self::UnionPay
        } else if in_range(4, 3528, 3589) {
            Self::Jcb
        } else if in_range(3, 300, 305) || number.starts_with("36") || number.starts_with("38") {
            Self::Diners
        } else if number.starts_with("50") || in_range(2, 56, 69) {
            Self::Maestro
        } else {
            return None;
        })
    }

    /// The card number lengths this network issues.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            Self::Visa => &[13, 16, 19],
            Self::Mastercard => &[16],
            Self::Amex => &[15],
            Self::Discover | Self::UnionPay | Self::Jcb => &[16, 17, 18, 19],
            Self::Diners => &[14, 15, 16, 17, 18, 19],
            Self::Maestro => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }
}

/// Checks a payment card number (digits only): 12–19 digits, the length
/// its network issues, and the Luhn check.
pub fn payment_card(number: &str) -> Result<(), IdProblem> {
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdProblem::Format);
    }
    if let Some(network) = CardNetwork::of(number)
        && !network.lengths().contains(&number.len())
    {
        return Err(IdProblem::Format);
    }
    if luhn(number) {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 22).unwrap()
    }

    #[test]
    fn resident_ids() {
        // The GB 11643 specimen number.
        let info = cn_resident_id("11010519491231002X", today()).unwrap();
        assert_eq!(info.birth_date, Date::new(1949, 12, 31).unwrap());
        assert!(!info.male);
        assert_eq!(
            cn_resident_id("11010519491231002Y", today()),
            Err(IdProblem::Format)
        );
        assert_eq!(
            cn_resident_id("110105194912310021", today()),
            Err(IdProblem::Checksum)
        );
        assert_eq!(
            cn_resident_id("99010519491231002X", today()),
            Err(IdProblem::Region)
        );
        assert_eq!(
            cn_resident_id("110105194913310028", today()),
            Err(IdProblem::BirthDate)
        );
        assert_eq!(cn_resident_id("110105", today()), Err(IdProblem::Format));
        // Division codes: 119999 never existed; 460200 (Sanya's city
        // districts) was not a county-level code in 1980; 110103
        // (Chongwen, Beijing) was retired in 2010 and stays valid for the
        // ids issued while it was in use.
        for (first17, ok) in [
            ("11999919900101123", false),
            ("46020019800101123", false),
            ("11010319800101123", true),
            ("11010320150101123", false),
        ] {
            let id = format!(
                "{first17}{}",
                char::from(cn_resident_check(first17.as_bytes()).unwrap())
            );
            let found = cn_resident_id(&id, today());
            assert_eq!(found.is_ok(), ok, "{id}");
            if !ok {
                assert_eq!(found, Err(IdProblem::Region), "{id}");
            }
        }
        assert_eq!(cn_division_in_use(110103, 2009), Some(true));
        assert_eq!(cn_division_in_use(110103, 2011), Some(false));
        assert_eq!(cn_division_in_use(119999, 2000), None);
    }

    #[test]
    fn social_credit_codes() {
        assert_eq!(cn_uscc("91350100M000100Y43"), Ok(()));
        assert_eq!(cn_uscc("91350100M000100Y44"), Err(IdProblem::Checksum));
        assert_eq!(cn_uscc("91350100M000100YI3"), Err(IdProblem::Format));
        // Positions 3 to 8 are the division code: digits only.
        let first17 = "9135F100M000100Y4";
        let check = (0..31)
            .map(|i| format!("{first17}{}", char::from(USCC_ALPHABET[i])))
            .find(|code| {
                let values: Vec<u32> = code
                    .bytes()
                    .map(|c| USCC_ALPHABET.iter().position(|a| *a == c).unwrap() as u32)
                    .collect();
                let weights = [
                    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
                ];
                let sum: u32 = values[..17].iter().zip(weights).map(|(v, w)| v * w).sum();
                values[17] == (31 - sum % 31) % 31
            })
            .unwrap();
        assert_eq!(cn_uscc(&check), Err(IdProblem::Format));
    }

    #[test]
    fn ssns() {
        assert_eq!(us_ssn("123456789"), Ok(()));
        for bad in [
            "000123456",
            "666123456",
            "900123456",
            "123006789",
            "123450000",
            "078051120",
            "219099999",
            "457555462",
        ] {
            assert_eq!(us_ssn(bad), Err(IdProblem::NeverIssued), "{bad}");
        }
        assert_eq!(us_ssn("12345678"), Err(IdProblem::Format));
    }

    #[test]
    fn ibans() {
        assert_eq!(iban("DE89370400440532013000"), Ok(()));
        assert_eq!(iban("GB82WEST12345698765432"), Ok(()));
        assert_eq!(iban("DE89370400440532013001"), Err(IdProblem::Checksum));
        assert_eq!(iban("DE8937040044053201300"), Err(IdProblem::Format));
        assert_eq!(iban("ZZ89370400440532013000"), Err(IdProblem::Region));
        // Length and MOD 97 right, but a German BBAN is 18 digits.
        assert_eq!(iban("DE71334520582961482V95"), Err(IdProblem::Format));
        assert_eq!(iban_bban_fits("DE", "370400440532013000"), Some(true));
        assert_eq!(iban_bban_fits("GB", "WEST12345698765432"), Some(true));
        assert_eq!(iban_bban_fits("GB", "12345698765432WEST"), Some(false));
        assert_eq!(iban_length("XK"), Some(20));
        // National check digits (the registry's examples).
        for good in [
            "BE68539007547034",
            "ES9121000418450200051332",
            "ME25505000012345678951",
            "NO9386011117947",
        ] {
            assert_eq!(iban(good), Ok(()), "{good}");
        }
        // MOD 97 recomputed, the national check digits left wrong.
        for (country, bban) in [
            ("BE", "539007547035"),
            ("ES", "21000418460200051332"),
            ("ME", "505000012345678952"),
            ("NO", "86011117948"),
        ] {
            let check = 98 - iban_remainder(&format!("{country}00{bban}")).unwrap();
            let number = format!("{country}{check:02}{bban}");
            assert_eq!(iban_remainder(&number), Some(1));
            assert_eq!(iban(&number), Err(IdProblem::Checksum), "{number}");
        }
    }

    #[test]
    fn cards() {
        assert_eq!(payment_card("4111111111111111"), Ok(()));
        assert_eq!(payment_card("4111111111111112"), Err(IdProblem::Checksum));
        assert_eq!(payment_card("378282246310005"), Ok(()));
        assert_eq!(payment_card("37828224631000"), Err(IdProblem::Format));
        assert_eq!(payment_card("6212345678901232"), Ok(()));
        assert_eq!(
            CardNetwork::of("6212345678901232"),
            Some(CardNetwork::UnionPay)
        );
        assert_eq!(luhn_check_digit("411111111111111"), Some(1));
    }
}
