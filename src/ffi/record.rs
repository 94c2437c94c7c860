//! Records from C.

use std::ffi::c_char;

use super::handle::{self, Handle};
use super::schema::custodia_schema;
use super::text;
use super::{Failure, custodia_status, run, write_out};
use crate::error::{ErrorKind, FieldPath};
use crate::normalize::Normalized;
use crate::schema::{Record, Value};

/// One customer's values, aligned to a schema. Not synchronized: use a
/// record from one thread at a time (different records may be used by
/// different threads at once).
pub struct custodia_record {
    _private: [u8; 0],
}

impl Handle for custodia_record {
    type Target = RecordHandle;
}

/// A record as C holds it: plain, or fresh from normalization, in which
/// case validation also reports what normalization noticed.
#[derive(Debug)]
pub(crate) enum RecordHandle {
    Plain(Record),
    Normalized(Normalized),
}

impl RecordHandle {
    pub(crate) fn record(&self) -> &Record {
        match self {
            Self::Plain(record) => record,
            Self::Normalized(n) => &n.record,
        }
    }

    fn record_mut(&mut self) -> &mut Record {
        match self {
            Self::Plain(record) => record,
            Self::Normalized(n) => &mut n.record,
        }
    }
}

/// Makes a record of `schema` with every field null. On success
/// `*record_out` owns a new handle; free it with custodia_record_free.
///
/// # Safety
/// `schema` is a live schema handle; `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_new(
    schema: *const custodia_schema,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        super::schema::new_from_schema(schema, record_out, "record_out", |schema| {
            RecordHandle::Plain(Record::new(schema))
        })
    }
}

/// Builds a record of `schema` from a JSON object (`len` bytes of UTF-8 at
/// `json`). Strings, numbers, booleans and null are accepted. Fails with
/// CUSTODIA_STATUS_JSON (not an object; the message never quotes the
/// input), _UNKNOWN_FIELD, _WRONG_TYPE, _TOO_LARGE or _INVALID_UTF8, and
/// then leaves `*record_out` untouched.
///
/// # Safety
/// `schema` is a live schema handle; `json` points to `len` readable bytes
/// (or is NULL with `len` 0); `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_from_json(
    schema: *const custodia_schema,
    json: *const c_char,
    len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: the caller promises `len` readable bytes at `json`.
        let json = unsafe { text::str_arg(json, len, "json") }?;
        let out = handle::out(record_out, "record_out")?;
        handle::give(out, RecordHandle::Plain(Record::from_json(schema, json)?));
        Ok(())
    })
}

/// Sets the field called `name` to the text `value` (`value_len` bytes of
/// UTF-8; an empty value makes the field null). Text for integer, decimal
/// and boolean fields is parsed. Fails with CUSTODIA_STATUS_UNKNOWN_FIELD,
/// _TOO_LARGE or _INVALID_UTF8 and then leaves the record unchanged.
///
/// # Safety
/// `record` is a live record handle not used by another thread; `name` and
/// `value` point to `name_len` and `value_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_set(
    record: *mut custodia_record,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live, unshared record handle or NULL.
        let record = unsafe { handle::borrow_mut(record, "record") }?.record_mut();
        // SAFETY: the caller promises `name_len` readable bytes at `name`.
        let name = unsafe { text::str_arg(name, name_len, "name") }?;
        // SAFETY: the caller promises `value_len` readable bytes at `value`.
        let value = unsafe { text::str_arg(value, value_len, name) }?;
        record.set(name, value)?;
        Ok(())
    })
}

/// Sets the field at `index` (from 0), as custodia_record_set does.
/// CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the last field.
///
/// # Safety
/// `record` is a live record handle not used by another thread; `value`
/// points to `value_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_set_at(
    record: *mut custodia_record,
    index: usize,
    value: *const c_char,
    value_len: usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live, unshared record handle or NULL.
        let record = unsafe { handle::borrow_mut(record, "record") }?.record_mut();
        let path = record
            .schema()
            .field_at(index)
            .map_or("value", |f| f.name())
            .to_owned();
        // SAFETY: the caller promises `value_len` readable bytes at `value`.
        let value = unsafe { text::str_arg(value, value_len, &path) }?;
        record.set_at(index, value)?;
        Ok(())
    })
}

fn give_value(
    value: &Value,
    value_out: *mut *mut c_char,
    len_out: *mut usize,
) -> Result<(), Failure> {
    let (out, len) = (
        handle::out(value_out, "value_out")?,
        handle::out(len_out, "len_out")?,
    );
    match value.to_text() {
        Some(text) => text::give_string(&text, out, len),
        None => {
            write_out(out, std::ptr::null_mut());
            write_out(len, 0);
        }
    }
    Ok(())
}

/// Reads the field called `name` as text: numbers in decimal, booleans as
/// "true"/"false". On success `*value_out` is a new NUL-terminated string
/// (free it with custodia_string_free) and `*len_out` its length, or, for
/// a null field, `*value_out` is NULL and `*len_out` 0.
/// CUSTODIA_STATUS_UNKNOWN_FIELD if the schema has no such field.
///
/// # Safety
/// `record` is a live record handle; `name` points to `name_len` readable
/// bytes; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_get(
    record: *const custodia_record,
    name: *const c_char,
    name_len: usize,
    value_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live record handle or NULL.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        // SAFETY: the caller promises `name_len` readable bytes at `name`.
        let name = unsafe { text::str_arg(name, name_len, "name") }?;
        let value = record.get(name).ok_or_else(|| {
            Failure::from(ErrorKind::UnknownField {
                path: FieldPath::new(name),
            })
        })?;
        give_value(value, value_out, len_out)
    })
}

/// Reads the field at `index` (from 0), as custodia_record_get does.
/// CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the last field.
///
/// # Safety
/// `record` is a live record handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_get_at(
    record: *const custodia_record,
    index: usize,
    value_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live record handle or NULL.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        let len = record.schema().len();
        let value = record.get_at(index).ok_or(ErrorKind::IndexOutOfRange {
            what: "field",
            index,
            len,
        })?;
        give_value(value, value_out, len_out)
    })
}

/// Writes the record as a JSON object (non-null fields only) to
/// `*json_out`, length in `*len_out`; free it with custodia_string_free.
///
/// # Safety
/// `record` is a live record handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_to_json(
    record: *const custodia_record,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live record handle or NULL.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        let (out, len) = (
            handle::out(json_out, "json_out")?,
            handle::out(len_out, "len_out")?,
        );
        text::give_string(&record.to_json(), out, len);
        Ok(())
    })
}

/// Frees a record. NULL is a no-op. Do not free the same handle twice.
///
/// # Safety
/// `record` is NULL or a live record handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_free(record: *mut custodia_record) {
    // SAFETY: the caller passes a live record handle or NULL.
    super::guard((), || unsafe { handle::free(record) });
}
