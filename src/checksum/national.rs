//! Personal national ids of other countries than China and the United
//! States: one check per scheme, each taking the compacted id (separators
//! removed, upper case) and agreeing with `python-stdnum` 2.2 (the module
//! is named on each function; the differential test in
//! `scripts/differential/` compares them) except where a function says
//! otherwise.

use super::{IdProblem, luhn};
use crate::schema::Date;

/// Whether every byte is an ASCII digit (and there is at least one).
fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// The value of ASCII digits, which the caller has checked.
fn number(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |n, d| {
        n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
    })
}

/// The digit values of ASCII digits, which the caller has checked.
fn values(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.iter().map(|d| u32::from(d - b'0'))
}

/// UK National Insurance number (HMRC, National Insurance Manual
/// NIM39110): two prefix letters, six digits and a suffix `A`, `B`, `C` or
/// `D`. Neither prefix letter is `D`, `F`, `I`, `Q`, `U` or `V`, the second
/// is not `O`, and the prefixes `BG`, `GB`, `KN`, `NK`, `NT`, `TN` and
/// `ZZ` are never allocated. A NINO has no check digit. (python-stdnum 2.2
/// has no module for it, so this check is not in the differential test.)
pub fn gb_nino(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 9
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !digits(&b[2..8])
        || !(b'A'..=b'D').contains(&b[8])
    {
        return Err(IdProblem::Format);
    }
    let never = |c: &u8| b"DFIQUV".contains(c);
    if never(&b[0])
        || never(&b[1])
        || b[1] == b'O'
        || matches!(&id[..2], "BG" | "GB" | "KN" | "NK" | "NT" | "TN" | "ZZ")
    {
        return Err(IdProblem::NeverIssued);
    }
    Ok(())
}

/// The DNI check letter of a number (`stdnum.es.dni`).
fn es_check_letter(n: u64) -> u8 {
    b"TRWAGMYFPDXBNJZSQVHLCKE"[(n % 23) as usize]
}

/// Spain: DNI, 8 digits and a check letter (`stdnum.es.dni`), or NIE,
/// `X`, `Y` or `Z` (read as 0, 1 or 2), 7 digits and a check letter
/// (`stdnum.es.nie`).
pub fn es_dni(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 9 || !b[8].is_ascii_uppercase() {
        return Err(IdProblem::Format);
    }
    let n = match b[0] {
        b'X' | b'Y' | b'Z' if digits(&b[1..8]) => {
            u64::from(b[0] - b'X') * 10_000_000 + number(&b[1..8])
        }
        _ if digits(&b[..8]) => number(&b[..8]),
        _ => return Err(IdProblem::Format),
    };
    if es_check_letter(n) == b[8] {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// France: NIR (numéro d'inscription au répertoire, the social security
/// number; `stdnum.fr.nir`): 15 characters, digits but for a department
/// (characters 6 and 7) that may be Corsica's `2A` or `2B`, the last two
/// the MOD 97 check (97 minus the first 13 digits modulo 97, `2A` read as
/// 19 and `2B` as 18).
pub fn fr_nir(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 15 || !digits(&b[..5]) || !digits(&b[7..]) {
        return Err(IdProblem::Format);
    }
    let department: &[u8] = match &b[5..7] {
        b"2A" => b"19",
        b"2B" => b"18",
        d if digits(d) => d,
        _ => return Err(IdProblem::Format),
    };
    let body = [&b[..5], department, &b[7..13]].concat();
    let check = 97 - number(&body) % 97;
    if check == number(&b[13..]) {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Italy: codice fiscale of a person (`stdnum.it.codicefiscale`, the
/// 16-character form): 6 letters of surname and name, the birth year (two
/// digits), month (a letter of `ABCDEHLMPRST`) and day (plus 40 for women),
/// the 4-character place of birth (a letter and three digits), and a check
/// letter. Any digit may be replaced by the letter of `LMNPQRSTUV` with its
/// value (omocodia, for holders whose codes would clash). The birth date
/// must exist, its year read between 1920 and 2019. The 11-digit codice
/// fiscale of a company (its VAT number) is not a person's: `Format`.
pub fn it_codice_fiscale(id: &str) -> Result<(), IdProblem> {
    const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
    // The value of each letter at an odd position (1st, 3rd, ...), A to
    // Z; a digit counts as the letter at its index (0 as A).
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let b = id.as_bytes();
    // A digit, or the omocodia letter standing for one.
    let date_digit = |c: u8| match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ => b"LMNPQRSTUV".iter().position(|&l| l == c).map(|p| p as u32),
    };
    let letter = |i: usize| b[i].is_ascii_uppercase();
    let number_at = |i: usize| date_digit(b[i]).is_some();
    if b.len() != 16
        || !(0..6).all(letter)
        || ![6, 7, 9, 10, 12, 13, 14].into_iter().all(number_at)
        || !MONTHS.contains(&b[8])
        || !letter(11)
        || !letter(15)
    {
        return Err(IdProblem::Format);
    }
    let sum: u32 = b[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let index = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A'
            };
            if i % 2 == 0 {
                ODD[usize::from(index)]
            } else {
                u32::from(index)
            }
        })
        .sum();
    if b'A' + (sum % 26) as u8 != b[15] {
        return Err(IdProblem::Checksum);
    }
    let two = |i: usize| Some(date_digit(b[i])? * 10 + date_digit(b[i + 1])?);
    let month = MONTHS.iter().position(|&m| m == b[8]).map(|p| p as u32 + 1);
    let date = (|| {
        let yy = two(6)?;
        let year = if yy < 20 { 2000 + yy } else { 1900 + yy };
        Date::new(year as i32, month?, two(9)? % 40)
    })();
    date.map(|_| ()).ok_or(IdProblem::BirthDate)
}

/// Germany: tax identification number (steuerliche Identifikationsnummer,
/// IdNr; `stdnum.de.idnr`): 11 digits, the first not 0; of the first 10,
/// exactly one digit occurs more than once, two or three times; the last
/// is the ISO 7064 MOD 11,10 check digit.
pub fn de_idnr(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 11 || !digits(b) || b[0] == b'0' {
        return Err(IdProblem::Format);
    }
    let mut counts = [0u8; 10];
    for d in values(&b[..10]) {
        counts[d as usize] += 1;
    }
    let repeated: Vec<u8> = counts.into_iter().filter(|&c| c > 1).collect();
    if !matches!(repeated.as_slice(), [2] | [3]) {
        return Err(IdProblem::Format);
    }
    // ISO 7064 MOD 11,10.
    let mut product = 10;
    for d in values(&b[..10]) {
        let sum = match (d + product) % 10 {
            0 => 10,
            s => s,
        };
        product = (2 * sum) % 11;
    }
    if (11 - product) % 10 == u32::from(b[10] - b'0') {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Netherlands: BSN (burgerservicenummer; `stdnum.nl.bsn`): 9 digits, not
/// all zero, passing the eleven test (9, 8, ... 2 times the first eight
/// digits, minus the last, is a multiple of 11). Normalization gives an
/// 8-digit BSN its leading zero back.
pub fn nl_bsn(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 9 || !digits(b) || number(b) == 0 {
        return Err(IdProblem::Format);
    }
    let sum: u32 = values(&b[..8]).zip((2..=9).rev()).map(|(d, w)| d * w).sum();
    if (sum + 11 - u32::from(b[8] - b'0')).is_multiple_of(11) {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Brazil: CPF (cadastro de pessoas físicas; `stdnum.br.cpf`): 11 digits,
/// not all zero, the last two MOD 11 check digits.
pub fn br_cpf(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 11 || !digits(b) || number(b) == 0 {
        return Err(IdProblem::Format);
    }
    let check = |sum: u32| (11 - sum % 11) % 11 % 10;
    let first: u32 = values(&b[..9])
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    let d1 = check(first);
    let second: u32 = values(&b[..9])
        .zip((3..=11).rev())
        .map(|(d, w)| d * w)
        .sum();
    let d2 = check(second + 2 * d1);
    if [d1, d2].into_iter().eq(values(&b[9..])) {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Verhoeff's multiplication table (the dihedral group D5).
const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff's permutation table: row `i` applies to the `i mod 8`-th digit
/// from the right.
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Whether ASCII digits (checked by the caller) pass Verhoeff's check.
fn verhoeff(b: &[u8]) -> bool {
    let mut check = 0u8;
    for (i, &c) in b.iter().rev().enumerate() {
        let p = VERHOEFF_P[i % 8][usize::from(c - b'0')];
        check = VERHOEFF_D[usize::from(check)][usize::from(p)];
    }
    check == 0
}

/// India: Aadhaar number (UIDAI; `stdnum.in_.aadhaar`): 12 digits, the
/// first 2 to 9, not a palindrome (never issued), the last a Verhoeff
/// check digit.
pub fn in_aadhaar(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 12 || !digits(b) || matches!(b[0], b'0' | b'1') {
        return Err(IdProblem::Format);
    }
    if b.iter().eq(b.iter().rev()) {
        return Err(IdProblem::NeverIssued);
    }
    if verhoeff(b) {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// South Korea: resident registration number (`stdnum.kr.rrn`): 13
/// digits, the birth date `YYMMDD`, then a digit giving sex and century
/// (1, 2, 5, 6: 1900s; 3, 4, 7, 8: 2000s; 9, 0: 1800s), a place of birth
/// (digits 8 and 9) up to 96, and a MOD 11 check digit. A birth date after
/// `today` is refused (python-stdnum accepts one by default).
pub fn kr_rrn(id: &str, today: Date) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 13 || !digits(b) {
        return Err(IdProblem::Format);
    }
    let century = match b[6] {
        b'1' | b'2' | b'5' | b'6' => 1900,
        b'3' | b'4' | b'7' | b'8' => 2000,
        _ => 1800,
    };
    let two = |i: usize| number(&b[i..i + 2]) as u32;
    Date::new(century + two(0) as i32, two(2), two(4))
        .filter(|d| *d <= today)
        .ok_or(IdProblem::BirthDate)?;
    if two(7) > 96 {
        return Err(IdProblem::Region);
    }
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = values(&b[..12]).zip(WEIGHTS).map(|(d, w)| d * w).sum();
    if (11 - sum % 11) % 10 == u32::from(b[12] - b'0') {
        Ok(())
    } else {
        Err(IdProblem::Checksum)
    }
}

/// Canada: Social Insurance Number (`stdnum.ca.sin`): 9 digits, the first
/// not 0 or 8 (never assigned), passing the Luhn check.
pub fn ca_sin(id: &str) -> Result<(), IdProblem> {
    let b = id.as_bytes();
    if b.len() != 9 || !digits(b) {
        return Err(IdProblem::Format);
    }
    if matches!(b[0], b'0' | b'8') {
        return Err(IdProblem::NeverIssued);
    }
    if luhn(id) {
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

    /// Each valid id stays valid and every single-digit change of it is
    /// refused (all these schemes detect one changed digit).
    fn digit_changes_are_caught(id: &str, check: impl Fn(&str) -> Result<(), IdProblem>) {
        assert_eq!(check(id), Ok(()), "{id}");
        for (i, c) in id.char_indices() {
            let Some(d) = c.to_digit(10) else { continue };
            let changed = format!("{}{}{}", &id[..i], (d + 1) % 10, &id[i + 1..]);
            assert!(check(&changed).is_err(), "{changed}");
        }
    }

    #[test]
    fn gb_ninos() {
        // The format example of HMRC's manual (NIM39110).
        assert_eq!(gb_nino("QQ123456C"), Err(IdProblem::NeverIssued));
        assert_eq!(gb_nino("AB123456C"), Ok(()));
        assert_eq!(gb_nino("AB123456"), Err(IdProblem::Format));
        assert_eq!(gb_nino("AB123456E"), Err(IdProblem::Format));
        assert_eq!(gb_nino("A1123456C"), Err(IdProblem::Format));
        assert_eq!(gb_nino("GB123456A"), Err(IdProblem::NeverIssued));
        assert_eq!(gb_nino("AO123456A"), Err(IdProblem::NeverIssued));
        assert_eq!(gb_nino("OA123456A"), Ok(()));
    }

    #[test]
    fn es_dnis_and_nies() {
        // python-stdnum's documented examples.
        digit_changes_are_caught("54362315K", es_dni);
        digit_changes_are_caught("X2482300W", es_dni);
        assert_eq!(es_dni("54362315Z"), Err(IdProblem::Checksum));
        assert_eq!(es_dni("X2482300A"), Err(IdProblem::Checksum));
        assert_eq!(es_dni("5436231K"), Err(IdProblem::Format));
        assert_eq!(es_dni("W2482300W"), Err(IdProblem::Format));
    }

    #[test]
    fn fr_nirs() {
        digit_changes_are_caught("295109912611193", fr_nir);
        // Corsica: 2A read as 19 for the check.
        digit_changes_are_caught("253072B07300470", fr_nir);
        assert_eq!(fr_nir("253072C07300470"), Err(IdProblem::Format));
        assert_eq!(fr_nir("29510991261119"), Err(IdProblem::Format));
    }

    #[test]
    fn it_codici_fiscali() {
        // python-stdnum's documented examples, and an omocodia form.
        assert_eq!(it_codice_fiscale("RCCMNL83S18D969H"), Ok(()));
        assert_eq!(it_codice_fiscale("CNTCHR83T41D969D"), Ok(()));
        assert_eq!(it_codice_fiscale("MRTNTN23M02D969P"), Ok(()));
        assert_eq!(
            it_codice_fiscale("RCCMNL83S18D969A"),
            Err(IdProblem::Checksum)
        );
        // An 11-digit company code is not a person's.
        assert_eq!(it_codice_fiscale("00743110157"), Err(IdProblem::Format));
        assert_eq!(it_codice_fiscale("RCCMNL83S18D96"), Err(IdProblem::Format));
    }

    #[test]
    fn de_idnrs() {
        // python-stdnum's documented example.
        digit_changes_are_caught("36574261809", de_idnr);
        // The first digit 0; no digit repeated; one four times.
        assert_eq!(de_idnr("06574261809"), Err(IdProblem::Format));
        assert_eq!(de_idnr("12345678903"), Err(IdProblem::Format));
        assert_eq!(de_idnr("11114567890"), Err(IdProblem::Format));
    }

    #[test]
    fn nl_bsns() {
        digit_changes_are_caught("111222333", nl_bsn);
        assert_eq!(nl_bsn("111252333"), Err(IdProblem::Checksum));
        assert_eq!(nl_bsn("000000000"), Err(IdProblem::Format));
        assert_eq!(nl_bsn("11122233"), Err(IdProblem::Format));
    }

    #[test]
    fn br_cpfs() {
        // python-stdnum's documented example. The MOD 11 checks read 10 as
        // 0, so some single-digit changes pass (49053344705 does, in the
        // reference too): no `digit_changes_are_caught` here.
        assert_eq!(br_cpf("39053344705"), Ok(()));
        assert_eq!(br_cpf("49053344705"), Ok(()));
        assert_eq!(br_cpf("30053344705"), Err(IdProblem::Checksum));
        assert_eq!(br_cpf("39053344715"), Err(IdProblem::Checksum));
        assert_eq!(br_cpf("39053344704"), Err(IdProblem::Checksum));
        assert_eq!(br_cpf("00000000000"), Err(IdProblem::Format));
    }

    #[test]
    fn in_aadhaars() {
        digit_changes_are_caught("234123412346", in_aadhaar);
        assert_eq!(in_aadhaar("234123412347"), Err(IdProblem::Checksum));
        assert_eq!(in_aadhaar("123412341234"), Err(IdProblem::Format));
        // A palindrome is never issued.
        assert_eq!(in_aadhaar("222222222222"), Err(IdProblem::NeverIssued));
    }

    #[test]
    fn kr_rrns() {
        let rrn = |id: &str| kr_rrn(id, today());
        digit_changes_are_caught("9710139019902", rrn);
        assert_eq!(rrn("9710139019905"), Err(IdProblem::Checksum));
        assert_eq!(rrn("9713139019902"), Err(IdProblem::BirthDate));
        // Born in 2097: in the future (python-stdnum accepts it).
        assert_eq!(rrn("9710133019906"), Err(IdProblem::BirthDate));
        assert_eq!(rrn("9710139979908"), Err(IdProblem::Region));
    }

    #[test]
    fn ca_sins() {
        digit_changes_are_caught("123456782", ca_sin);
        assert_eq!(ca_sin("123456783"), Err(IdProblem::Checksum));
        assert_eq!(ca_sin("046454286"), Err(IdProblem::NeverIssued));
    }
}
