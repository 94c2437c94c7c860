//! Field encryption from C: single values with a field cipher, whole
//! stored records with a masker (reveal, rewrap), keys from a host's
//! callback.

use std::ffi::{c_char, c_int, c_void};

use zeroize::Zeroizing;

use super::handle::{self, Handle};
use super::mask::{custodia_keyring, custodia_masker};
use super::record::{RecordHandle, custodia_record};
use super::text;
use super::{Failure, custodia_status, run};
use crate::error::{ErrorKind, Result};
use crate::mask::{FieldCipher, Key, KeyProvider, Mode};

/// Encrypts and decrypts single values, bound to a field name and a record
/// key (see the README's Field encryption section). Immutable: one cipher
/// may be used by any number of threads at once.
pub struct custodia_cipher {
    _private: [u8; 0],
}

impl Handle for custodia_cipher {
    type Target = FieldCipher;
}

/// A host's key store: asked for the key with an id. Writes the 32-byte
/// secret to `secret_out` (custodia's memory, zeroized after use) and
/// whether the key is decrypt-only (0 or 1) to `decrypt_only_out`, and
/// returns 1; returns 0 when it has no key with this id, and a negative
/// number when it cannot answer (the call that needed the key then fails
/// with CUSTODIA_STATUS_INVALID_KEY). It may be called from any thread
/// that uses the cipher, the first time each key id is needed, so it must
/// be thread-safe.
pub type custodia_key_provider_fn = Option<
    unsafe extern "C" fn(
        context: *mut c_void,
        id: *const c_char,
        id_len: usize,
        secret_out: *mut u8,
        decrypt_only_out: *mut c_int,
    ) -> c_int,
>;

/// A C callback as a [`KeyProvider`].
struct CallbackProvider {
    callback: unsafe extern "C" fn(*mut c_void, *const c_char, usize, *mut u8, *mut c_int) -> c_int,
    context: *mut c_void,
}

// SAFETY: the callback and its context are the host's; the documentation
// of custodia_cipher_new_with_provider requires them to be usable from any
// thread.
unsafe impl Send for CallbackProvider {}
// SAFETY: as above.
unsafe impl Sync for CallbackProvider {}

impl KeyProvider for CallbackProvider {
    fn key(&self, id: &str) -> Result<Option<Key>> {
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut decrypt_only: c_int = 0;
        // SAFETY: the host promised a callback that reads `id_len` bytes at
        // `id` and writes at most 32 bytes to `secret_out` and one int to
        // `decrypt_only_out`, all of which are valid here.
        let answer = unsafe {
            (self.callback)(
                self.context,
                id.as_ptr().cast(),
                id.len(),
                secret.as_mut_ptr(),
                &mut decrypt_only,
            )
        };
        match answer {
            0 => Ok(None),
            1 => Ok(Some(
                Key::new(id, &*secret)?.decrypt_only(decrypt_only != 0),
            )),
            _ => Err(ErrorKind::InvalidKey {
                key: id.to_owned(),
                reason: "the key provider could not answer",
            }
            .into()),
        }
    }
}

/// Makes a cipher over a copy of the keys in `keyring` (which may be freed
/// afterwards), encrypting with the key `active` (32 bytes, not
/// decrypt-only). Fails with CUSTODIA_STATUS_UNKNOWN_KEY or _INVALID_KEY.
/// Free with custodia_cipher_free.
///
/// # Safety
/// `keyring` is a live key ring; `active` points to `active_len` readable
/// bytes; `cipher_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_new(
    keyring: *const custodia_keyring,
    active: *const c_char,
    active_len: usize,
    cipher_out: *mut *mut custodia_cipher,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live key ring or NULL.
        let ring = unsafe { handle::borrow(keyring, "keyring") }?;
        // SAFETY: the caller promises `active_len` readable bytes.
        let active = unsafe { text::str_arg(active, active_len, "active") }?;
        let out = handle::out(cipher_out, "cipher_out")?;
        handle::give(out, FieldCipher::new(ring.clone(), active)?);
        Ok(())
    })
}

/// Makes a cipher whose keys come from `provider` (see
/// custodia_key_provider_fn), called with `context`; it is asked for
/// `active` now and for other ids when a ciphertext names them. Fails as
/// custodia_cipher_new. Free with custodia_cipher_free.
///
/// # Safety
/// `provider` is a function as custodia_key_provider_fn describes, usable
/// with `context` from any thread until the cipher is freed; `active`
/// points to `active_len` readable bytes; `cipher_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_new_with_provider(
    provider: custodia_key_provider_fn,
    context: *mut c_void,
    active: *const c_char,
    active_len: usize,
    cipher_out: *mut *mut custodia_cipher,
) -> custodia_status {
    run(|| {
        let callback = provider.ok_or_else(|| Failure::null("provider"))?;
        // SAFETY: the caller promises `active_len` readable bytes.
        let active = unsafe { text::str_arg(active, active_len, "active") }?;
        let out = handle::out(cipher_out, "cipher_out")?;
        let provider = CallbackProvider { callback, context };
        handle::give(out, FieldCipher::new(provider, active)?);
        Ok(())
    })
}

/// The shared body of the cipher's value functions.
///
/// # Safety
/// As for custodia_cipher_encrypt.
#[allow(clippy::too_many_arguments)]
unsafe fn cipher_step(
    cipher: *const custodia_cipher,
    field: *const c_char,
    field_len: usize,
    record_key: *const c_char,
    record_key_len: usize,
    value: *const c_char,
    value_len: usize,
    text_out: *mut *mut c_char,
    len_out: *mut usize,
    step: impl FnOnce(&FieldCipher, &str, &str, &str) -> Result<String>,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live cipher or NULL.
        let cipher = unsafe { handle::borrow(cipher, "cipher") }?;
        // SAFETY: the caller promises the lengths of readable bytes.
        let field = unsafe { text::str_arg(field, field_len, "field") }?;
        // SAFETY: as above.
        let record_key = unsafe { text::str_arg(record_key, record_key_len, "record_key") }?;
        // SAFETY: as above.
        let value = unsafe { text::str_arg(value, value_len, "value") }?;
        let out = handle::out(text_out, "text_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        let done = Zeroizing::new(step(cipher, field, record_key, value)?);
        text::give_string(&done, out, len_out);
        Ok(())
    })
}

/// Encrypts `value` of `field` in the record whose key is `record_key`
/// (deterministically, with AES-SIV, when `deterministic` is not 0) and
/// writes the ciphertext text to `*text_out`, its length to `*len_out`
/// (free with custodia_string_free). Thread-safe.
///
/// # Safety
/// `cipher` is a live cipher; each (pointer, length) pair points to
/// readable bytes; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_encrypt(
    cipher: *const custodia_cipher,
    field: *const c_char,
    field_len: usize,
    record_key: *const c_char,
    record_key_len: usize,
    value: *const c_char,
    value_len: usize,
    deterministic: c_int,
    text_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    let mode = if deterministic != 0 {
        Mode::Deterministic
    } else {
        Mode::Randomized
    };
    // SAFETY: this function's contract is cipher_step's.
    unsafe {
        cipher_step(
            cipher,
            field,
            field_len,
            record_key,
            record_key_len,
            value,
            value_len,
            text_out,
            len_out,
            |c, f, k, v| c.seal(mode, f, k, v),
        )
    }
}

/// Decrypts a ciphertext of `field` in the record whose key is
/// `record_key` and writes the value to `*text_out` (free with
/// custodia_string_free; clearing it first is the caller's part). Fails
/// with CUSTODIA_STATUS_CANNOT_DECRYPT naming the field (never the value)
/// for text that is not a ciphertext, was altered, or was moved from
/// another field or record; _UNKNOWN_KEY for a key the ring or provider
/// does not have. Thread-safe.
///
/// # Safety
/// As for custodia_cipher_encrypt.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_decrypt(
    cipher: *const custodia_cipher,
    field: *const c_char,
    field_len: usize,
    record_key: *const c_char,
    record_key_len: usize,
    ciphertext: *const c_char,
    ciphertext_len: usize,
    text_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: this function's contract is cipher_step's.
    unsafe {
        cipher_step(
            cipher,
            field,
            field_len,
            record_key,
            record_key_len,
            ciphertext,
            ciphertext_len,
            text_out,
            len_out,
            |c, f, k, v| c.decrypt(f, k, v).map(|p| p.as_str().to_owned()),
        )
    }
}

/// Re-encrypts a ciphertext made with another key under the active key, in
/// the same mode (one already under the active key comes back as it is).
/// Fails as custodia_cipher_decrypt. Thread-safe.
///
/// # Safety
/// As for custodia_cipher_encrypt.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_rewrap(
    cipher: *const custodia_cipher,
    field: *const c_char,
    field_len: usize,
    record_key: *const c_char,
    record_key_len: usize,
    ciphertext: *const c_char,
    ciphertext_len: usize,
    text_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: this function's contract is cipher_step's.
    unsafe {
        cipher_step(
            cipher,
            field,
            field_len,
            record_key,
            record_key_len,
            ciphertext,
            ciphertext_len,
            text_out,
            len_out,
            |c, f, k, v| c.rewrap(f, k, v),
        )
    }
}

/// Frees a cipher, zeroizing its keys. NULL is a no-op.
///
/// # Safety
/// `cipher` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_cipher_free(cipher: *mut custodia_cipher) {
    // SAFETY: the caller passes a live handle or NULL.
    super::guard((), || unsafe { handle::free(cipher) });
}

/// Makes the key `id` of `keyring` decrypt-only (`decrypt_only` not 0) or
/// active again: after a rotation the old key stays this way, so values
/// made with it still decrypt and rewrap while no policy can make new
/// ones with it. Fails with CUSTODIA_STATUS_UNKNOWN_KEY.
///
/// # Safety
/// `keyring` is a live key ring not used by another thread; `id` points
/// to `id_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_keyring_set_decrypt_only(
    keyring: *mut custodia_keyring,
    id: *const c_char,
    id_len: usize,
    decrypt_only: c_int,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live, unshared key ring or NULL.
        let ring = unsafe { handle::borrow_mut(keyring, "keyring") }?;
        // SAFETY: the caller promises `id_len` readable bytes.
        let id = unsafe { text::str_arg(id, id_len, "id") }?;
        ring.set_decrypt_only(id, decrypt_only != 0)?;
        Ok(())
    })
}

/// The shared body of custodia_masker_reveal and _rewrap.
///
/// # Safety
/// As for custodia_masker_reveal.
unsafe fn stored_step(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
    rewrap: bool,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let masker = unsafe { handle::borrow(masker, "masker") }?;
        // SAFETY: as above.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        // SAFETY: the caller promises `audience_len` readable bytes.
        let audience = unsafe { text::str_arg(audience, audience_len, "audience") }?;
        let out = handle::out(record_out, "record_out")?;
        let done = if rewrap {
            masker.rewrap(record.clone(), audience)?
        } else {
            masker.reveal(record.clone(), audience)?
        };
        handle::give(out, RecordHandle::Plain(done));
        Ok(())
    })
}

/// Reveals a stored record (one masked for an audience that encrypts) for
/// `audience` into a new record (free with custodia_record_free): the
/// ciphertexts of fields the policy's `reveal` lets the audience see are
/// decrypted, others become `[redacted]`, then the audience's operators
/// apply. Fails with CUSTODIA_STATUS_CANNOT_DECRYPT naming the field for a
/// ciphertext that was altered or moved from another field or record;
/// _UNKNOWN_AUDIENCE, _UNKNOWN_KEY. Thread-safe for the masker.
///
/// # Safety
/// `masker` and `record` are live handles; `audience` points to
/// `audience_len` readable bytes; `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_reveal(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is stored_step's.
    unsafe { stored_step(masker, record, audience, audience_len, record_out, false) }
}

/// Re-encrypts the ciphertexts of a stored record that `audience` (which
/// encrypts) made with another key under the key its policy names now,
/// into a new record (free with custodia_record_free). Fails as
/// custodia_masker_reveal. Thread-safe for the masker.
///
/// # Safety
/// As for custodia_masker_reveal.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_rewrap(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is stored_step's.
    unsafe { stored_step(masker, record, audience, audience_len, record_out, true) }
}
