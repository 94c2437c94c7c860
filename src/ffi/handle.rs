//! The one audited place where handles become pointers and back.
//!
//! A handle type `H` (an opaque C struct) is tied to the Rust value it
//! stands for by [`Handle`], so a pointer can only be turned back into the
//! type it was made from.

use super::{Failure, write_out};

/// An opaque C handle type and the Rust value behind it.
pub(crate) trait Handle {
    /// The Rust value a pointer to this handle owns.
    type Target;
}

/// Boxes `value` and gives C the pointer, which C later passes to [`free`].
pub(crate) fn into_raw<H: Handle>(value: H::Target) -> *mut H {
    Box::into_raw(Box::new(value)).cast()
}

/// Writes a new handle for `value` to `out` (checked non-NULL by the caller).
pub(crate) fn give<H: Handle>(out: *mut *mut H, value: H::Target) {
    write_out(out, into_raw::<H>(value));
}

/// Borrows the value behind a handle pointer, or fails if it is NULL.
///
/// # Safety
/// `ptr` is NULL or came from [`into_raw`] for the same `H` and has not been
/// freed, and no one mutates it for the lifetime `'a`.
pub(crate) unsafe fn borrow<'a, H: Handle>(
    ptr: *const H,
    argument: &str,
) -> Result<&'a H::Target, Failure> {
    // SAFETY: by this function's contract the pointer is NULL (caught by
    // `as_ref`) or points to a live `H::Target` made by `into_raw`.
    unsafe { ptr.cast::<H::Target>().as_ref() }.ok_or_else(|| Failure::null(argument))
}

/// Borrows the value behind a handle pointer mutably, or fails if NULL.
///
/// # Safety
/// As for [`borrow`], and no other reference to it exists for `'a`.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(
    ptr: *mut H,
    argument: &str,
) -> Result<&'a mut H::Target, Failure> {
    // SAFETY: as in `borrow`; the caller guarantees exclusive access.
    unsafe { ptr.cast::<H::Target>().as_mut() }.ok_or_else(|| Failure::null(argument))
}

/// Frees a handle; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or came from [`into_raw`] for the same `H` and was not
/// freed before.
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H) {
    if !ptr.is_null() {
        // SAFETY: by this function's contract `ptr` is an unfreed pointer
        // from `Box::into_raw` of an `H::Target`.
        drop(unsafe { Box::from_raw(ptr.cast::<H::Target>()) });
    }
}

/// Checks that an out-pointer is not NULL.
pub(crate) fn out<T>(ptr: *mut T, argument: &str) -> Result<*mut T, Failure> {
    if ptr.is_null() {
        Err(Failure::null(argument))
    } else {
        Ok(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Opaque;
    impl Handle for Opaque {
        type Target = String;
    }

    #[test]
    fn round_trip_and_null_handling() {
        let ptr = into_raw::<Opaque>("kept".to_owned());
        // SAFETY: `ptr` was just made by `into_raw` for `Opaque`.
        unsafe {
            assert_eq!(borrow(ptr, "h").unwrap(), "kept");
            borrow_mut(ptr, "h").unwrap().push('!');
            assert_eq!(borrow(ptr, "h").unwrap(), "kept!");
            free(ptr);
            assert!(borrow::<Opaque>(std::ptr::null(), "h").is_err());
            free::<Opaque>(std::ptr::null_mut());
        }
        assert!(out::<u8>(std::ptr::null_mut(), "x").is_err());
    }
}
