//! Expanded key state: the HMAC and FF1 (AES) states a masker makes from
//! each key once, kept on the heap and zeroized when dropped, and the stack
//! scrub that clears the copies cryptographic code leaves on the stack.
//!
//! Where key material lives:
//!
//! - the caller's secret, copied into [`Key`], zeroized on drop;
//! - the derived keys (see [`keys`](super::keys)), in zeroizing memory only
//!   while the states below are made;
//! - the HMAC state (the key XOR the pads, hashed) and the AES key
//!   schedules (whose first round keys are the key itself), inside
//!   [`KeyStates`], zeroized on drop by the `zeroize` features of the
//!   `hmac`, `sha2` and `aes` crates, each key's state in a [`Wiped`] heap
//!   slot that is then overwritten whole: the bytes no field owns (the
//!   unused tail of a smaller FF1 variant, the AES union member not in
//!   use, padding) were copied there from the stack with the state and
//!   can hold the derived keys;
//! - copies those crates make on the stack while they work (an AES schedule
//!   cloned per FF1 call, the padded HMAC key while a MAC is keyed): Rust
//!   does not clear a stack frame it leaves, so key expansion, and the
//!   masking or detokenizing of a record with keyed operators, run through
//!   [`scrubbed`], which overwrites the stack they used (once per record:
//!   about 0.25 µs).

use std::fmt;

use aes::{Aes128, Aes192, Aes256};
use fpe::ff1::{FF1, FlexibleNumeralString};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::crypt::CryptKey;
use super::keys::{Key, KeyRing, Purpose};
use super::wipe::Wiped;
use crate::error::{ErrorKind, Result};

/// Why a value cannot be tokenized or detokenized.
pub(crate) type TokenError = &'static str;

/// FF1 over AES of the key's size.
pub(crate) enum Cipher {
    A128(FF1<Aes128>),
    A192(FF1<Aes192>),
    A256(FF1<Aes256>),
}

impl Cipher {
    /// An FF1 cipher for `secret` (16, 24 or 32 bytes) and `radix`.
    pub(crate) fn new(secret: &[u8], radix: u32) -> Result<Self, TokenError> {
        let bad = |_| "unusable key";
        Ok(match secret.len() {
            16 => Self::A128(FF1::new(secret, radix).map_err(bad)?),
            24 => Self::A192(FF1::new(secret, radix).map_err(bad)?),
            32 => Self::A256(FF1::new(secret, radix).map_err(bad)?),
            _ => return Err("unusable key"),
        })
    }

    /// Encrypts (or decrypts) numerals.
    pub(crate) fn run(
        &self,
        tweak: &[u8],
        numerals: Vec<u16>,
        decrypt: bool,
    ) -> Result<Vec<u16>, TokenError> {
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

/// What one key is expanded into.
pub(crate) struct KeyState {
    /// HMAC-SHA-256 keyed with the pseudonym key, ready to be cloned.
    pub(crate) mac: Hmac<Sha256>,
    /// FF1 with the token key, radix 10 (digits).
    pub(crate) digits: Cipher,
    /// FF1 with the token key, radix 31 (credit codes).
    pub(crate) radix31: Cipher,
    /// The encryption keys, for a key of 32 bytes.
    pub(crate) crypt: Option<CryptKey>,
    /// Whether the key only decrypts.
    pub(crate) decrypt_only: bool,
}

/// The expanded states of every key in a ring, by id. Dropping it zeroizes
/// them, each in its whole heap allocation (see [`Wiped`]).
pub(crate) struct KeyStates {
    states: Vec<(String, Wiped<KeyState>)>,
}

impl KeyStates {
    /// Expands every key of `ring`. The ring can be dropped afterwards.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if a key cannot be expanded (it always
    /// can: keys are checked when they are made).
    pub(crate) fn new(ring: &KeyRing) -> Result<Self> {
        scrubbed_deep(|| Self::expand_all(ring))
    }

    /// [`KeyStates::new`] without the stack scrub.
    pub(crate) fn expand_all(ring: &KeyRing) -> Result<Self> {
        let mut states = Vec::with_capacity(ring.keys().len());
        for key in ring.keys() {
            states.push((key.id().to_owned(), expand(key)?));
        }
        Ok(Self { states })
    }

    /// The state of the key with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&KeyState> {
        self.states
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, state)| &**state)
    }

    /// The state of the key with this id, or [`ErrorKind::UnknownKey`].
    pub(crate) fn require(&self, id: &str) -> Result<&KeyState> {
        self.get(id)
            .ok_or_else(|| ErrorKind::UnknownKey { key: id.to_owned() }.into())
    }

    /// As [`KeyStates::require`], for a key that makes new pseudonyms,
    /// tokens or ciphertexts: [`ErrorKind::InvalidKey`] if it is
    /// decrypt-only.
    pub(crate) fn require_active(&self, id: &str) -> Result<&KeyState> {
        let state = self.require(id)?;
        if state.decrypt_only {
            return Err(ErrorKind::InvalidKey {
                key: id.to_owned(),
                reason: "the key is decrypt-only: it cannot make new values",
            }
            .into());
        }
        Ok(state)
    }

    /// The encryption keys of the key with this id: [`ErrorKind::UnknownKey`]
    /// or, for a key that is not 32 bytes, [`ErrorKind::InvalidKey`].
    pub(crate) fn require_crypt(&self, id: &str) -> Result<&CryptKey> {
        self.require(id)?.crypt.as_ref().ok_or_else(|| {
            ErrorKind::InvalidKey {
                key: id.to_owned(),
                reason: "encryption keys are 32 bytes",
            }
            .into()
        })
    }
}

impl fmt::Debug for KeyStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.states.iter().map(|(id, _)| id))
            .finish()
    }
}

fn expand(key: &Key) -> Result<Wiped<KeyState>> {
    let unusable = || ErrorKind::InvalidKey {
        key: key.id().to_owned(),
        reason: "the key cannot be expanded",
    };
    let mac_key = key.derive(Purpose::Pseudonym)?;
    let token_key = key.derive(Purpose::Token)?;
    let mac = Hmac::<Sha256>::new_from_slice(&mac_key).map_err(|_| unusable())?;
    let digits = Cipher::new(&token_key, 10).map_err(|_| unusable())?;
    let radix31 = Cipher::new(&token_key, 31).map_err(|_| unusable())?;
    let crypt = if key.secret_len() == 32 {
        Some(CryptKey::new(key)?)
    } else {
        None
    };
    // Built on the stack (which the caller scrubs) and copied to the heap
    // with whatever the stack held in the bytes no field uses; `Wiped`
    // clears those too when the state is dropped.
    Ok(Wiped::new(KeyState {
        mac,
        digits,
        radix31,
        crypt,
        decrypt_only: key.is_decrypt_only(),
    }))
}

/// An HMAC-SHA-256 under a key derived for one purpose (the audit chain,
/// audit record references), kept as the masking states are: made with the
/// stack scrubbed, held in a [`Wiped`] heap slot, used with the stack
/// scrubbed. Clones share the one state.
#[derive(Clone)]
pub(crate) struct KeyedMac(std::sync::Arc<Wiped<Hmac<Sha256>>>);

impl KeyedMac {
    /// Derives the key for `purpose` from `key` and keys the MAC with it.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if the key cannot be expanded (it always
    /// can: keys are checked when they are made).
    pub(crate) fn new(key: &Key, purpose: Purpose) -> Result<Self> {
        scrubbed_deep(|| {
            let derived = key.derive(purpose)?;
            let mac =
                Hmac::<Sha256>::new_from_slice(&derived).map_err(|_| ErrorKind::InvalidKey {
                    key: key.id().to_owned(),
                    reason: "the key cannot be expanded",
                })?;
            Ok(Self(std::sync::Arc::new(Wiped::new(mac))))
        })
    }

    /// The MAC of `data`.
    pub(crate) fn tag(&self, data: &[u8]) -> [u8; 32] {
        scrubbed(|| {
            let mut mac = Hmac::clone(&self.0);
            mac.update(data);
            mac.finalize().into_bytes().into()
        })
    }

    /// Whether `tag` is the MAC of `data`, compared in constant time.
    pub(crate) fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        scrubbed(|| {
            let mut mac = Hmac::clone(&self.0);
            mac.update(data);
            mac.verify_slice(tag).is_ok()
        })
    }
}

/// The stack, in 8-byte words, cleared after a record is masked or
/// detokenized with expanded keys (FF1 tokens, HMAC pseudonyms). The
/// deepest, the built-in `auditor` audience, uses 4.8 KiB of stack in
/// release builds and 16 KiB in debug builds (measured by the residue
/// tests, which fail if it grows past this): this is three times that,
/// and twice.
pub(crate) const CALL_WORDS: usize = if cfg!(debug_assertions) { 4096 } else { 2048 };

/// The stack cleared after a record is encrypted, revealed or rewrapped
/// (XChaCha20-Poly1305, AES-SIV), which goes deeper than masking:
/// 6.5 KiB in release builds and 55 KiB in debug builds (measured by the
/// residue tests, which fail if it grows past this).
pub(crate) const CRYPT_WORDS: usize = if cfg!(debug_assertions) { 16384 } else { 4096 };

/// The stack cleared after expanding keys (HKDF, HMAC and AES key set-up),
/// which goes deeper: 7.7 KiB in release builds, 44 KiB in debug builds.
/// It happens once per masker.
pub(crate) const EXPAND_WORDS: usize = if cfg!(debug_assertions) { 8192 } else { 4096 };

/// Overwrites the `WORDS * 8` bytes of stack below the caller's frame,
/// where the frames of the functions it called have been.
///
/// A plain fill (a `memset`, about 0.25 µs for 16 KiB where per-word
/// volatile writes take 1.2 µs) whose address then escapes through
/// `black_box`, so the compiler must assume it is read and cannot drop
/// the writes. The residue tests check that it works, in debug and
/// release builds alike.
#[inline(never)]
fn scrub_stack<const WORDS: usize>() {
    let mut area = [0u64; WORDS];
    area.fill(0);
    std::hint::black_box(&mut area);
}

/// Runs `f` in a frame of its own, below its caller's.
#[inline(never)]
fn run<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Runs `f`, which uses expanded keys, then clears the stack below the
/// caller's frame: everything `f` and its callees left there (as deep as
/// [`CALL_WORDS`]). What `f` returns must not be secret.
pub(crate) fn scrubbed<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    scrub_stack::<CALL_WORDS>();
    out
}

/// As [`scrubbed`], for encryption (as deep as [`CRYPT_WORDS`]).
pub(crate) fn scrubbed_crypt<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    scrub_stack::<CRYPT_WORDS>();
    out
}

/// As [`scrubbed`], for expanding keys.
pub(crate) fn scrubbed_deep<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    scrub_stack::<EXPAND_WORDS>();
    out
}
