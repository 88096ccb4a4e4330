//! The one place the runtime imports atomics, fences, locks and yields from.
//!
//! Under `--cfg loom` every item here is loom's model of it, so the loom models in
//! `tests/loom_*.rs` exercise the shipped code rather than a copy of the protocol. In
//! every other build they are the `core`/`std` items themselves, at zero cost.
//!
//! loom's atomics cannot be built in a `const` context, so constructors that are
//! `const fn` in normal builds are plain `fn`s under loom ([`const_fn_unless_loom!`]).

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
#[cfg(all(feature = "std", not(loom)))]
pub(crate) use core::sync::atomic::{AtomicPtr, AtomicUsize};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, fence};
#[cfg(all(feature = "std", loom))]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicUsize};

#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(all(feature = "std", not(loom)))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

/// Locks `mutex`, recovering the data if a thread panicked while holding it. Every lock in
/// the runtime guards state that each critical section leaves consistent (none runs user
/// code that could unwind half-way through an update), so a poisoned lock carries no broken
/// invariant, and refusing to go on would turn one panic into many.
#[cfg(feature = "std")]
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One step of a spin loop.
///
/// Under loom this must yield to the model scheduler, or a model with a spinning thread
/// could never finish.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Gives the rest of this time slice to another thread.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Declares a constructor that is a `const fn` in normal builds and a plain `fn` under
/// loom, from one body.
macro_rules! const_fn_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        $vis const fn $name($($arg: $ty),*) -> $ret $body

        #[cfg(loom)]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> $ret $body
    };
}

/// `[expr; N]` for a non-`Copy` element: an inline-`const` repeat in normal builds,
/// `array::from_fn` under loom (whose constructors are not `const`).
macro_rules! array_of {
    ($make:expr; $n:expr) => {{
        #[cfg(not(loom))]
        let array = [const { $make }; $n];
        #[cfg(loom)]
        let array = core::array::from_fn(|_| $make);
        array
    }};
}

pub(crate) use {array_of, const_fn_unless_loom};
