//! [`Taps`]: the handlers a generated bus's topic calls besides its subscribers.
//!
//! One type for every build: with `std` it holds a [`Registry`](crate::Registry) created on
//! first use; without `std` there is no registry, so it holds nothing and notifies no one.

use core::fmt;

#[cfg(feature = "std")]
use crate::registry::Registry;
#[cfg(feature = "std")]
use crate::sync::{AtomicPtr, Ordering, fence};
#[cfg(feature = "std")]
use alloc::boxed::Box;

/// How `Taps::existing` loads the pointer. `Relaxed`, then an `Acquire` fence only when it is
/// not null: an untapped topic's publish pays a plain load on every architecture.
/// ThreadSanitizer does not model standalone fences, so it would report the registry's
/// construction as racing with its first use through this pattern (a false positive: the
/// fence pairs with the `Release` exchange that published the pointer); the TSan tier builds
/// with `--cfg hardwire_tsan`, which makes the load itself `Acquire` — the same
/// synchronization, expressed in a form TSan sees.
#[cfg(feature = "std")]
const LOAD_ORDER: Ordering = if cfg!(hardwire_tsan) { Ordering::Acquire } else { Ordering::Relaxed };

/// The taps of one topic of a generated bus: with `std`, a [`Registry`](crate::Registry)
/// created on first use, so a topic nobody taps costs one pointer in the bus and one
/// relaxed load per publish; without `std`, nothing (topics cannot be tapped).
///
/// ```
/// # #[cfg(feature = "std")] {
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use hardwire_runtime::Taps;
///
/// static TAPS: Taps<u64> = Taps::new();
/// static SEEN: AtomicU64 = AtomicU64::new(0);
/// TAPS.notify(&1); // nobody listening: one relaxed load
/// let guard = TAPS.registry().register_guard(|n| { SEEN.fetch_add(*n, Ordering::Relaxed); });
/// TAPS.notify(&2);
/// drop(guard);
/// TAPS.notify(&3);
/// assert_eq!(SEEN.load(Ordering::Relaxed), 2);
/// # }
/// ```
pub struct Taps<E: 'static> {
    /// Null, or a `Box<Registry<E>>` leaked by `registry` and freed by `drop`.
    #[cfg(feature = "std")]
    registry: AtomicPtr<Registry<E>>,
    #[cfg(not(feature = "std"))]
    registry: core::marker::PhantomData<fn(&E)>,
}

impl<E: 'static> Taps<E> {
    crate::sync::const_fn_unless_loom! {
        /// No taps. `const` (except under loom), and all-zero bytes: usable in `static`s
        /// and zeroed buses.
        #[must_use]
        pub fn new() -> Self {
            #[cfg(feature = "std")]
            let registry = AtomicPtr::new(core::ptr::null_mut());
            #[cfg(not(feature = "std"))]
            let registry = core::marker::PhantomData;
            Self { registry }
        }
    }

    /// The registry, if one was created: one relaxed load when none was.
    #[cfg(feature = "std")]
    #[inline(always)]
    fn existing(&self) -> Option<&Registry<E>> {
        let registry = self.registry.load(LOAD_ORDER);
        if registry.is_null() {
            return None;
        }
        fence(Ordering::Acquire);
        // SAFETY: a non-null pointer came from `Box::into_raw` in `registry` and was
        // published by its release exchange, with which this acquire fence pairs, so the
        // registry is fully built. It is freed only by `drop`, which needs `&mut self`, so
        // it outlives this `&self`.
        Some(unsafe { &*registry })
    }

    /// The registry of this topic's taps, created (allocated) on first use.
    #[cfg(feature = "std")]
    pub fn registry(&self) -> &Registry<E> {
        loop {
            if let Some(registry) = self.existing() {
                return registry;
            }
            let fresh = Box::into_raw(Box::new(Registry::new()));
            let published =
                self.registry.compare_exchange(core::ptr::null_mut(), fresh, Ordering::Release, Ordering::Relaxed);
            if published.is_err() {
                // SAFETY: `fresh` came from `Box::into_raw` just above and was never
                // shared: the exchange failed. Another thread's registry is used instead.
                drop(unsafe { Box::from_raw(fresh) });
            }
        }
    }

    /// Whether no tap is registered: one relaxed load when the topic was never tapped
    /// (always `true` without `std`).
    #[must_use]
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        #[cfg(feature = "std")]
        return self.existing().is_none_or(Registry::is_empty);
        #[cfg(not(feature = "std"))]
        true
    }

    /// Calls every tap with `event` ([`Registry::notify`](crate::Registry::notify)); returns
    /// how many returned (always 0 without `std`).
    #[inline(always)]
    pub fn notify(&self, event: &E) -> usize {
        #[cfg(feature = "std")]
        return self.existing().map_or(0, |registry| registry.notify(event));
        #[cfg(not(feature = "std"))]
        {
            let _ = event;
            0
        }
    }
}

impl<E: 'static> Default for Taps<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl<E: 'static> Drop for Taps<E> {
    fn drop(&mut self) {
        let registry = self.registry.swap(core::ptr::null_mut(), Ordering::Acquire);
        if !registry.is_null() {
            // SAFETY: non-null means it came from `Box::into_raw` in `registry` and was
            // never freed; `&mut self` means no borrow of it is left.
            drop(unsafe { Box::from_raw(registry) });
        }
    }
}

// SAFETY: all-zero bytes are a null `AtomicPtr` (or, without `std`, a zero-sized
// `PhantomData`): no registry, exactly `Taps::new()`.
#[cfg(not(loom))]
unsafe impl<E: 'static> bytemuck::Zeroable for Taps<E> {}

impl<E: 'static> fmt::Debug for Taps<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Taps").field("empty", &self.is_empty()).finish()
    }
}
