//! Check digits and structure rules of national ids and financial numbers.

use crate::normalize::date::Date;

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

/// Province-level codes that begin a China resident id.
const CN_PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// What a valid China resident id says about its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResidentIdInfo {
    /// The embedded date of birth.
    pub birth_date: Date,
    /// Whether the sequence digit is odd (male) or even (female).
    pub male: bool,
}

/// Checks an 18-character China resident id (digits, last may be `X`):
/// province code, birth date (a real date, not after `today`), and check
/// character.
pub fn cn_resident_id(id: &str, today: Date) -> Result<ResidentIdInfo, IdProblem> {
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdProblem::Format);
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !CN_PROVINCES.contains(&province) {
        return Err(IdProblem::Region);
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let birth_date = Date::new(num(&b[6..10]) as i32, num(&b[10..12]), num(&b[12..14]))
        .filter(|d| d.year() >= 1850 && *d <= today)
        .ok_or(IdProblem::BirthDate)?;
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
/// its 31-character alphabet, the last a MOD 31 check character.
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
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] == check {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
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
    if ssn == "078051120" || ssn == "219099999" {
        return Err(IdProblem::NeverIssued);
    }
    Ok(())
}

/// IBAN lengths by country (SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The expected length of an IBAN of `country`, if it issues IBANs.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, n)| *n)
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

/// Checks an IBAN (upper case, no spaces): country, length, MOD 97.
pub fn iban(iban: &str) -> Result<(), IdProblem> {
    let b = iban.as_bytes();
    if b.len() < 5
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
    {
        return Err(IdProblem::Format);
    }
    let expected = iban_length(&iban[..2]).ok_or(IdProblem::Region)?;
    if b.len() != expected {
        return Err(IdProblem::Format);
    }
    match iban_remainder(iban) {
        Some(1) => Ok(()),
        Some(_) => Err(IdProblem::Checksum),
        None => Err(IdProblem::Format),
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
    }

    #[test]
    fn social_credit_codes() {
        assert_eq!(cn_uscc("91350100M000100Y43"), Ok(()));
        assert_eq!(cn_uscc("91350100M000100Y44"), Err(IdProblem::Checksum));
        assert_eq!(cn_uscc("91350100M000100YI3"), Err(IdProblem::Format));
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
