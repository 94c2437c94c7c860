//! Schemas from C.

use std::ffi::c_char;

use super::handle::{self, Handle};
use super::text::{self, custodia_str};
use super::{Failure, custodia_status, guard, run, write_out};
use crate::error::{ErrorKind, FieldPath};
use crate::schema::Schema;

/// A record layout (see the JSON schema format in the README). Immutable:
/// one schema may be shared by any number of threads at once. Records hold
/// their own reference, so a schema may be freed while its records live.
pub struct custodia_schema {
    _private: [u8; 0],
}

impl Handle for custodia_schema {
    type Target = Schema;
}

/// The body of every `custodia_X_new(schema, &out)`: borrow the schema,
/// make the value with `make`, hand it out.
///
/// # Safety
/// `schema` is NULL or a live schema handle; `out` is NULL or writable.
pub(crate) unsafe fn new_from_schema<H: Handle>(
    schema: *const custodia_schema,
    out: *mut *mut H,
    out_name: &str,
    make: impl FnOnce(&Schema) -> H::Target,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        handle::give(handle::out(out, out_name)?, make(schema));
        Ok(())
    })
}

/// Makes a handle from a schema and options JSON (`(NULL, 0)` or an empty
/// string is `{}`, the defaults), with `make`.
///
/// # Safety
/// `schema` is a live schema handle or NULL; `options` points to
/// `options_len` readable bytes (or is NULL with 0); `out` is writable or
/// NULL.
pub(crate) unsafe fn new_with_options<H: Handle>(
    schema: *const custodia_schema,
    options: *const c_char,
    options_len: usize,
    out: *mut *mut H,
    out_name: &str,
    make: impl FnOnce(&Schema, &str) -> crate::Result<H::Target>,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: the caller promises `options_len` readable bytes.
        let options = unsafe { text::str_arg(options, options_len, "options") }?;
        let out = handle::out(out, out_name)?;
        let options = if options.is_empty() { "{}" } else { options };
        handle::give(out, make(schema, options)?);
        Ok(())
    })
}

/// Gets the built-in standard customer schema. On success `*schema_out`
/// owns a new handle; free it with custodia_schema_free. Thread-safe.
///
/// # Safety
/// `schema_out` is NULL (which fails with CUSTODIA_STATUS_NULL_ARGUMENT) or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_customer(
    schema_out: *mut *mut custodia_schema,
) -> custodia_status {
    run(|| {
        let out = handle::out(schema_out, "schema_out")?;
        handle::give(out, Schema::customer());
        Ok(())
    })
}

/// Loads a schema from `len` bytes of UTF-8 JSON at `json`. On success
/// `*schema_out` owns a new handle; free it with custodia_schema_free. On
/// failure `*schema_out` is untouched and the last error says what is wrong
/// and where (CUSTODIA_STATUS_JSON, _UNKNOWN_KIND, _DUPLICATE_FIELD,
/// _BAD_OPTION, _INVALID_SCHEMA, _INVALID_UTF8). Thread-safe.
///
/// # Safety
/// `json` points to `len` readable bytes (or is NULL with `len` 0);
/// `schema_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_from_json(
    json: *const c_char,
    len: usize,
    schema_out: *mut *mut custodia_schema,
) -> custodia_status {
    run(|| {
        let out = handle::out(schema_out, "schema_out")?;
        // SAFETY: the caller promises `len` readable bytes at `json`.
        let json = unsafe { text::str_arg(json, len, "json") }?;
        handle::give(out, Schema::from_json(json)?);
        Ok(())
    })
}

/// Writes the schema as JSON to `*json_out` (NUL-terminated, length in
/// `*len_out`); free it with custodia_string_free. Thread-safe.
///
/// # Safety
/// `schema` is a live schema handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_to_json(
    schema: *const custodia_schema,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        let (out, len) = (
            handle::out(json_out, "json_out")?,
            handle::out(len_out, "len_out")?,
        );
        text::give_string(&schema.to_json(), out, len);
        Ok(())
    })
}

/// The schema's name, as a view owned by the schema. Thread-safe.
///
/// # Safety
/// `schema` is a live schema handle; `name_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_name(
    schema: *const custodia_schema,
    name_out: *mut custodia_str,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        write_out(
            handle::out(name_out, "name_out")?,
            custodia_str::of(schema.name()),
        );
        Ok(())
    })
}

/// The number of fields; 0 if `schema` is NULL. Thread-safe.
///
/// # Safety
/// `schema` is NULL or a live schema handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_field_count(schema: *const custodia_schema) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live schema handle or NULL.
        unsafe { handle::borrow(schema, "schema") }.map_or(0, Schema::len)
    })
}

/// The name of the field at `index` (from 0), as a view owned by the
/// schema. CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the last field.
/// Thread-safe.
///
/// # Safety
/// `schema` is a live schema handle; `name_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_field_name(
    schema: *const custodia_schema,
    index: usize,
    name_out: *mut custodia_str,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        let out = handle::out(name_out, "name_out")?;
        let field = schema.field_at(index).ok_or(ErrorKind::IndexOutOfRange {
            what: "field",
            index,
            len: schema.len(),
        })?;
        write_out(out, custodia_str::of(field.name()));
        Ok(())
    })
}

/// The index of the field called `name` (`len` bytes of UTF-8).
/// CUSTODIA_STATUS_UNKNOWN_FIELD if there is none. Thread-safe.
///
/// # Safety
/// `schema` is a live schema handle; `name` points to `len` readable bytes;
/// `index_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_field_index(
    schema: *const custodia_schema,
    name: *const c_char,
    len: usize,
    index_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: the caller promises `len` readable bytes at `name`.
        let name = unsafe { text::str_arg(name, len, "name") }?;
        let out = handle::out(index_out, "index_out")?;
        let index = schema.index_of(name).ok_or_else(|| {
            Failure::from(ErrorKind::UnknownField {
                path: FieldPath::new(name),
            })
        })?;
        write_out(out, index);
        Ok(())
    })
}

/// Frees a schema. NULL is a no-op. Records and other objects made from it
/// keep their own reference and stay valid. Do not free the same handle
/// twice, nor while another thread is still using this handle.
///
/// # Safety
/// `schema` is NULL or a live schema handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_schema_free(schema: *mut custodia_schema) {
    // SAFETY: the caller passes a live schema handle or NULL.
    guard((), || unsafe { handle::free(schema) });
}
