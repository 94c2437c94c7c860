//! Reversible, format-preserving tokens: FF1 (NIST SP 800-38G) over AES.
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
//!
//! FF1 needs at least a million possible inputs (radix^length ≥ 10^6), so a
//! value with fewer than 6 encryptable digits cannot be tokenized and is an
//! error, never passed through. A CN resident id token keeps its region and
//! check character valid but its embedded birth date is not a real date.

use aes::{Aes128, Aes192, Aes256};
use fpe::ff1::{FF1, FlexibleNumeralString};

use super::keys::Key;
use crate::schema::{FieldKind, IdScheme};
use crate::validate::checksum;

/// Why a value cannot be tokenized or detokenized.
pub(crate) type TokenError = &'static str;

enum Cipher {
    A128(FF1<Aes128>),
    A192(FF1<Aes192>),
    A256(FF1<Aes256>),
}

impl Cipher {
    fn new(key: &Key, radix: u32) -> Result<Self, TokenError> {
        let bad = |_| "unusable key";
        Ok(match key.secret().len() {
            16 => Self::A128(FF1::new(key.secret(), radix).map_err(bad)?),
            24 => Self::A192(FF1::new(key.secret(), radix).map_err(bad)?),
            _ => Self::A256(FF1::new(key.secret(), radix).map_err(bad)?),
        })
    }

    fn run(&self, tweak: &[u8], numerals: Vec<u16>, decrypt: bool) -> Result<Vec<u16>, TokenError> {
        let ns = FlexibleNumeralString::from(numerals);
        let out = match (self, decrypt) {
            (Self::A128(c), false) => c.encrypt(tweak, &ns),
            (Self::A128(c), true) => c.decrypt(tweak, &ns),
            (Self::A192(c), false) => c.encrypt(tweak, &ns),
            (Self::A192(c), true) => c.decrypt(tweak, &ns),
            (Self::A256(c), false) => c.encrypt(tweak, &ns),
            (Self::A256(c), true) => c.decrypt(tweak, &ns),
        };
        out.map(Vec::from).map_err(|e| match e {
            fpe::ff1::NumeralStringError::TooShort { .. } => {
                "too few characters to tokenize (FF1 needs a domain of at least a million values)"
            }
            _ => "cannot be tokenized",
        })
    }
}

/// Encrypts (or decrypts) numerals with FF1 under `key`, `tweak` and
/// `radix`. Public for the NIST test vectors.
pub fn ff1(
    key: &Key,
    radix: u32,
    tweak: &[u8],
    numerals: &[u16],
    decrypt: bool,
) -> Result<Vec<u16>, &'static str> {
    Cipher::new(key, radix)?.run(tweak, numerals.to_vec(), decrypt)
}

/// Replaces the ASCII digits of `text` from the `skip`-th to the
/// `skip + count`-th (all remaining when `count` is `None`) with `f` of them.
fn map_digits(
    text: &str,
    skip: usize,
    count: Option<usize>,
    f: impl FnOnce(Vec<u16>) -> Result<Vec<u16>, TokenError>,
) -> Result<String, TokenError> {
    let digits: Vec<u16> = text
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u16::from(b - b'0'))
        .collect();
    let end = count.map_or(digits.len(), |c| (skip + c).min(digits.len()));
    if skip > end {
        return Err("too few digits to tokenize");
    }
    let mapped = f(digits[skip..end].to_vec())?;
    let mut replacement = digits[..skip].iter().chain(&mapped).chain(&digits[end..]);
    Ok(text
        .chars()
        .map(
            |c| match c.is_ascii_digit().then(|| replacement.next()).flatten() {
                Some(&d) => char::from(b'0' + d as u8),
                None => c,
            },
        )
        .collect())
}

/// Tokenizes (or, with `decrypt`, detokenizes) a normalized value of
/// `kind` under `key`.
pub(crate) fn transform(
    kind: &FieldKind,
    key: &Key,
    text: &str,
    decrypt: bool,
) -> Result<String, TokenError> {
    let tweak: &[u8] = match kind {
        FieldKind::Phone => b"custodia:phone",
        FieldKind::PaymentCard => b"custodia:payment_card",
        FieldKind::Iban => b"custodia:iban",
        _ => b"custodia:national_id",
    };
    let digits10 = |numerals: Vec<u16>| Cipher::new(key, 10)?.run(tweak, numerals, decrypt);
    match kind {
        FieldKind::Phone => {
            let national = text.strip_prefix('+').ok_or("not an E.164 phone number")?;
            map_digits(
                text,
                super::operator::calling_code_len(national),
                None,
                digits10,
            )
        }
        FieldKind::PaymentCard => {
            if text.len() < 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not a normalized card number");
            }
            let body = map_digits(&text[..text.len() - 1], 0, None, digits10)?;
            let check = checksum::luhn_check_digit(&body).ok_or("not a normalized card number")?;
            Ok(format!("{body}{}", char::from(b'0' + check)))
        }
        FieldKind::Iban => {
            if text.len() < 5 || !text.is_ascii() {
                return Err("not a normalized IBAN");
            }
            let bban = map_digits(&text[4..], 0, None, digits10)?;
            let rem = checksum::iban_remainder(&format!("{}00{bban}", &text[..2]))
                .ok_or("not a normalized IBAN")?;
            Ok(format!("{}{:02}{bban}", &text[..2], 98 - rem))
        }
        FieldKind::NationalId(IdScheme::CnResidentId) => {
            if text.len() != 18 || !text.is_ascii() {
                return Err("not a normalized 18-character resident id");
            }
            let body = map_digits(&text[..17], 6, None, digits10)?;
            let check = checksum::cn_resident_check(body.as_bytes())
                .ok_or("not a normalized resident id")?;
            Ok(format!("{body}{}", char::from(check)))
        }
        FieldKind::NationalId(IdScheme::UsSsn) => {
            if text.len() != 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not a normalized 9-digit SSN");
            }
            map_digits(text, 0, None, digits10)
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
            // The division code (characters 3 to 8) is kept, as a resident
            // id's is: the token stays a valid code.
            let plain = [&values[..2], &values[8..17]].concat();
            let body = Cipher::new(key, 31)?.run(tweak, plain, decrypt)?;
            let letter = |v: &u16| char::from(ALPHABET[usize::from(*v)]);
            let mut out: String = body[..2].iter().map(letter).collect();
            out.push_str(&text[2..8]);
            out.extend(body[2..].iter().map(letter));
            // The check character that makes the code valid again.
            let check = (0..31u16)
                .map(|v| char::from(ALPHABET[usize::from(v)]))
                .find(|c| checksum::cn_uscc(&format!("{out}{c}")).is_ok())
                .ok_or("not a normalized credit code")?;
            out.push(check);
            Ok(out)
        }
        _ => Err("this kind cannot be tokenized"),
    }
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
    use super::*;

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

    #[test]
    fn tokens_keep_format_and_check_digits() {
        let k = key();
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
            let token = transform(&kind, &k, value, false).unwrap();
            assert_ne!(token, value, "{value}");
            assert_eq!(token.len(), value.len(), "{value}");
            assert_eq!(
                transform(&kind, &k, &token, true).unwrap(),
                value,
                "{value}"
            );
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
    fn too_short_values_are_refused() {
        assert!(transform(&FieldKind::Phone, &key(), "+861234", false).is_err());
        assert!(transform(&FieldKind::Email, &key(), "a@b.c", false).is_err());
    }
}
