//! Secret keys for pseudonyms and tokens: supplied by the caller, never
//! printed, zeroized on drop, and never used as they are: each use gets a
//! key derived from the secret and the key id (see the module docs of
//! [`mask`](super)).

use std::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{ErrorKind, JsonDocument, Result};

/// What a derived key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// HMAC-SHA-256 pseudonyms.
    Pseudonym,
    /// FF1 tokens.
    Token,
    /// XChaCha20-Poly1305 field encryption.
    Encrypt,
    /// AES-256-SIV deterministic field encryption.
    Siv,
    /// The keyed hash chain of an audit log.
    AuditChain,
    /// Pseudonymous record references in audit events.
    AuditRef,
}

impl Purpose {
    fn info(self) -> &'static [u8] {
        match self {
            Self::Pseudonym => b"custodia/v1/pseudonym/",
            Self::Token => b"custodia/v1/token/",
            Self::Encrypt => b"custodia/v1/encrypt/",
            Self::Siv => b"custodia/v1/siv/",
            Self::AuditChain => b"custodia/v1/audit-chain/",
            Self::AuditRef => b"custodia/v1/audit-record/",
        }
    }
}

/// A secret key with an id. The id goes into pseudonyms and tagged tokens,
/// so that keys can be rotated and every output says which key made it; it
/// is also bound into the keys derived from the secret (see the module
/// docs).
///
/// A key is active (the default) or decrypt-only: a decrypt-only key still
/// decrypts values and detokenizes tagged tokens made with it, but no
/// operator may make new ones with it (see [`Key::decrypt_only`]).
#[derive(Clone)]
pub struct Key {
    id: String,
    secret: Zeroizing<Vec<u8>>,
    decrypt_only: bool,
}

/// Why a key id is not acceptable, if it is not.
fn check_id(id: &str) -> Result<()> {
    let ok = (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ErrorKind::InvalidKey {
            key: id.chars().filter(char::is_ascii_graphic).take(32).collect(),
            reason: "ids are 1 to 32 ASCII letters, digits, '_' or '-'",
        }
        .into())
    }
}

const LENGTHS: &str = "secrets are 16, 24 or 32 bytes";

impl Key {
    /// A key of 16, 24 or 32 bytes (AES-128/192/256 for tokens; any of them
    /// for HMAC pseudonyms). The id is 1–32 ASCII letters, digits, `_` or
    /// `-`. The secret is copied; the copy is zeroized when the key is
    /// dropped.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for another length or a bad id.
    pub fn new(id: impl Into<String>, secret: &[u8]) -> Result<Self> {
        let id = id.into();
        check_id(&id)?;
        if !matches!(secret.len(), 16 | 24 | 32) {
            return Err(ErrorKind::InvalidKey {
                key: id,
                reason: LENGTHS,
            }
            .into());
        }
        Ok(Self {
            id,
            secret: Zeroizing::new(secret.to_vec()),
            decrypt_only: false,
        })
    }

    /// A key from its secret in hexadecimal (32, 48 or 64 digits, either
    /// case, surrounding white space ignored).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] naming the id (never the secret) for a
    /// secret that is not hex or not 16, 24 or 32 bytes, or a bad id.
    pub fn from_hex(id: impl Into<String>, hex: &str) -> Result<Self> {
        let id = id.into();
        check_id(&id)?;
        let hex = hex.trim().as_bytes();
        let invalid = |reason| {
            Err(ErrorKind::InvalidKey {
                key: id.clone(),
                reason,
            }
            .into())
        };
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return invalid("the secret is not hexadecimal");
        }
        if !matches!(hex.len(), 32 | 48 | 64) {
            return invalid("secrets are 16, 24 or 32 bytes (32, 48 or 64 hex digits)");
        }
        // Decoded straight into zeroizing memory: no other copy is made.
        let mut secret = Zeroizing::new(vec![0u8; hex.len() / 2]);
        for (byte, pair) in secret.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        Ok(Self {
            id,
            secret,
            decrypt_only: false,
        })
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Makes the key decrypt-only (or active again): after a rotation, the
    /// old key stays in the ring this way so that values encrypted with it
    /// can still be read and [rewrapped](super::Masker::rewrap), while a
    /// policy that encrypts, hashes or tokenizes with it is refused.
    #[must_use]
    pub fn decrypt_only(mut self, decrypt_only: bool) -> Self {
        self.decrypt_only = decrypt_only;
        self
    }

    /// Whether the key only decrypts (see [`Key::decrypt_only`]).
    pub fn is_decrypt_only(&self) -> bool {
        self.decrypt_only
    }

    /// The length of the secret in bytes (encryption needs 32).
    pub(crate) fn secret_len(&self) -> usize {
        self.secret.len()
    }

    /// The secret itself (only FF1's published test vectors use it so).
    #[cfg(test)]
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The key for `purpose` derived from this key's secret and id (see the
    /// module docs), in zeroizing memory.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if HKDF refuses the length, which it does
    /// only beyond 8,160 bytes (these keys are at most 32).
    pub(crate) fn derive(&self, purpose: Purpose) -> Result<Zeroizing<Vec<u8>>> {
        let len = match purpose {
            Purpose::Token => self.secret.len(),
            Purpose::Siv => 64,
            Purpose::Pseudonym | Purpose::Encrypt | Purpose::AuditChain | Purpose::AuditRef => 32,
        };
        let mut okm = Zeroizing::new(vec![0u8; len]);
        Hkdf::<Sha256>::new(None, &self.secret)
            .expand_multi_info(&[purpose.info(), self.id.as_bytes()], &mut okm)
            .map_err(|_| ErrorKind::InvalidKey {
                key: self.id.clone(),
                reason: "no key can be derived from this secret",
            })?;
        Ok(okm)
    }
}

/// The value of an ASCII hex digit (0 for anything else; the caller checks).
fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("decrypt_only", &self.decrypt_only)
            .finish()
    }
}

/// The keys a [`Masker`](super::Masker) may use, by id.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key, replacing one with the same id (a builder for keys made
    /// in code; [`KeyRing::insert`] refuses a second key with an id).
    #[must_use]
    pub fn with(mut self, key: Key) -> Self {
        self.keys.retain(|k| k.id != key.id);
        self.keys.push(key);
        self
    }

    /// Adds a key whose id is not in the ring yet.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] naming the id when the ring already holds a
    /// key with it (the ring is unchanged).
    pub fn insert(&mut self, key: Key) -> Result<()> {
        if self.get(&key.id).is_some() {
            return Err(ErrorKind::InvalidKey {
                key: key.id,
                reason: "the key id is given twice",
            }
            .into());
        }
        self.keys.push(key);
        Ok(())
    }

    /// Reads a key ring from a JSON object of key id to secret in hex:
    ///
    /// ```json
    /// {"pseudonym": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    ///  "token": "0f0e0d0c0b0a09080706050403020100"}
    /// ```
    ///
    /// A key kept only to decrypt (after a rotation; see
    /// [`Key::decrypt_only`]) is written as an object instead:
    /// `"k2025": {"secret": "…", "decrypt_only": true}`.
    ///
    /// Every secret is 32, 48 or 64 hex digits (16, 24 or 32 bytes); every
    /// id is 1–32 ASCII letters, digits, `_` or `-`, and appears once. The
    /// secrets are decoded into zeroizing memory and the JSON strings that
    /// held them are zeroized (the `json` text itself is the caller's: keep
    /// it in [`Zeroizing`] memory too).
    ///
    /// # Errors
    /// [`ErrorKind::Json`] for text that is not a JSON object of strings
    /// (the message gives the line and column, never the text), and
    /// [`ErrorKind::InvalidKey`] naming the key id (never the secret) for a
    /// duplicate id, a bad id, or a secret that is not hex of a valid
    /// length.
    pub fn from_json(json: &str) -> Result<Self> {
        let entries = parse_entries(json)?;
        let mut ring = Self::new();
        for (id, hex, decrypt_only) in entries.iter() {
            ring.insert(Key::from_hex(id.as_str(), hex)?.decrypt_only(*decrypt_only))?;
        }
        Ok(ring)
    }

    /// Makes the key with this id decrypt-only, or active again (see
    /// [`Key::decrypt_only`]).
    ///
    /// # Errors
    /// [`ErrorKind::UnknownKey`] when the ring has no key with this id.
    pub fn set_decrypt_only(&mut self, id: &str, decrypt_only: bool) -> Result<()> {
        let key = self
            .keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or_else(|| ErrorKind::UnknownKey { key: id.to_owned() })?;
        key.decrypt_only = decrypt_only;
        Ok(())
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The keys, in the order they were added.
    pub(crate) fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The ids of the keys, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(Key::id)
    }

    /// A ring of the keys with these ids, asked of `provider` (a host's
    /// KMS or HSM, say): what a [`Masker`](super::Masker) is then made
    /// with.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownKey`] for an id the provider does not have, and
    /// the provider's own errors.
    pub fn from_provider(provider: &dyn KeyProvider, ids: &[&str]) -> Result<Self> {
        let mut ring = Self::new();
        for id in ids {
            let key = provider.key(id)?.ok_or_else(|| ErrorKind::UnknownKey {
                key: (*id).to_owned(),
            })?;
            ring.insert(key)?;
        }
        Ok(ring)
    }
}

/// Where keys come from, by id: a host that keeps its master keys in a KMS
/// or HSM implements this (in C, with a callback), and a [`KeyRing`] (read
/// from a keys file) is the built-in provider.
///
/// A [`FieldCipher`](super::FieldCipher) asks its provider for the key a
/// ciphertext names the first time it meets that id, so values encrypted
/// under any key the provider still has can be read.
pub trait KeyProvider: Send + Sync {
    /// The key with this id, or `None` if there is none. The key returned
    /// is the caller's; its secret is zeroized when it is dropped.
    ///
    /// # Errors
    /// Whatever the provider cannot do (the key store cannot be reached);
    /// never the secret in a message.
    fn key(&self, id: &str) -> Result<Option<Key>>;
}

impl KeyProvider for KeyRing {
    fn key(&self, id: &str) -> Result<Option<Key>> {
        Ok(self.get(id).cloned())
    }
}

/// The (id, hex secret) entries of a keys JSON object, in order and with
/// duplicates kept (a map would keep only the last of them). The secrets
/// are in zeroizing strings.
struct Entries(Vec<(String, Zeroizing<String>, bool)>);

impl Entries {
    fn iter(&self) -> impl Iterator<Item = &(String, Zeroizing<String>, bool)> {
        self.0.iter()
    }
}

/// One key's value in a keys file: a hex secret, or an object with
/// `secret` and `decrypt_only`.
struct Entry(Zeroizing<String>, bool);

impl<'de> serde::Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        use serde::de::{Error as _, MapAccess, Visitor};

        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = Entry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex secret or an object with `secret` and `decrypt_only`")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Entry, E> {
                Ok(Entry(Zeroizing::new(v.to_owned()), false))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Entry, E> {
                Ok(Entry(Zeroizing::new(v), false))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                let mut secret = None;
                let mut decrypt_only = false;
                while let Some(name) = map.next_key::<String>()? {
                    match name.as_str() {
                        "secret" => secret = Some(Zeroizing::new(map.next_value::<String>()?)),
                        "decrypt_only" => decrypt_only = map.next_value()?,
                        _ => return Err(A::Error::custom("unknown member")),
                    }
                }
                let secret = secret.ok_or_else(|| A::Error::custom("no secret"))?;
                Ok(Entry(secret, decrypt_only))
            }
        }

        de.deserialize_any(EntryVisitor)
    }
}

fn parse_entries(json: &str) -> Result<Entries> {
    use serde::de::{Deserializer, MapAccess, Visitor};

    struct EntriesVisitor;

    impl<'de> Visitor<'de> for EntriesVisitor {
        type Value = Entries;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object of key id to hex secret")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
            let mut entries = Vec::new();
            while let Some(id) = map.next_key::<String>()? {
                // A secret goes into zeroizing memory as soon as it is
                // read; on an error, the entries so far are zeroized as
                // they drop.
                let Entry(secret, decrypt_only) = map.next_value::<Entry>()?;
                entries.push((id, secret, decrypt_only));
            }
            Ok(Entries(entries))
        }
    }

    let mut de = serde_json::Deserializer::from_str(json);
    let malformed = |e: serde_json::Error| ErrorKind::Json {
        document: JsonDocument::Keys,
        line: e.line(),
        column: e.column(),
        // serde's own message can quote the input: never used.
        detail: "expected a JSON object of key id to hex secret".into(),
    };
    let entries = (&mut de)
        .deserialize_map(EntriesVisitor)
        .map_err(malformed)?;
    de.end().map_err(malformed)?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn keys_are_checked_and_never_printed() {
        let key = Key::new("k1", &[7u8; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("k1") && shown.contains("redacted") && !shown.contains('7'));
        assert!(Key::new("k1", &[0u8; 10]).is_err());
        assert!(Key::new("bad id", &[0u8; 16]).is_err());
        let ring = KeyRing::new()
            .with(key)
            .with(Key::new("k2", &[1u8; 16]).unwrap());
        assert_eq!(ring.get("k2").map(Key::id), Some("k2"));
        assert!(ring.get("k3").is_none());
    }

    #[test]
    fn hex_secrets() {
        let key = Key::from_hex("k", " 000102030405060708090A0B0C0D0e0f\n").unwrap();
        assert_eq!(&*key.secret, &(0u8..16).collect::<Vec<_>>());
        for (hex, says) in [
            ("00010203040506070809", "16, 24 or 32 bytes"),
            ("0g0102030405060708090a0b0c0d0e0f", "not hexadecimal"),
            ("+0102030405060708090a0b0c0d0e0f", "not hexadecimal"),
            ("00 102030405060708090a0b0c0d0e0f", "not hexadecimal"),
            ("", "16, 24 or 32 bytes"),
        ] {
            let err = Key::from_hex("k", hex).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidKey);
            assert!(err.to_string().starts_with("key `k`: "), "{err}");
            assert!(err.to_string().contains(says), "{hex}: {err}");
        }
        let all: String = (0u8..=255).map(|b| format!("{b:02x}")).collect();
        let upper = all.to_uppercase();
        for chunk in [&all, &upper] {
            for (i, pair) in chunk.as_bytes().chunks(2).enumerate() {
                assert_eq!((nibble(pair[0]) << 4) | nibble(pair[1]), i as u8);
            }
        }
    }

    const HEX16: &str = "000102030405060708090a0b0c0d0e0f";

    #[test]
    fn key_rings_from_json() {
        let json = format!(r#"{{"a": "{HEX16}", "b": "{HEX16}{HEX16}"}}"#);
        let ring = KeyRing::from_json(&json).unwrap();
        assert_eq!(ring.keys().len(), 2);
        assert_eq!(ring.get("b").map(|k| k.secret.len()), Some(32));
        assert_eq!(KeyRing::from_json("{}").unwrap().keys().len(), 0);
    }

    #[test]
    fn bad_key_files_name_the_key_never_the_secret() {
        let secret = "5ec7e75ec7e75ec7e75ec7e75ec7e75e";
        for (json, code, says) in [
            (
                format!(r#"{{"a": "{secret}", "b": "{HEX16}", "a": "{HEX16}"}}"#),
                ErrorCode::InvalidKey,
                "key `a`: the key id is given twice",
            ),
            (
                format!(r#"{{"short": "{}"}}"#, &secret[..20]),
                ErrorCode::InvalidKey,
                "key `short`: secrets are 16, 24 or 32 bytes",
            ),
            (
                format!(r#"{{"nothex": "{}zz"}}"#, &secret[..30]),
                ErrorCode::InvalidKey,
                "key `nothex`: the secret is not hexadecimal",
            ),
            (
                format!(r#"{{"bad id": "{secret}"}}"#),
                ErrorCode::InvalidKey,
                "key `badid`: ids are",
            ),
            (
                format!(r#"{{"a": {{"hex": "{secret}"}}}}"#),
                ErrorCode::Json,
                "keys JSON, line 1, column",
            ),
            (
                format!(r#"["{secret}"]"#),
                ErrorCode::Json,
                "expected a JSON object",
            ),
            (
                format!(r#"{{"a": "{secret}"}} "{secret}""#),
                ErrorCode::Json,
                "keys JSON",
            ),
            (
                format!(r#"{{"a": "{secret}""#),
                ErrorCode::Json,
                "keys JSON",
            ),
        ] {
            let err = KeyRing::from_json(&json).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
            let message = err.to_string();
            assert!(message.contains(says), "{message}");
            assert!(!message.contains(&secret[..8]), "{message}");
            assert!(!message.contains("5ec7"), "{message}");
        }
    }

    #[test]
    fn inserting_refuses_a_second_key_with_an_id() {
        let mut ring = KeyRing::new();
        ring.insert(Key::new("a", &[1; 16]).unwrap()).unwrap();
        let err = ring.insert(Key::new("a", &[2; 16]).unwrap()).unwrap_err();
        assert_eq!(err.to_string(), "key `a`: the key id is given twice");
        assert_eq!(ring.get("a").map(|k| k.secret[0]), Some(1));
    }

    /// HKDF-SHA-256 vectors computed independently of this code, with
    /// Python's standard library (`hmac`, `hashlib`):
    ///
    /// ```python
    /// import hmac, hashlib
    /// def hkdf(ikm, info, n):
    ///     prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    ///     return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]
    /// secret = bytes(range(32))
    /// hkdf(secret, b"custodia/v1/pseudonym/ka", 32).hex()  # PSEUDONYM_KA
    /// hkdf(secret, b"custodia/v1/pseudonym/kb", 32).hex()  # PSEUDONYM_KB
    /// hkdf(secret, b"custodia/v1/token/ka", 32).hex()      # TOKEN_KA
    /// hkdf(secret[:16], b"custodia/v1/token/ka", 16).hex() # TOKEN_KA_16
    /// ```
    #[test]
    fn derived_keys_bind_purpose_and_id() {
        let secret: Vec<u8> = (0u8..32).collect();
        let ka = Key::new("ka", &secret).unwrap();
        let kb = Key::new("kb", &secret).unwrap();
        let hex = |k: &[u8]| k.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let vectors = [
            (&ka, Purpose::Pseudonym, PSEUDONYM_KA),
            (&kb, Purpose::Pseudonym, PSEUDONYM_KB),
            (&ka, Purpose::Token, TOKEN_KA),
        ];
        for (key, purpose, expected) in vectors {
            let derived = key.derive(purpose).unwrap();
            assert_eq!(hex(&derived), expected, "{} {purpose:?}", key.id());
        }
        let short = Key::new("ka", &secret[..16]).unwrap();
        assert_eq!(hex(&short.derive(Purpose::Token).unwrap()), TOKEN_KA_16);
        assert_eq!(short.derive(Purpose::Pseudonym).unwrap().len(), 32);
    }

    const PSEUDONYM_KA: &str = "eaab60a03c37025ac22e9d8585da616e217ce4fba1213421ff08018524434ab4";
    const PSEUDONYM_KB: &str = "4595c169f283fc514acf08ff37ca5ab02fc179a743fe8ee31718e6c6b4da00f5";
    const TOKEN_KA: &str = "a129081628a82dfb171ae4bece9e156687446859c62c238bb1fa7e0ce755c01e";
    const TOKEN_KA_16: &str = "66222b19cd023d72ad74aa41268f147c";
}
