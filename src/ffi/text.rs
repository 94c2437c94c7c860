//! Strings across the boundary: UTF-8 (pointer, length) in; borrowed
//! `custodia_str` views and owned strings out.
//!
//! Owned strings carry a hidden length header in front of the bytes, so
//! [`custodia_string_free`] can release them exactly even when a value holds
//! an interior NUL (C's `strlen` would stop there).

use std::ffi::c_char;
use std::mem::size_of;

use super::{Failure, guard, write_out};
use crate::error::{ErrorKind, FieldPath};

/// A borrowed UTF-8 string: `len` bytes at `ptr`, not NUL-terminated. It
/// belongs to the handle it came from and is valid until that handle is
/// freed or changed. `ptr` is never NULL, even for an empty string.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_str {
    /// The first byte.
    pub ptr: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

impl custodia_str {
    /// A view of `text`, which must outlive the view's use in C.
    pub(crate) fn of(text: &str) -> Self {
        Self::of_bytes(text.as_bytes())
    }

    /// A view of `bytes` (documented where they may not be UTF-8).
    pub(crate) fn of_bytes(bytes: &[u8]) -> Self {
        Self {
            ptr: bytes.as_ptr().cast(),
            len: bytes.len(),
        }
    }
}

/// Reads a (pointer, length) string argument. `(NULL, 0)` is "".
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for
/// the lifetime `'a`.
pub(crate) unsafe fn str_arg<'a>(
    ptr: *const c_char,
    len: usize,
    argument: &str,
) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok("")
        } else {
            Err(Failure::null(argument))
        };
    }
    if len > isize::MAX as usize {
        return Err(ErrorKind::TooLarge {
            path: FieldPath::new(argument),
            len,
            limit: isize::MAX as usize,
        }
        .into());
    }
    // SAFETY: `ptr` is non-NULL, and the caller promises `len` readable bytes
    // that outlive 'a; `len` fits in isize (checked above).
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|_| {
        ErrorKind::InvalidUtf8 {
            path: FieldPath::new(argument),
        }
        .into()
    })
}

const HEADER: usize = size_of::<usize>();

/// Copies `text` into a new NUL-terminated string for C, freed with
/// [`custodia_string_free`].
pub(crate) fn owned(text: &str) -> *mut c_char {
    let mut bytes = Vec::with_capacity(HEADER + text.len() + 1);
    bytes.extend_from_slice(&text.len().to_ne_bytes());
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(0);
    let block: *mut u8 = Box::into_raw(bytes.into_boxed_slice()).cast();
    // SAFETY: the block is HEADER + len + 1 bytes long, so HEADER is in bounds.
    unsafe { block.add(HEADER) }.cast()
}

/// Writes an owned copy of `text` and its length to the out-parameters
/// (both checked non-NULL by the caller).
pub(crate) fn give_string(text: &str, out: *mut *mut c_char, len_out: *mut usize) {
    write_out(out, owned(text));
    write_out(len_out, text.len());
}

/// The body of every JSON-in, JSON-out function: borrow the handle, read the
/// JSON argument, let `stage` turn it into the output JSON, hand that out.
///
/// # Safety
/// `handle` is NULL or a live handle of type `H`; `json` is NULL or points
/// to `len` readable bytes; the out-pointers are NULL or writable.
pub(crate) unsafe fn json_stage<H: super::handle::Handle>(
    handle: *const H,
    handle_name: &str,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
    stage: impl FnOnce(&H::Target, &str) -> Result<String, Failure>,
) -> super::custodia_status {
    super::run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let target = unsafe { super::handle::borrow(handle, handle_name) }?;
        // SAFETY: the caller promises `len` readable bytes at `json`.
        let json = unsafe { str_arg(json, len, "json") }?;
        let out = super::handle::out(json_out, "json_out")?;
        let len_out = super::handle::out(len_out, "len_out")?;
        give_string(&stage(target, json)?, out, len_out);
        Ok(())
    })
}

/// Frees a string that custodia returned through a `char **` out-parameter.
/// NULL is a no-op. Thread-safe.
///
/// # Safety
/// `string` is NULL or a string custodia returned that was not freed
/// before. Never pass it memory from elsewhere (for example from malloc).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_string_free(string: *mut c_char) {
    guard((), || {
        if string.is_null() {
            return;
        }
        // SAFETY: `string` came from `owned`, so HEADER bytes before it start
        // the block, and they hold the text length.
        unsafe {
            let block = string.cast::<u8>().sub(HEADER);
            let len = block.cast::<usize>().read_unaligned();
            let slice = std::ptr::slice_from_raw_parts_mut(block, HEADER + len + 1);
            drop(Box::from_raw(slice));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_strings_keep_interior_nul_and_free_exactly() {
        let ptr = owned("a\0b");
        // SAFETY: `ptr` points to 4 bytes: "a\0b" and the terminator.
        let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), 4) };
        assert_eq!(bytes, b"a\0b\0");
        // SAFETY: `ptr` came from `owned` and is freed once.
        unsafe { custodia_string_free(ptr) };
        // SAFETY: NULL is allowed.
        unsafe { custodia_string_free(std::ptr::null_mut()) };
    }

    #[test]
    fn string_arguments() {
        // SAFETY: each pointer is NULL or points to `len` valid bytes.
        unsafe {
            assert_eq!(str_arg(std::ptr::null(), 0, "s").unwrap(), "");
            assert!(str_arg(std::ptr::null(), 3, "s").is_err());
            let bad = [0xff_u8, 0xfe];
            let err = str_arg(bad.as_ptr().cast(), 2, "json").unwrap_err();
            assert_eq!(err.status, crate::ErrorCode::InvalidUtf8.into());
            assert_eq!(str_arg(c"héllo".as_ptr(), 6, "s").unwrap(), "héllo");
        }
    }
}
