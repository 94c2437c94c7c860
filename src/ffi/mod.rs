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

mod audit;
mod clean;
mod crypt;
mod dedupe;
mod handle;
mod mask;
mod pipeline;
mod profile;
mod record;
mod schema;
mod text;

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, ErrorCode, SettingProblem};

/// The result of every fallible custodia function: 0 (`CUSTODIA_STATUS_OK`)
/// is success, any other number is an [`ErrorCode`]. The C header declares
/// it as `enum custodia_status`, generated from [`ErrorCode::ALL`] by
/// `tests/header.rs`, so the codes are listed only in `src/error.rs`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_status(u32);

impl custodia_status {
    /// Success.
    pub(crate) const OK: Self = Self(0);
}

impl From<ErrorCode> for custodia_status {
    fn from(code: ErrorCode) -> Self {
        Self(code.as_u32())
    }
}

/// Why a C call failed: a status, a message, maybe a field path, and for
/// a bad setting where it is and what is wrong with it.
#[derive(Debug)]
pub(crate) struct Failure {
    status: custodia_status,
    message: String,
    path: Option<String>,
    setting: Option<(String, SettingProblem)>,
}

impl Failure {
    /// A NULL pointer where one was required; `argument` is its C name.
    pub(crate) fn null(argument: &str) -> Self {
        Self {
            status: ErrorCode::NullArgument.into(),
            message: format!("argument `{argument}` is NULL"),
            path: None,
            setting: None,
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self {
            status: err.code().into(),
            message: err.to_string(),
            path: err.field_path().map(|p| p.as_str().to_owned()),
            setting: err
                .setting_path()
                .zip(err.setting_problem())
                .map(|(path, problem)| (path.to_string(), problem)),
        }
    }
}

impl From<crate::ErrorKind> for Failure {
    fn from(kind: crate::ErrorKind) -> Self {
        Error::from(kind).into()
    }
}

struct LastError {
    message: CString,
    path: CString,
    setting: CString,
    /// The problem's name with its NUL, or "\0": always NUL-terminated.
    problem: &'static str,
}

impl Default for LastError {
    fn default() -> Self {
        Self {
            message: CString::default(),
            path: CString::default(),
            setting: CString::default(),
            problem: "\0",
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::default();
}

/// NUL bytes cannot appear in a C string; messages never need them.
fn c_string(text: String) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

fn set_last_error(failure: Option<Failure>) {
    LAST_ERROR.with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            let failure = failure.map_or((String::new(), None, None), |f| {
                (f.message, f.path, f.setting)
            });
            let (message, path, setting) = failure;
            let (setting, problem) = setting.map_or((String::new(), "\0"), |(path, problem)| {
                (path, problem.name_with_nul())
            });
            last.message = c_string(message);
            last.path = c_string(path.unwrap_or_default());
            last.setting = c_string(setting);
            last.problem = problem;
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
            status: ErrorCode::Panic.into(),
            message: "internal error (panic); free the handles involved".into(),
            path: None,
            setting: None,
        }),
        body,
    );
    match outcome {
        Ok(()) => {
            set_last_error(None);
            custodia_status::OK
        }
        Err(mut failure) => {
            if failure.status == ErrorCode::Panic.into()
                && let Some(place) = crate::panic::take_last_panic()
            {
                failure.message =
                    format!("internal error (panic at {place}); free the handles involved");
            }
            let status = failure.status;
            set_last_error(Some(failure));
            status
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
            _ if status == 0 => "OK\0",
            Some(code) => code.name_with_nul(),
            None => "UNKNOWN_STATUS\0",
        };
        name.as_ptr().cast()
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

/// For the last failed custodia call on this thread, when it was about a
/// setting of a schema, masking policy or dedupe settings: where that
/// setting is, as keys and list positions from the top of the settings'
/// JSON, e.g. "fields[3].kind", "audiences.support.phone" or
/// "blocking[0]". "" when the error is not about one setting (or is about
/// the document as a whole; see custodia_last_error_setting_problem).
/// Same lifetime rules as custodia_last_error_message. Never NULL.
/// Thread-safe (per thread).
#[unsafe(no_mangle)]
pub extern "C" fn custodia_last_error_setting_path() -> *const c_char {
    guard(c"".as_ptr(), || {
        LAST_ERROR.with(|last| {
            last.try_borrow()
                .map_or(c"".as_ptr(), |l| l.setting.as_ptr())
        })
    })
}

/// For the last failed custodia call on this thread, when it was about a
/// setting: the stable name of what is wrong with it, one of "missing",
/// "unknown_key", "wrong_type", "unknown_name", "out_of_range",
/// "bad_name", "unknown_field", "duplicate", "empty", "conflict",
/// "unsupported", "mismatch", "too_large" or "invalid" (more may be
/// added). "" when the error was not about a setting. Static; never NULL.
/// Thread-safe (per thread).
#[unsafe(no_mangle)]
pub extern "C" fn custodia_last_error_setting_problem() -> *const c_char {
    guard(c"".as_ptr(), || {
        LAST_ERROR.with(|last| {
            last.try_borrow()
                .map_or(c"".as_ptr(), |l| l.problem.as_ptr().cast())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_the_same_number_in_c() {
        for &code in ErrorCode::ALL {
            assert_eq!(custodia_status::from(code).0, code.as_u32(), "{code}");
            // SAFETY: custodia_status_name returns a static C string.
            let name = unsafe { std::ffi::CStr::from_ptr(custodia_status_name(code.as_u32())) };
            assert_eq!(name.to_str().unwrap(), code.name());
        }
    }

    #[test]
    fn setting_errors_reach_c_with_path_and_problem() {
        let read = |f: extern "C" fn() -> *const c_char| {
            // SAFETY: the accessors return valid C strings on this thread.
            unsafe { std::ffi::CStr::from_ptr(f()) }
                .to_str()
                .map(str::to_owned)
        };
        let status = run(|| {
            Err(Error::policy(
                crate::SettingPath::of(&["audiences", "support", "phone"]),
                SettingProblem::UnknownName,
                "unknown operator `blur`",
            )
            .into())
        });
        assert_eq!(status, ErrorCode::InvalidPolicy.into());
        assert_eq!(
            read(custodia_last_error_setting_path).as_deref(),
            Ok("audiences.support.phone")
        );
        assert_eq!(
            read(custodia_last_error_setting_problem).as_deref(),
            Ok("unknown_name")
        );
        assert_eq!(read(custodia_last_error_field_path).as_deref(), Ok(""));
        // Another error clears them, and so does success.
        run(|| Err(Failure::null("x")));
        assert_eq!(read(custodia_last_error_setting_path).as_deref(), Ok(""));
        assert_eq!(read(custodia_last_error_setting_problem).as_deref(), Ok(""));
        // The header lists every problem name.
        let header = include_str!("../../include/custodia.h");
        for problem in SettingProblem::ALL {
            assert!(
                header.contains(&format!("\"{}\"", problem.name())),
                "{problem}"
            );
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
        assert_eq!(status, ErrorCode::Panic.into());
        // SAFETY: the last error is a valid C string on this thread.
        let message = unsafe { std::ffi::CStr::from_ptr(custodia_last_error_message()) };
        assert!(message.to_str().unwrap().starts_with("internal error"));
    }
}
