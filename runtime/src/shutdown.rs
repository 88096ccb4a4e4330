//! A shutdown token that stops loops and wakes blocked waiters.

use crate::sync::{AtomicBool, Ordering, const_fn_unless_loom, fence};

/// A flag that, once triggered, makes every wait that was given it return.
///
/// Pass it to [`Subscriber::recv_until`](crate::Subscriber::recv_until),
/// [`Publisher::publish_until`](crate::Publisher::publish_until) and friends. Triggering
/// it wakes waiters that are parked (the [`WaitStrategy::Block`](crate::WaitStrategy)
/// family) as well as spinning ones. It can live in a `static`:
///
/// ```
/// use hardwire_runtime::Shutdown;
/// static STOP: Shutdown = Shutdown::new();
/// assert!(!STOP.is_triggered());
/// STOP.trigger();
/// assert!(STOP.is_triggered());
/// ```
pub struct Shutdown {
    triggered: AtomicBool,
}

impl Shutdown {
    const_fn_unless_loom! {
        /// A token that has not been triggered.
        #[must_use]
        pub fn new() -> Self {
            Self { triggered: AtomicBool::new(false) }
        }
    }

    /// Triggers the shutdown and wakes every parked waiter. Idempotent.
    pub fn trigger(&self) {
        self.triggered.store(true, Ordering::Release);
        // SeqCst: pairs with the SeqCst fence a parking waiter executes after announcing
        // itself; either it sees the flag, or the wake below finds it parked.
        fence(Ordering::SeqCst);
        crate::wait::wake_all_parked();
    }

    /// Whether [`trigger`](Self::trigger) was called.
    #[inline]
    #[must_use]
    pub fn is_triggered(&self) -> bool {
        // Acquire: pairs with the Release in `trigger`, so work done before triggering is
        // visible to a loop that stops on it.
        self.triggered.load(Ordering::Acquire)
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shutdown").field("triggered", &self.is_triggered()).finish()
    }
}
