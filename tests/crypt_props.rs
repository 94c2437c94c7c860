//! Property tests of field encryption on hostile values: every value comes
//! back exactly; a changed character, another field, another record or
//! another key id makes decryption fail; no error message holds the value;
//! a rotation keeps every value.

use custodia::ErrorCode;
use custodia::mask::crypt::{ciphertext_key, is_ciphertext};
use custodia::mask::{FieldCipher, Key, KeyRing, Mode};
use proptest::prelude::*;

fn ring() -> KeyRing {
    KeyRing::new()
        .with(Key::new("old", &[9; 32]).unwrap().decrypt_only(true))
        .with(Key::new("new", &[8; 32]).unwrap())
}

fn cipher(active: &str) -> FieldCipher {
    let ring = match active {
        "old" => KeyRing::new().with(Key::new("old", &[9; 32]).unwrap()),
        _ => ring(),
    };
    FieldCipher::new(ring, active).unwrap()
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Randomized), Just(Mode::Deterministic)]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_]{1,12}", any::<String>()]
}

/// A message must not hold the value (values of a few characters could
/// occur by chance in the field name or the fixed text).
fn leaks(message: &str, value: &str) -> bool {
    value.chars().count() >= 6 && message.contains(value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(value in any::<String>(), field in name(), key in name(), mode in mode()) {
        let c = cipher("new");
        let sealed = c.seal(mode, &field, &key, &value).unwrap();
        prop_assert!(is_ciphertext(&sealed));
        prop_assert_eq!(ciphertext_key(&sealed), Some("new"));
        prop_assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
        prop_assert_eq!(&*c.decrypt(&field, &key, &sealed).unwrap(), &value);
        if mode == Mode::Deterministic {
            prop_assert_eq!(c.seal(mode, &field, &key, &value).unwrap(), sealed);
        }
    }

    #[test]
    fn any_changed_character_fails(
        value in "\\PC{1,40}",
        mode in mode(),
        at in any::<prop::sample::Index>(),
        to in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".to_vec()),
    ) {
        let c = cipher("new");
        let sealed = c.seal(mode, "email", "c-1", &value).unwrap();
        let mut bytes = sealed.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != to);
        bytes[i] = to;
        let altered = String::from_utf8(bytes).unwrap();
        // Base64 leaves the low bits of the last character unused: a
        // change there decodes to the same bytes, so it is not an
        // alteration of the ciphertext.
        prop_assume!(i != sealed.len() - 1);
        match c.decrypt("email", "c-1", &altered) {
            Ok(plain) => prop_assert!(false, "an altered ciphertext decrypted: {}", plain.len()),
            Err(e) => {
                prop_assert!(
                    matches!(e.code(), ErrorCode::CannotDecrypt | ErrorCode::UnknownKey),
                    "{}", e
                );
                prop_assert!(!leaks(&e.to_string(), &value), "{}", e);
            }
        }
    }

    #[test]
    fn moved_ciphertexts_fail(
        value in any::<String>(),
        (field, other_field) in (name(), name()),
        (key, other_key) in (name(), name()),
        mode in mode(),
    ) {
        let c = cipher("new");
        let sealed = c.seal(mode, &field, &key, &value).unwrap();
        if other_field != field {
            let e = c.decrypt(&other_field, &key, &sealed).unwrap_err();
            prop_assert_eq!(e.code(), ErrorCode::CannotDecrypt);
            prop_assert!(!leaks(&e.to_string(), &value), "{}", e);
        }
        if other_key != key {
            let e = c.decrypt(&field, &other_key, &sealed).unwrap_err();
            prop_assert_eq!(e.code(), ErrorCode::CannotDecrypt);
            prop_assert!(!leaks(&e.to_string(), &value), "{}", e);
        }
    }

    #[test]
    fn rotation_keeps_every_value(value in any::<String>(), mode in mode()) {
        let old = cipher("old").seal(mode, "phone", "c-7", &value).unwrap();
        let c = cipher("new");
        prop_assert_eq!(&*c.decrypt("phone", "c-7", &old).unwrap(), &value);
        let new = c.rewrap("phone", "c-7", &old).unwrap();
        prop_assert_eq!(ciphertext_key(&new), Some("new"));
        prop_assert_eq!(&*c.decrypt("phone", "c-7", &new).unwrap(), &value);
    }

    #[test]
    fn text_that_is_not_a_ciphertext_is_refused(text in any::<String>()) {
        let c = cipher("new");
        if let Err(e) = c.decrypt("email", "c-1", &text) {
            prop_assert!(!leaks(&e.to_string(), &text), "{}", e);
        } else {
            prop_assert!(false, "random text decrypted");
        }
    }
}
