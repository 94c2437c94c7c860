//! Masking from C.

use std::ffi::c_char;

use super::handle::{self, Handle};
use super::record::{RecordHandle, custodia_record};
use super::schema::custodia_schema;
use super::text;
use super::{custodia_status, guard, run};
use crate::mask::{Key, KeyRing, Masker, Policy};
use crate::schema::Record;

/// Secret keys by id. Keys are copied in, never printed, and zeroized when
/// freed. Use from one thread at a time.
pub struct custodia_keyring {
    _private: [u8; 0],
}

impl Handle for custodia_keyring {
    type Target = KeyRing;
}

/// A masking policy: per audience, per field, an operator. Immutable: may
/// be shared between threads.
pub struct custodia_policy {
    _private: [u8; 0],
}

impl Handle for custodia_policy {
    type Target = Policy;
}

/// A policy compiled for a schema with its keys. Immutable: one masker may
/// be used by any number of threads at once.
pub struct custodia_masker {
    _private: [u8; 0],
}

impl Handle for custodia_masker {
    type Target = Masker;
}

/// Makes an empty key ring. Free with custodia_keyring_free.
///
/// # Safety
/// `keyring_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_keyring_new(
    keyring_out: *mut *mut custodia_keyring,
) -> custodia_status {
    run(|| {
        handle::give(handle::out(keyring_out, "keyring_out")?, KeyRing::new());
        Ok(())
    })
}

/// Adds a key (replacing one with the same id): `id` is 1–32 ASCII letters,
/// digits, `_` or `-`; `secret` is 16, 24 or 32 bytes, copied. Fails with
/// CUSTODIA_STATUS_INVALID_KEY otherwise; the secret never appears in any
/// message.
///
/// # Safety
/// `keyring` is a live key ring not used by another thread; `id` and
/// `secret` point to `id_len` and `secret_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_keyring_add(
    keyring: *mut custodia_keyring,
    id: *const c_char,
    id_len: usize,
    secret: *const u8,
    secret_len: usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live, unshared key ring or NULL.
        let ring = unsafe { handle::borrow_mut(keyring, "keyring") }?;
        // SAFETY: the caller promises `id_len` readable bytes at `id`.
        let id = unsafe { text::str_arg(id, id_len, "id") }?;
        if secret.is_null() {
            return Err(super::Failure::null("secret"));
        }
        // SAFETY: `secret` is non-NULL and the caller promises `secret_len`
        // readable bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(secret, secret_len.min(isize::MAX as usize)) };
        let key = Key::new(id, bytes)?;
        *ring = std::mem::take(ring).with(key);
        Ok(())
    })
}

/// Frees a key ring, zeroizing its keys. NULL is a no-op.
///
/// # Safety
/// `keyring` is NULL or a live key ring.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_keyring_free(keyring: *mut custodia_keyring) {
    // SAFETY: the caller passes a live key ring or NULL.
    guard((), || unsafe { handle::free(keyring) });
}

/// Loads a policy from JSON (see the README's Masking section). Fails with
/// CUSTODIA_STATUS_JSON or _INVALID_POLICY naming the audience and field.
/// Free with custodia_policy_free.
///
/// # Safety
/// `json` points to `len` readable bytes; `policy_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_policy_from_json(
    json: *const c_char,
    len: usize,
    policy_out: *mut *mut custodia_policy,
) -> custodia_status {
    run(|| {
        let out = handle::out(policy_out, "policy_out")?;
        // SAFETY: the caller promises `len` readable bytes at `json`.
        let json = unsafe { text::str_arg(json, len, "json") }?;
        handle::give(out, Policy::from_json(json)?);
        Ok(())
    })
}

/// The built-in policy for the standard customer schema (audiences
/// `support`, `analytics`, `auditor`; key ids `pseudonym` and `token`).
///
/// # Safety
/// `policy_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_policy_customer_default(
    policy_out: *mut *mut custodia_policy,
) -> custodia_status {
    run(|| {
        handle::give(
            handle::out(policy_out, "policy_out")?,
            Policy::customer_default(),
        );
        Ok(())
    })
}

/// The policy written on a schema's fields (their `mask` option).
///
/// # Safety
/// `schema` is a live schema handle; `policy_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_policy_from_schema(
    schema: *const custodia_schema,
    policy_out: *mut *mut custodia_policy,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { super::schema::new_from_schema(schema, policy_out, "policy_out", Policy::from_schema) }
}

/// Frees a policy. NULL is a no-op.
///
/// # Safety
/// `policy` is NULL or a live policy handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_policy_free(policy: *mut custodia_policy) {
    // SAFETY: the caller passes a live policy or NULL.
    guard((), || unsafe { handle::free(policy) });
}

/// Compiles `policy` for `schema` with a copy of the keys in `keyring` (the
/// ring may be freed afterwards). Fails with CUSTODIA_STATUS_INVALID_POLICY
/// or _UNKNOWN_KEY. Free with custodia_masker_free.
///
/// # Safety
/// `schema`, `policy` and `keyring` are live handles; `masker_out` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_new(
    schema: *const custodia_schema,
    policy: *const custodia_policy,
    keyring: *const custodia_keyring,
    masker_out: *mut *mut custodia_masker,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: as above.
        let policy = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: as above.
        let keys = unsafe { handle::borrow(keyring, "keyring") }?;
        let out = handle::out(masker_out, "masker_out")?;
        handle::give(out, Masker::new(schema, policy, keys.clone())?);
        Ok(())
    })
}

/// Reads the audience argument.
///
/// # Safety
/// `audience` is NULL or points to `len` readable bytes.
unsafe fn audience_arg<'a>(audience: *const c_char, len: usize) -> Result<&'a str, super::Failure> {
    // SAFETY: forwarded from this function's contract.
    unsafe { text::str_arg(audience, len, "audience") }
}

/// The body of custodia_masker_mask and custodia_masker_detokenize: read the
/// arguments, apply `apply`, hand out the new record.
///
/// # Safety
/// As for custodia_masker_mask.
unsafe fn masker_step(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
    apply: impl FnOnce(&Masker, &Record, &str) -> crate::Result<Record>,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let masker = unsafe { handle::borrow(masker, "masker") }?;
        // SAFETY: as above.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        // SAFETY: the caller promises `audience_len` readable bytes.
        let audience = unsafe { audience_arg(audience, audience_len) }?;
        let out = handle::out(record_out, "record_out")?;
        handle::give(out, RecordHandle::Plain(apply(masker, record, audience)?));
        Ok(())
    })
}

/// Masks `record` (normalized first) for `audience` into a new record; free
/// it with custodia_record_free. Fails with CUSTODIA_STATUS_UNKNOWN_AUDIENCE,
/// _SCHEMA_MISMATCH or _CANNOT_MASK. Thread-safe for the masker.
///
/// # Safety
/// `masker` and `record` are live handles; `audience` points to
/// `audience_len` readable bytes; `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_mask(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is masker_step's.
    unsafe {
        masker_step(
            masker,
            record,
            audience,
            audience_len,
            record_out,
            |m, r, a| m.mask(r, a),
        )
    }
}

/// Reverses the tokens in a record masked for `audience` into a new record
/// (free with custodia_record_free). Thread-safe for the masker.
///
/// # Safety
/// As for custodia_masker_mask.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_detokenize(
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is masker_step's.
    unsafe {
        masker_step(
            masker,
            record,
            audience,
            audience_len,
            record_out,
            |m, r, a| m.detokenize(r.clone(), a),
        )
    }
}

/// Masks a JSON record for `audience` and writes the masked record as JSON
/// to `*json_out` (free with custodia_string_free). Thread-safe.
///
/// # Safety
/// `masker` is a live handle; the (pointer, length) arguments point to
/// readable bytes; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_mask_json(
    masker: *const custodia_masker,
    audience: *const c_char,
    audience_len: usize,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        text::json_stage(masker, "masker", json, len, json_out, len_out, |m, json| {
            // SAFETY: the caller promises `audience_len` readable bytes.
            let audience = audience_arg(audience, audience_len)?;
            Ok(m.mask(&Record::from_json(m.schema(), json)?, audience)?
                .to_json())
        })
    }
}

/// Frees a masker, zeroizing its keys. NULL is a no-op.
///
/// # Safety
/// `masker` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_free(masker: *mut custodia_masker) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(masker) });
}
