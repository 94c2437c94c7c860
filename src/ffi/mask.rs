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

/// Adds a key: `id` is 1–32 ASCII letters, digits, `_` or `-`, not yet in
/// the ring; `secret` is 16, 24 or 32 bytes, copied (clearing the caller's
/// copy is the caller's part). Fails with CUSTODIA_STATUS_INVALID_KEY
/// otherwise (the ring is unchanged); the secret never appears in any
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
        ring.insert(Key::new(id, bytes)?)?;
        Ok(())
    })
}

/// Makes a key ring from JSON, an object of key id to secret in hex:
/// `{"pseudonym": "000102...1f", "token": "0f0e...00"}`. Each secret has
/// 32, 48 or 64 hex digits (16, 24 or 32 bytes); each id has 1–32 ASCII
/// letters, digits, `_` or `-` and is given once. Fails with
/// CUSTODIA_STATUS_JSON for
/// text that is not such an object (the message gives the line and column,
/// never the text) and _INVALID_KEY naming the key id for a duplicate or
/// bad id or a bad secret; no secret appears in any message. The secrets
/// are decoded into memory that is zeroized when the ring is freed;
/// clearing `json` is the caller's part. Free with custodia_keyring_free.
///
/// # Safety
/// `json` points to `len` readable bytes; `keyring_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_keyring_from_json(
    json: *const c_char,
    len: usize,
    keyring_out: *mut *mut custodia_keyring,
) -> custodia_status {
    run(|| {
        let out = handle::out(keyring_out, "keyring_out")?;
        // SAFETY: the caller promises `len` readable bytes at `json`.
        let json = unsafe { text::str_arg(json, len, "json") }?;
        handle::give(out, KeyRing::from_json(json)?);
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
pub unsafe extern "C" fn custodia_policy_customer(
    policy_out: *mut *mut custodia_policy,
) -> custodia_status {
    run(|| {
        handle::give(handle::out(policy_out, "policy_out")?, Policy::customer());
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
/// ring may be freed afterwards), for every audience of the policy. Fails
/// with CUSTODIA_STATUS_INVALID_POLICY or _UNKNOWN_KEY (a key some audience
/// uses is missing; see custodia_masker_new_for_audience). The masker keeps
/// no secret, only states expanded from the keys, zeroized when it is
/// freed. Free with custodia_masker_free.
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

/// As custodia_masker_new, for one audience only: only the keys that
/// audience uses must be in `keyring` (the built-in `support` audience
/// needs none, so an empty ring will do), while the whole policy is still
/// checked against the schema. Masking for another audience fails with
/// CUSTODIA_STATUS_UNKNOWN_AUDIENCE. Fails with _UNKNOWN_AUDIENCE when the
/// policy has no such audience, _INVALID_POLICY or _UNKNOWN_KEY. Free with
/// custodia_masker_free.
///
/// # Safety
/// `schema`, `policy` and `keyring` are live handles; `audience` points to
/// `audience_len` readable bytes; `masker_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_masker_new_for_audience(
    schema: *const custodia_schema,
    policy: *const custodia_policy,
    keyring: *const custodia_keyring,
    audience: *const c_char,
    audience_len: usize,
    masker_out: *mut *mut custodia_masker,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: as above.
        let policy = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: as above.
        let keys = unsafe { handle::borrow(keyring, "keyring") }?;
        // SAFETY: the caller promises `audience_len` readable bytes.
        let audience = unsafe { audience_arg(audience, audience_len) }?;
        let out = handle::out(masker_out, "masker_out")?;
        let masker = Masker::for_audiences(schema, policy, keys.clone(), &[audience])?;
        handle::give(out, masker);
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
/// _SCHEMA_MISMATCH or _CANNOT_MASK (naming the field, never the value) for
/// a value that cannot be tokenized so that its token gives it back: too
/// few or too many digits, or a wrong check digit (a card failing Luhn, an
/// IBAN, resident id or credit code whose check characters do not match).
/// Thread-safe for the masker.
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
/// (free with custodia_record_free): each gives back exactly the value it
/// was made of. A value that is not such a token fails with
/// CUSTODIA_STATUS_CANNOT_MASK. Thread-safe for the masker.
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

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use crate::ffi::custodia_status;
    use crate::ffi::schema::custodia_schema_customer;
    use crate::mask::residue_tests::{key_needles, random_secret, scan};

    /// Keys given through the C API are gone from memory once the key
    /// rings and maskers are freed.
    #[test]
    fn keys_are_gone_after_free() {
        let mut planted = Vec::new();
        let pseudonym = random_secret(32);
        let token = random_secret(16);
        for (id, secret) in [("pseudonym", &pseudonym), ("token", &token)] {
            key_needles(&Key::new(id, secret).unwrap(), &mut planted);
        }
        let ok = custodia_status::OK;
        let mut ring = std::ptr::null_mut();
        let mut schema = std::ptr::null_mut();
        let mut policy = std::ptr::null_mut();
        let mut masker = std::ptr::null_mut();
        let record = br#"{"customer_id": "c-1", "phone": "+8613812345678",
            "email": "ann@example.com", "national_id": "11010519491231002X",
            "payment_card": "4111111111111111"}"#;
        // SAFETY: every pointer is a live handle made here or a buffer of
        // the length given; each handle is freed once.
        unsafe {
            assert_eq!(custodia_keyring_new(&mut ring), ok);
            for (id, secret) in [("pseudonym", &pseudonym), ("token", &token)] {
                let status = custodia_keyring_add(
                    ring,
                    id.as_ptr().cast(),
                    id.len(),
                    secret.as_ptr(),
                    secret.len(),
                );
                assert_eq!(status, ok);
            }
            drop((pseudonym, token));
            assert_eq!(custodia_schema_customer(&mut schema), ok);
            assert_eq!(custodia_policy_customer(&mut policy), ok);
            assert_eq!(custodia_masker_new(schema, policy, ring, &mut masker), ok);
            custodia_keyring_free(ring);
            for audience in ["support", "analytics", "auditor"] {
                let (mut out, mut len) = (std::ptr::null_mut(), 0);
                let status = custodia_mask_json(
                    masker,
                    audience.as_ptr().cast(),
                    audience.len(),
                    record.as_ptr().cast(),
                    record.len(),
                    &mut out,
                    &mut len,
                );
                assert_eq!(status, ok);
                crate::ffi::text::custodia_string_free(out);
            }
            custodia_masker_free(masker);
            custodia_policy_free(policy);
            crate::ffi::schema::custodia_schema_free(schema);
        }
        let found = scan(&planted);
        assert!(
            found.is_empty(),
            "{} copies left:\n{}",
            found.len(),
            found.join("\n")
        );
    }
}
