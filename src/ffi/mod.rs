//! The C ABI: the only module with `unsafe` and exported symbols.
//!
//! Every exported function runs its body inside [`guard`], so no panic
//! crosses into C; fallible ones return a [`custodia_status`], write their
//! results through out-parameters only on success, and leave a message in
//! the thread-local last error. `include/custodia.h` is generated from this
//! module by cbindgen (see `tests/header.rs`), so the doc comments here are
//! the C documentation: they are written for C readers.

// C names are snake case, and exported items are `pub` for cbindgen even
// though Rust code outside this module cannot reach them.
#![allow(non_camel_case_types, unreachable_pub)]

mod clean;
mod crypt;
mod dedupe;
mod handle;
mod mask;
mod pipeline;
mod record;
mod schema;
mod text;

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, ErrorCode};

/// The result of every fallible custodia function. 0 is success; the other
/// numbers are stable, grouped in blocks (1000s: arguments, 2000s: schemas,
/// 3000s: records, 4000s: duplicate detection, 5000s: masking, 6000s:
/// input and output, 9000s:
/// internal) and never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum custodia_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1001,
    /// A string argument or value was not valid UTF-8.
    InvalidUtf8 = 1002,
    /// A value exceeded the schema's size limit.
    TooLarge = 1003,
    /// A field index was past the end of the schema.
    IndexOutOfRange = 1004,
    /// Malformed JSON, or JSON of the wrong shape.
    Json = 2001,
    /// A schema field of an unknown kind.
    UnknownKind = 2002,
    /// Two schema fields with the same name.
    DuplicateField = 2003,
    /// A bad field option in a schema.
    BadOption = 2004,
    /// A schema that cannot be used.
    InvalidSchema = 2005,
    /// A record field that is not in the schema.
    UnknownField = 3001,
    /// A value of a type the field cannot hold.
    WrongType = 3002,
    /// A CSV row of the wrong length.
    RowLength = 3003,
    /// A record used with the wrong schema.
    SchemaMismatch = 3004,
    /// A record that names the same field twice (a JSON key, a CSV column).
    DuplicateKey = 3005,
    /// A duplicate-detection setting or model that cannot work.
    InvalidDedupe = 4001,
    /// A masking policy without the audience asked for.
    UnknownAudience = 5001,
    /// A key id missing from the key ring.
    UnknownKey = 5002,
    /// A key that cannot be used.
    InvalidKey = 5003,
    /// A masking policy that does not fit its schema.
    InvalidPolicy = 5004,
    /// A value a masking operator cannot transform.
    CannotMask = 5005,
    /// A ciphertext that does not decrypt: it was altered, made with another
    /// key, or moved from another field or record.
    CannotDecrypt = 5006,
    /// An audit log that cannot be read or written.
    Audit = 5007,
    /// Reading an input or writing an output failed.
    Io = 6001,
    /// An input that cannot be read as set up (its encoding, its header, a
    /// column named in the settings).
    Input = 6002,
    /// Pipeline settings that cannot work (steps out of order, a missing
    /// section, an unknown key or issue code).
    InvalidPipeline = 6003,
    /// An internal error (a caught panic). Free the handles involved rather
    /// than using them again.
    Panic = 9001,
}

impl From<ErrorCode> for custodia_status {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::NullArgument => Self::NullArgument,
            ErrorCode::InvalidUtf8 => Self::InvalidUtf8,
            ErrorCode::TooLarge => Self::TooLarge,
            ErrorCode::IndexOutOfRange => Self::IndexOutOfRange,
            ErrorCode::Json => Self::Json,
            ErrorCode::UnknownKind => Self::UnknownKind,
            ErrorCode::DuplicateField => Self::DuplicateField,
            ErrorCode::BadOption => Self::BadOption,
            ErrorCode::InvalidSchema => Self::InvalidSchema,
            ErrorCode::UnknownField => Self::UnknownField,
            ErrorCode::WrongType => Self::WrongType,
            ErrorCode::RowLength => Self::RowLength,
            ErrorCode::SchemaMismatch => Self::SchemaMismatch,
            ErrorCode::DuplicateKey => Self::DuplicateKey,
            ErrorCode::InvalidDedupe => Self::InvalidDedupe,
            ErrorCode::UnknownAudience => Self::UnknownAudience,
            ErrorCode::UnknownKey => Self::UnknownKey,
            ErrorCode::InvalidKey => Self::InvalidKey,
            ErrorCode::InvalidPolicy => Self::InvalidPolicy,
            ErrorCode::CannotMask => Self::CannotMask,
            ErrorCode::CannotDecrypt => Self::CannotDecrypt,
            ErrorCode::Audit => Self::Audit,
            ErrorCode::Io => Self::Io,
            ErrorCode::Input => Self::Input,
            ErrorCode::InvalidPipeline => Self::InvalidPipeline,
            ErrorCode::Panic => Self::Panic,
        }
    }
}

/// Why a C call failed: a status, a message and maybe a field path.
#[derive(Debug)]
pub(crate) struct Failure {
    status: custodia_status,
    message: String,
    path: Option<String>,
}

impl Failure {
    /// A NULL pointer where one was required; `argument` is its C name.
    pub(crate) fn null(argument: &str) -> Self {
        Self {
            status: custodia_status::NullArgument,
            message: format!("argument `{argument}` is NULL"),
            path: None,
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self {
            status: err.code().into(),
            message: err.to_string(),
            path: err.field_path().map(|p| p.as_str().to_owned()),
        }
    }
}

impl From<crate::ErrorKind> for Failure {
    fn from(kind: crate::ErrorKind) -> Self {
        Error::from(kind).into()
    }
}

#[derive(Default)]
struct LastError {
    message: CString,
    path: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::default();
}

/// NUL bytes cannot appear in a C string; messages never need them.
fn c_string(text: String) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

fn set_last_error(message: String, path: Option<String>) {
    LAST_ERROR.with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.message = c_string(message);
            last.path = c_string(path.unwrap_or_default());
        }
    });
}

/// Runs `body`, turning a panic into `on_panic`. Every exported function
/// goes through here, so unwinding never reaches C.
/// The first call installs custodia's panic hook
/// ([`crate::panic::install_panic_hook`]), so a panic's message, which may
/// quote a customer value, never reaches the host's standard error.
pub(crate) fn guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    crate::panic::install_panic_hook();
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Runs a fallible body: records the last error and returns the status.
pub(crate) fn run(body: impl FnOnce() -> Result<(), Failure>) -> custodia_status {
    let outcome = guard(
        Err(Failure {
            status: custodia_status::Panic,
            message: "internal error (panic); free the handles involved".into(),
            path: None,
        }),
        body,
    );
    match outcome {
        Ok(()) => {
            set_last_error(String::new(), None);
            custodia_status::Ok
        }
        Err(mut failure) => {
            if failure.status == custodia_status::Panic
                && let Some(place) = crate::panic::take_last_panic()
            {
                failure.message =
                    format!("internal error (panic at {place}); free the handles involved");
            }
            set_last_error(failure.message, failure.path);
            failure.status
        }
    }
}

/// Writes `value` through the out-pointer `out`, which was checked non-NULL.
pub(crate) fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: every caller checked `out` for NULL (with `handle::out`) and C
    // promises it points to writable memory for a `T`.
    unsafe { out.write(value) }
}

/// The library version, e.g. "0.1.0". Static; never NULL. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn custodia_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a status code, e.g. "UNKNOWN_FIELD" for 3001, "OK" for 0 and
/// "UNKNOWN_STATUS" for a number custodia does not use. Static; never NULL.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn custodia_status_name(status: u32) -> *const c_char {
    guard(c"PANIC".as_ptr(), || {
        let name = match ErrorCode::from_u32(status) {
            _ if status == 0 => c"OK",
            Some(ErrorCode::NullArgument) => c"NULL_ARGUMENT",
            Some(ErrorCode::InvalidUtf8) => c"INVALID_UTF8",
            Some(ErrorCode::TooLarge) => c"TOO_LARGE",
            Some(ErrorCode::IndexOutOfRange) => c"INDEX_OUT_OF_RANGE",
            Some(ErrorCode::Json) => c"JSON",
            Some(ErrorCode::UnknownKind) => c"UNKNOWN_KIND",
            Some(ErrorCode::DuplicateField) => c"DUPLICATE_FIELD",
            Some(ErrorCode::BadOption) => c"BAD_OPTION",
            Some(ErrorCode::InvalidSchema) => c"INVALID_SCHEMA",
            Some(ErrorCode::UnknownField) => c"UNKNOWN_FIELD",
            Some(ErrorCode::WrongType) => c"WRONG_TYPE",
            Some(ErrorCode::RowLength) => c"ROW_LENGTH",
            Some(ErrorCode::SchemaMismatch) => c"SCHEMA_MISMATCH",
            Some(ErrorCode::DuplicateKey) => c"DUPLICATE_KEY",
            Some(ErrorCode::InvalidDedupe) => c"INVALID_DEDUPE",
            Some(ErrorCode::UnknownAudience) => c"UNKNOWN_AUDIENCE",
            Some(ErrorCode::UnknownKey) => c"UNKNOWN_KEY",
            Some(ErrorCode::InvalidKey) => c"INVALID_KEY",
            Some(ErrorCode::InvalidPolicy) => c"INVALID_POLICY",
            Some(ErrorCode::CannotMask) => c"CANNOT_MASK",
            Some(ErrorCode::CannotDecrypt) => c"CANNOT_DECRYPT",
            Some(ErrorCode::Audit) => c"AUDIT",
            Some(ErrorCode::Io) => c"IO",
            Some(ErrorCode::Input) => c"INPUT",
            Some(ErrorCode::InvalidPipeline) => c"INVALID_PIPELINE",
            Some(ErrorCode::Panic) => c"PANIC",
            None => c"UNKNOWN_STATUS",
        };
        name.as_ptr()
    })
}

/// The message of the last failed custodia call on this thread, or "" if
/// the last call succeeded. It names the field and the problem, never a
/// field's value. Owned by the library: do not free it; it stays valid until
/// the next custodia call on this thread. Never NULL. Decide success from
/// the returned status, not from this message.
#[unsafe(no_mangle)]
pub extern "C" fn custodia_last_error_message() -> *const c_char {
    guard(c"".as_ptr(), || {
        LAST_ERROR.with(|last| {
            last.try_borrow()
                .map_or(c"".as_ptr(), |l| l.message.as_ptr())
        })
    })
}

/// The field path of the last failed custodia call on this thread (e.g.
/// "email"), or "" when the error was not about one field. Same lifetime
/// rules as custodia_last_error_message. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn custodia_last_error_field_path() -> *const c_char {
    guard(c"".as_ptr(), || {
        LAST_ERROR.with(|last| last.try_borrow().map_or(c"".as_ptr(), |l| l.path.as_ptr()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_the_same_number_in_c() {
        for &code in ErrorCode::ALL {
            assert_eq!(custodia_status::from(code) as u32, code.as_u32(), "{code}");
            // SAFETY: custodia_status_name returns a static C string.
            let name = unsafe { std::ffi::CStr::from_ptr(custodia_status_name(code.as_u32())) };
            assert_eq!(name.to_str().unwrap(), code.name());
        }
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = run(|| {
            let empty: Vec<u8> = Vec::new();
            #[allow(clippy::indexing_slicing)]
            let _ = empty[1];
            Ok(())
        });
        assert_eq!(status, custodia_status::Panic);
        // SAFETY: the last error is a valid C string on this thread.
        let message = unsafe { std::ffi::CStr::from_ptr(custodia_last_error_message()) };
        assert!(message.to_str().unwrap().starts_with("internal error"));
    }
}
