//! A heap slot for expanded key state that is overwritten whole when it is
//! dropped: every byte of it, not only the fields the state's own `Drop`
//! zeroizes.
//!
//! Why the fields are not enough: a value is built on the stack and then
//! copied into its heap allocation byte for byte, *including* the bytes no
//! field owns at that moment — padding, the unused tail of a smaller enum
//! variant (FF1 over AES-128 in a slot sized for AES-256), and the inactive
//! member of a union (the `aes` crate keeps its AES-NI and its software key
//! schedules in one union and zeroizes only the one in use). Those bytes
//! hold whatever the stack held before: in optimized builds, the derived
//! keys that the key expansion had just computed there. Dropping the value
//! zeroizes its fields and leaves those bytes in freed heap memory. This
//! slot drops the value in place and then overwrites all
//! `size_of::<T>()` bytes.

use std::fmt;
use std::mem::MaybeUninit;
use std::ops::Deref;

use zeroize::Zeroize;

/// A boxed `T` whose whole allocation is zeroized after `T` is dropped.
pub(crate) struct Wiped<T> {
    /// Always holds an initialized `T` until [`Drop::drop`] runs.
    slot: Box<MaybeUninit<T>>,
}

impl<T> Wiped<T> {
    /// Moves `value` to the heap.
    pub(crate) fn new(value: T) -> Self {
        Self {
            slot: Box::new(MaybeUninit::new(value)),
        }
    }
}

impl<T> Deref for Wiped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `new` is the only constructor and initializes the slot;
        // only `drop` de-initializes it, and nothing can borrow `self`
        // after that.
        unsafe { self.slot.assume_init_ref() }
    }
}

impl<T> Drop for Wiped<T> {
    fn drop(&mut self) {
        // SAFETY: the slot is initialized (see `deref`) and is dropped
        // exactly once, here; afterwards it is only written as bytes, and
        // the box frees a `MaybeUninit<T>`, which runs no destructor.
        unsafe { self.slot.assume_init_drop() };
        // Volatile byte writes over all of `size_of::<T>()`, padding and
        // unused variant bytes included (`MaybeUninit` allows any bytes).
        std::slice::from_mut(&mut *self.slot).zeroize();
    }
}

impl<T> fmt::Debug for Wiped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Wiped(..)")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counted(Arc<AtomicUsize>, [u8; 40]);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn derefs_to_the_value_and_drops_it_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let wiped = Wiped::new(Counted(Arc::clone(&drops), [7; 40]));
        assert_eq!(wiped.1, [7; 40]);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(wiped);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn is_send_and_sync_when_the_value_is() {
        fn check<T: Send + Sync>() {}
        check::<Wiped<Vec<u8>>>();
    }
}
