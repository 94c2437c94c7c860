//! Reversible, format-preserving tokens: FF1 (NIST SP 800-38G) over AES,
//! keyed with the token key derived from a key's secret and id (see
//! [`mask`](super)).
//!
//! What each kind keeps and encrypts, and why:
//!
//! | kind | kept | encrypted | recomputed |
//! |---|---|---|---|
//! | phone (E.164) | `+` and the country calling code, all separators | every other digit, extension included | — |
//! | payment card | length | all digits but the last | the Luhn check digit |
//! | IBAN | country code, letters in the BBAN | the BBAN's digits | the two check digits (mod 97) |
//! | CN resident id | the 6-digit region code | the 11 digits of birth date and sequence | the check character |
//! | US SSN | length | all 9 digits | — |
//! | CN unified social credit code | the 6-digit division code | the other 11 of the first 17 characters (radix 31) | the check character |
//! | other national id schemes | letters, length | all digits | — |
//! | national id `by_country` | as a CN resident id when it has that form (18 characters: 17 digits and a digit or `X`), else as another scheme's | | |
//!
//! A token reverses to exactly its value, and two values never share a
//! token. So a value is tokenized only when that holds, and is otherwise an
//! error ([`CannotMask`](crate::ErrorKind::CannotMask), naming the field,
//! never the value), never passed through or "repaired":
//!
//! - a value whose check digit is wrong (a card failing Luhn, an IBAN whose
//!   check digits are not MOD 97-10's, a resident id or credit code with the
//!   wrong check character): its token would carry the right check digit
//!   and give back a different value;
//! - fewer than 6 encryptable digits: FF1 needs at least a million possible
//!   inputs (radix^length ≥ 10^6);
//! - more than [`MAX_ENCRYPTED`] characters to encrypt;
//! - a value not in the normalized form of its kind.
//!
//! A CN resident id token keeps its region and check character valid but
//! its embedded birth date is not a real date.

use super::state::{KeyState, TokenError};
#[cfg(test)]
use super::{
    keys::Key,
    state::{Cipher, scrubbed},
};
use crate::checksum;
use crate::schema::{FieldKind, IdScheme};

/// The most characters one token encrypts: more than any phone number,
/// card, IBAN or national id has, and it keeps FF1 (quadratic in the
/// length) fast on hostile input.
pub const MAX_ENCRYPTED: usize = 64;

/// Encrypts (or decrypts) numerals with FF1 under `key` (its secret used as
/// it is, not derived), `tweak` and `radix`. Tested against the NIST
/// vectors and by property below; users reach it through the `token`
/// operator.
///
/// # Errors
/// A reason for fewer numerals than FF1's minimum domain needs, more than
/// [`MAX_ENCRYPTED`], a numeral not below `radix`, or a radix FF1 does not
/// take.
#[cfg(test)]
pub(crate) fn ff1(
    key: &Key,
    radix: u32,
    tweak: &[u8],
    numerals: &[u16],
    decrypt: bool,
) -> Result<Vec<u16>, &'static str> {
    if numerals.len() > MAX_ENCRYPTED {
        return Err(TOO_LONG);
    }
    scrubbed(|| Cipher::new(key.secret(), radix)?.run(tweak, numerals.to_vec(), decrypt))
}

const TOO_LONG: TokenError = "too many characters to tokenize";

/// Replaces the ASCII digits of `text` after the first `skip` with `f` of
/// them; every other character stays where it is.
fn map_digits(
    text: &str,
    skip: usize,
    f: impl FnOnce(Vec<u16>) -> Result<Vec<u16>, TokenError>,
) -> Result<String, TokenError> {
    let digits: Vec<u16> = text
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u16::from(b - b'0'))
        .collect();
    let Some(encrypted) = digits.get(skip..) else {
        return Err("too few digits to tokenize");
    };
    if encrypted.len() > MAX_ENCRYPTED {
        return Err(TOO_LONG);
    }
    let mapped = f(encrypted.to_vec())?;
    let mut replacement = digits[..skip].iter().chain(&mapped);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_ascii_digit().then(|| replacement.next()).flatten() {
            Some(&d) => out.push(digit(d)?),
            None => out.push(c),
        }
    }
    Ok(out)
}

/// The ASCII digit of a radix-10 numeral.
fn digit(d: u16) -> Result<char, TokenError> {
    u8::try_from(d)
        .ok()
        .filter(|d| *d < 10)
        .map(|d| char::from(b'0' + d))
        .ok_or("cannot be tokenized")
}

const CHECK: TokenError =
    "its check character does not match, so it is not tokenized (no token could give it back)";

/// Tokenizes (or, with `decrypt`, detokenizes) a normalized value of
/// `kind` with the expanded token key `key`.
///
/// A token reverses to exactly the value it was made of, and distinct
/// values never share a token: the encrypted part is a permutation (FF1),
/// the kept part is kept, and the recomputed part (a check digit) is
/// recomputed only for values whose check digit is right, so it is what it
/// was. A value with a wrong check digit, too few or too many characters to
/// encrypt, or another form is refused with a reason (never the value).
///
/// The caller clears the stack afterwards
/// ([`scrubbed`](super::state::scrubbed)).
pub(crate) fn transform(
    kind: &FieldKind,
    key: &KeyState,
    text: &str,
    decrypt: bool,
) -> Result<String, TokenError> {
    let tweak: &[u8] = match kind {
        FieldKind::Phone => b"custodia:phone",
        FieldKind::PaymentCard => b"custodia:payment_card",
        FieldKind::Iban => b"custodia:iban",
        _ => b"custodia:national_id",
    };
    let digits10 = |numerals: Vec<u16>| key.digits.run(tweak, numerals, decrypt);
    match kind {
        FieldKind::Phone => {
            let national = text.strip_prefix('+').ok_or("not an E.164 phone number")?;
            if text.len() > 4 * MAX_ENCRYPTED {
                return Err(TOO_LONG);
            }
            map_digits(text, super::operator::calling_code_len(national), digits10)
        }
        FieldKind::PaymentCard => {
            if text.len() < 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not a normalized card number");
            }
            if !checksum::luhn(text) {
                return Err(CHECK);
            }
            let (payload, _) = text.split_at(text.len() - 1);
            let body = map_digits(payload, 0, digits10)?;
            let check = checksum::luhn_check_digit(&body).ok_or("not a normalized card number")?;
            Ok(format!("{body}{}", char::from(b'0' + check)))
        }
        FieldKind::Iban => {
            let b = text.as_bytes();
            if b.len() < 5
                || b.len() > 34
                || !b[..2].iter().all(u8::is_ascii_uppercase)
                || !b[2..4].iter().all(u8::is_ascii_digit)
                || !b.iter().all(u8::is_ascii_alphanumeric)
            {
                return Err("not a normalized IBAN");
            }
            let (country, rest) = text.split_at(2);
            let (check, bban) = rest.split_at(2);
            if iban_check(country, bban)? != check {
                return Err(CHECK);
            }
            let bban = map_digits(bban, 0, digits10)?;
            Ok(format!("{country}{}{bban}", iban_check(country, &bban)?))
        }
        // A national id read by its record's country: the token does not
        // see the record, so it goes by the value's shape. An 18-character
        // resident id form is tokenized as a resident id (its tokens are
        // of that form too), every other value as an id of other schemes
        // (its tokens are not): each form maps onto itself, so a token
        // reverses to exactly its value.
        FieldKind::NationalId(IdScheme::ByCountry) if is_resident_id_form(text) => transform(
            &FieldKind::NationalId(IdScheme::CnResidentId),
            key,
            text,
            decrypt,
        ),
        FieldKind::NationalId(IdScheme::CnResidentId) => {
            let b = text.as_bytes();
            if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
                return Err("not a normalized 18-character resident id");
            }
            if checksum::cn_resident_check(&b[..17]) != Some(b[17]) {
                return Err(CHECK);
            }
            let body = map_digits(&text[..17], 6, digits10)?;
            let check = checksum::cn_resident_check(body.as_bytes())
                .ok_or("not a normalized resident id")?;
            Ok(format!("{body}{}", char::from(check)))
        }
        FieldKind::NationalId(IdScheme::UsSsn) => {
            if text.len() != 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not a normalized 9-digit SSN");
            }
            map_digits(text, 0, digits10)
        }
        FieldKind::NationalId(IdScheme::CnUscc) => {
            const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
            let values: Option<Vec<u16>> = text
                .bytes()
                .map(|c| ALPHABET.iter().position(|&a| a == c).map(|p| p as u16))
                .collect();
            let values = values
                .filter(|v| v.len() == 18)
                .ok_or("not a normalized credit code")?;
            if checksum::cn_uscc(text).is_err() {
                return Err(CHECK);
            }
            // The division code (characters 3 to 8) is kept, as a resident
            // id's is: the token stays a valid code.
            let kept = text.get(2..8).ok_or("not a normalized credit code")?;
            let plain = [&values[..2], &values[8..17]].concat();
            let body = key.radix31.run(tweak, plain, decrypt)?;
            let mut out = String::with_capacity(18);
            for (i, v) in body.iter().enumerate() {
                if i == 2 {
                    out.push_str(kept);
                }
                let c = ALPHABET.get(usize::from(*v)).ok_or("cannot be tokenized")?;
                out.push(char::from(*c));
            }
            // The check character that makes the code valid again.
            let check = ALPHABET
                .iter()
                .map(|&c| char::from(c))
                .find(|c| checksum::cn_uscc(&format!("{out}{c}")).is_ok())
                .ok_or("not a normalized credit code")?;
            out.push(check);
            Ok(out)
        }
        // Other schemes (and an SSN read by its country, which comes out
        // as a `us_ssn` token): the digits are encrypted, letters and
        // length kept; a check character is not recomputed, so the token
        // is not a valid id of its scheme.
        FieldKind::NationalId(_) => {
            if text.is_empty()
                || !text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            {
                return Err("not a normalized national id");
            }
            map_digits(text, 0, digits10)
        }
        _ => Err("this kind cannot be tokenized"),
    }
}

/// Whether `text` has the form of an 18-character China resident id: 17
/// digits and a digit or `X`.
fn is_resident_id_form(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X')
}

/// The two IBAN check digits for `country` and `bban` (ISO 7064 MOD 97-10).
fn iban_check(country: &str, bban: &str) -> Result<String, TokenError> {
    let rem =
        checksum::iban_remainder(&format!("{country}00{bban}")).ok_or("not a normalized IBAN")?;
    Ok(format!("{:02}", 98 - rem))
}

/// Whether [`transform`] supports a kind (checked when a policy is built).
pub(crate) fn supports(kind: &FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Phone | FieldKind::PaymentCard | FieldKind::Iban | FieldKind::NationalId(_)
    )
}

#[cfg(test)]
mod tests {
    use super::super::KeyRing;
    use super::super::state::KeyStates;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ff1_tokens_round_trip(digits in "[0-9]{6,30}", radix36 in "[0-9a-z]{6,20}") {
            let key = Key::new("k", &[7u8; 24]).unwrap();
            let numerals: Vec<u16> = digits.bytes().map(|b| u16::from(b - b'0')).collect();
            let token = ff1(&key, 10, b"t", &numerals, false).unwrap();
            prop_assert_eq!(token.len(), numerals.len());
            prop_assert_eq!(ff1(&key, 10, b"t", &token, true).unwrap(), numerals);
            let numerals: Vec<u16> =
                radix36.chars().map(|c| c.to_digit(36).unwrap() as u16).collect();
            let token = ff1(&key, 36, b"", &numerals, false).unwrap();
            prop_assert_eq!(ff1(&key, 36, b"", &token, true).unwrap(), numerals);
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn numerals(s: &str, radix: u32) -> Vec<u16> {
        s.chars()
            .map(|c| c.to_digit(radix).unwrap() as u16)
            .collect()
    }

    /// NIST SP 800-38G FF1 samples 1–9 (AES-128, -192, -256).
    #[test]
    fn nist_ff1_sample_vectors() {
        let k128 = "2B7E151628AED2A6ABF7158809CF4F3C";
        let k192 = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F";
        let k256 = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94";
        let tweak = "39383736353433323130";
        let t2 = "3737373770717273373737";
        let cases = [
            (k128, "", 10, "0123456789", "2433477484"),
            (k128, tweak, 10, "0123456789", "6124200773"),
            (k128, t2, 36, "0123456789abcdefghi", "a9tv40mll9kdu509eum"),
            (k192, "", 10, "0123456789", "2830668132"),
            (k192, tweak, 10, "0123456789", "2496655549"),
            (k192, t2, 36, "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"),
            (k256, "", 10, "0123456789", "6657667009"),
            (k256, tweak, 10, "0123456789", "1001623463"),
            (k256, t2, 36, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"),
        ];
        for (i, (k, t, radix, plain, cipher)) in cases.into_iter().enumerate() {
            let key = Key::new("nist", &hex(k)).unwrap();
            let out = ff1(&key, radix, &hex(t), &numerals(plain, radix), false).unwrap();
            assert_eq!(out, numerals(cipher, radix), "sample {}", i + 1);
            let back = ff1(&key, radix, &hex(t), &out, true).unwrap();
            assert_eq!(back, numerals(plain, radix), "sample {}", i + 1);
        }
    }

    fn key() -> Key {
        Key::new("k1", &[9u8; 32]).unwrap()
    }

    fn states() -> KeyStates {
        KeyStates::new(&KeyRing::new().with(key())).unwrap()
    }

    #[test]
    fn tokens_keep_format_and_check_digits() {
        let states = states();
        let k = states.get("k1").unwrap();
        let cases = [
            (FieldKind::Phone, "+8613800138000"),
            (FieldKind::Phone, "+61293744000;ext=123456"),
            (FieldKind::PaymentCard, "4111111111111111"),
            (FieldKind::Iban, "DE89370400440532013000"),
            (
                FieldKind::NationalId(IdScheme::CnResidentId),
                "11010519491231002X",
            ),
            (FieldKind::NationalId(IdScheme::UsSsn), "123456789"),
            (
                FieldKind::NationalId(IdScheme::CnUscc),
                "91350100M000100Y43",
            ),
        ];
        for (kind, value) in cases {
            let token = transform(&kind, k, value, false).unwrap();
            assert_ne!(token, value, "{value}");
            assert_eq!(token.len(), value.len(), "{value}");
            assert_eq!(transform(&kind, k, &token, true).unwrap(), value, "{value}");
            match kind {
                FieldKind::PaymentCard => assert!(checksum::luhn(&token)),
                FieldKind::Iban => assert_eq!(checksum::iban(&token), Ok(())),
                FieldKind::NationalId(IdScheme::CnUscc) => {
                    assert_eq!(checksum::cn_uscc(&token), Ok(()))
                }
                FieldKind::NationalId(IdScheme::CnResidentId) => {
                    assert_eq!(&token[..6], "110105");
                    assert_eq!(
                        checksum::cn_resident_check(&token.as_bytes()[..17]),
                        Some(token.as_bytes()[17])
                    );
                }
                FieldKind::Phone => assert!(token.starts_with(&value[..3])),
                _ => {}
            }
        }
    }

    #[test]
    fn national_ids_by_country_tokenize_by_their_form() {
        let states = states();
        let k = states.get("k1").unwrap();
        let by = FieldKind::NationalId(IdScheme::ByCountry);
        let cn = FieldKind::NationalId(IdScheme::CnResidentId);
        let ssn = FieldKind::NationalId(IdScheme::UsSsn);
        // The tokens a resident id and an SSN had under their own schemes.
        for (kind, value) in [(&cn, "11010519491231002X"), (&ssn, "123456789")] {
            let token = transform(&by, k, value, false).unwrap();
            assert_eq!(token, transform(kind, k, value, false).unwrap());
            assert_eq!(transform(&by, k, &token, true).unwrap(), value);
        }
        // Other schemes: digits encrypted, letters and length kept.
        for (kind, value) in [
            (&by, "AB123456C"),
            (&by, "54362315K"),
            (&by, "1234567890123456789"),
            (&by, "11010519491231002Y"),
            (&FieldKind::NationalId(IdScheme::GbNino), "AB123456C"),
            (&FieldKind::NationalId(IdScheme::FrNir), "253072B07300470"),
        ] {
            let token = transform(kind, k, value, false).unwrap();
            assert_ne!(token, value);
            assert_eq!(token.len(), value.len());
            let letters = |s: &str| s.replace(|c: char| c.is_ascii_digit(), "");
            assert_eq!(letters(&token), letters(value));
            assert_eq!(transform(kind, k, &token, true).unwrap(), value);
        }
        // A resident id with a wrong check character, too few digits, a
        // value not compacted: refused.
        assert!(transform(&by, k, "110105194912310021", false).is_err());
        assert!(transform(&by, k, "AB12C", false).is_err());
        assert!(transform(&by, k, "ab123456c", false).is_err());
    }

    #[test]
    fn too_short_values_are_refused() {
        let states = states();
        let k = states.get("k1").unwrap();
        assert!(transform(&FieldKind::Phone, k, "+861234", false).is_err());
        assert!(transform(&FieldKind::Email, k, "a@b.c", false).is_err());
    }
}
