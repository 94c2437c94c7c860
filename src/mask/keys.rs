//! Secret keys for pseudonyms and tokens: supplied by the caller, never
//! printed, zeroized on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{ErrorKind, Result};

/// A secret key with an id. The id goes into pseudonyms and tagged tokens,
/// so that keys can be rotated and every output says which key made it.
#[derive(Clone)]
pub struct Key {
    id: String,
    secret: Zeroizing<Vec<u8>>,
}

impl Key {
    /// A key of 16, 24 or 32 bytes (AES-128/192/256 for tokens; any of them
    /// for HMAC pseudonyms). The id is 1–32 ASCII letters, digits, `_` or
    /// `-`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] for another length or a bad id.
    pub fn new(id: impl Into<String>, secret: &[u8]) -> Result<Self> {
        let id = id.into();
        let id_ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(ErrorKind::InvalidKey {
                key: id.chars().filter(char::is_ascii_graphic).take(32).collect(),
                reason: "ids are 1 to 32 ASCII letters, digits, '_' or '-'",
            }
            .into());
        }
        if !matches!(secret.len(), 16 | 24 | 32) {
            return Err(ErrorKind::InvalidKey {
                key: id,
                reason: "secrets are 16, 24 or 32 bytes",
            }
            .into());
        }
        Ok(Self {
            id,
            secret: Zeroizing::new(secret.to_vec()),
        })
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
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

    /// Adds a key, replacing one with the same id.
    #[must_use]
    pub fn with(mut self, key: Key) -> Self {
        self.keys.retain(|k| k.id != key.id);
        self.keys.push(key);
        self
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub(crate) fn require(&self, id: &str) -> Result<&Key> {
        self.get(id)
            .ok_or_else(|| ErrorKind::UnknownKey { key: id.to_owned() }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(ring.require("k3").is_err());
    }
}
