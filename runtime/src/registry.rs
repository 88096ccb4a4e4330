//! A registry of handlers added and removed while the program runs: plugins, debug taps,
//! tests. The topology's subscribers are wired at compile time; a [`Registry`] is for the
//! handlers that cannot be.
//!
//! Reads are lock-free: the handlers live in an immutable, ordered snapshot that writers
//! replace as a whole, so [`Registry::notify`] is a load of the snapshot, an announcement
//! that keeps it alive (a store into a slot its thread owns, and a re-check: see
//! `snapshot.rs`) and a call per handler, with no allocation unless a handler panics. A
//! snapshot replaced while a notify still uses it is freed by a later write or
//! [`Registry::unregister_and_wait`]. Each call is
//! isolated with `catch_unwind`: a panicking handler is counted, reported to the
//! [`Registry::set_on_panic`] callback, and does not stop the others.
//! [`Registry::notify_trusted`] skips the isolation for callers who prefer the cycles.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::fmt;
#[cfg(feature = "async")]
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::mutant;
use crate::snapshot::Snapshot;
use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering, const_fn_unless_loom, spin_hint, yield_now};

/// Identifies a registered handler, for [`Registry::unregister`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandlerId(u64);

impl fmt::Display for HandlerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler #{}", self.0)
    }
}

/// How a [`Registry`] calls its handlers: [`Immediate`] (the default) or `Async` (feature `async`).
/// Sealed.
pub trait Kind<E>: sealed::Sealed + 'static {
    /// The handler type behind the registry's `Arc`s.
    #[doc(hidden)]
    type Handler: ?Sized + Send + Sync;
}

mod sealed {
    pub trait Sealed {}
}

/// Handlers are `Fn(&E)`, called one after another on the notifying thread.
#[derive(Debug)]
pub enum Immediate {}

impl sealed::Sealed for Immediate {}
impl<E: 'static> Kind<E> for Immediate {
    type Handler = dyn Fn(&E) + Send + Sync;
}

/// Handlers are `Fn(E) -> impl Future`: see [`AsyncRegistry`].
#[cfg(feature = "async")]
#[derive(Debug)]
pub enum Async {}

/// A boxed handler future of an [`AsyncRegistry`].
#[cfg(feature = "async")]
type HandlerFuture = core::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

#[cfg(feature = "async")]
impl sealed::Sealed for Async {}
#[cfg(feature = "async")]
impl<E: 'static> Kind<E> for Async {
    type Handler = dyn Fn(E) -> HandlerFuture + Send + Sync;
}

/// A registry of async handlers (feature `async`): each handler takes the event by value
/// (events are `Copy`, or at least `Clone`) and returns a future.
/// `notify` runs them all concurrently, within the
/// awaiting task (no spawning: any executor works);
/// `notify_sequential` runs them one after
/// another in priority order. Every other method is shared with the synchronous
/// [`Registry`].
///
/// ```
/// # futures_executor::block_on(async {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use hardwire_runtime::AsyncRegistry;
///
/// let registry = AsyncRegistry::<u64>::new();
/// let seen = Arc::new(AtomicU64::new(0));
/// let total = seen.clone();
/// registry.register(move |n| {
///     let total = total.clone();
///     async move { total.fetch_add(n, Ordering::Relaxed); }
/// });
/// registry.register(|_| async { panic!("isolated") });
/// assert_eq!(registry.notify(&2).await, 1); // one completed, one panicked
/// assert_eq!(registry.notify_sequential(&3).await, 1);
/// assert_eq!(seen.load(Ordering::Relaxed), 5);
/// assert_eq!(registry.panics(), 2);
/// # });
/// ```
#[cfg(feature = "async")]
pub type AsyncRegistry<E> = Registry<E, Async>;

type Handler<E, K> = Arc<<K as Kind<E>>::Handler>;
type PanicHook = Arc<dyn Fn(HandlerId, &(dyn Any + Send)) + Send + Sync>;

/// One handler in a snapshot. Snapshots hold entries inline (one indirection fewer per call
/// than a vector of pointers); what must be shared between snapshots — the handler and a
/// once-handler's flag — is behind `Arc`s.
struct Entry<E: 'static, K: Kind<E>> {
    id: HandlerId,
    priority: i32,
    /// `Some` for [`Registry::register_once`]: set by the one notify that calls it.
    fired: Option<Arc<AtomicBool>>,
    handler: Handler<E, K>,
}

impl<E: 'static, K: Kind<E>> Clone for Entry<E, K> {
    fn clone(&self) -> Self {
        Self { id: self.id, priority: self.priority, fired: self.fired.clone(), handler: Arc::clone(&self.handler) }
    }
}

impl<E: 'static, K: Kind<E>> Entry<E, K> {
    fn is_live(&self) -> bool {
        self.fired.as_ref().is_none_or(|fired| !fired.load(Ordering::Acquire))
    }
}

/// A snapshot: the entries in call order, and whether any is a once-handler (when none is,
/// a notify skips the per-entry check).
struct Handlers<E: 'static, K: Kind<E>> {
    entries: Vec<Entry<E, K>>,
    once: bool,
}

impl<E: 'static, K: Kind<E>> core::ops::Deref for Handlers<E, K> {
    type Target = [Entry<E, K>];
    fn deref(&self) -> &[Entry<E, K>] {
        &self.entries
    }
}

/// Handlers of events `E`, added and removed while the program runs, called in priority
/// order (higher first; equal priorities in registration order).
///
/// Reads are lock-free: the handlers live in an immutable, ordered snapshot that writers
/// replace as a whole, so [`Registry::notify`] takes no lock and touches no reference count:
/// it announces the snapshot it reads in a slot of the registry's own, then calls each
/// handler, with no allocation unless a handler panics. Each call is isolated with
/// `catch_unwind`; [`Registry::notify_trusted`] skips the isolation.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use hardwire_runtime::Registry;
///
/// static SEEN: AtomicU64 = AtomicU64::new(0);
/// let registry = Registry::<u64>::new();
/// let id = registry.register(|n| { SEEN.fetch_add(*n, Ordering::Relaxed); });
/// {
///     let _guard = registry.register_guard(|_| panic!("isolated"));
///     assert_eq!(registry.notify(&2), 1); // one call returned, one panicked
/// } // the guard unregisters its handler
/// assert_eq!(registry.notify(&3), 1);
/// assert_eq!(SEEN.load(Ordering::Relaxed), 5);
/// assert_eq!(registry.panics(), 1);
/// assert!(registry.unregister(id));
/// assert!(registry.is_empty());
/// ```
pub struct Registry<E: 'static, K: Kind<E> = Immediate> {
    /// `None` when no handler was ever registered or all were removed.
    snapshot: Snapshot<Handlers<E, K>>,
    /// Serializes writers; readers never take it.
    write: Mutex<()>,
    next_id: AtomicU64,
    /// Entries in the current snapshot, written under the write lock: 0 means a notify
    /// has nothing to call. Once-handlers already called still count until the next write
    /// prunes them, so this is never lower than the handlers a notify would call.
    entries: AtomicUsize,
    panics: AtomicU64,
    on_panic: Mutex<Option<PanicHook>>,
    /// Handlers that left the current snapshot (removed, cleared, or a once-handler that
    /// fired) while an older snapshot may still call them, by id: what
    /// [`Registry::unregister_and_wait`] waits on. Dead entries are pruned at each write.
    retired: Mutex<Vec<(HandlerId, Weak<K::Handler>)>>,
}

impl<E: 'static, K: Kind<E>> Registry<E, K> {
    const_fn_unless_loom! {
        /// An empty registry. `const`: a registry can be a `static`.
        #[must_use]
        pub fn new() -> Self {
            Self {
                snapshot: Snapshot::empty(),
                write: Mutex::new(()),
                next_id: AtomicU64::new(1),
                entries: AtomicUsize::new(0),
                panics: AtomicU64::new(0),
                on_panic: Mutex::new(None),
                retired: Mutex::new(Vec::new()),
            }
        }
    }

    fn insert(&self, priority: i32, once: bool, handler: Handler<E, K>) -> HandlerId {
        let id = HandlerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let entry = Entry { id, priority, fired: once.then(|| Arc::new(AtomicBool::new(false))), handler };
        self.rewrite(|entries| {
            let at = entries.iter().position(|e| e.priority < priority).unwrap_or(entries.len());
            entries.insert(at, entry);
        });
        id
    }

    /// Replaces the snapshot with `edit` applied to its live entries, under the write lock;
    /// returns the replaced snapshots no notify can reach any more, for the caller to drop
    /// after the lock (dropping them may run handlers' destructors).
    ///
    /// Every entry of the old snapshot that the new one lacks is recorded as retired, so
    /// that [`Registry::unregister_and_wait`] can find a handler however it left.
    fn rewrite(&self, edit: impl FnOnce(&mut Vec<Entry<E, K>>)) -> Vec<Arc<Handlers<E, K>>> {
        let _writer = crate::sync::lock(&self.write);
        let current = self.snapshot.load_full();
        let old: &[Entry<E, K>] = current.as_deref().map_or(&[], |handlers| &handlers.entries);
        let mut entries: Vec<Entry<E, K>> = old.iter().filter(|e| e.is_live()).cloned().collect();
        edit(&mut entries);
        {
            let mut retired = crate::sync::lock(&self.retired);
            retired.retain(|(_, handler)| handler.strong_count() > 0);
            let forgotten = if mutant::NO_RETIRE { old.len() } else { 0 };
            for gone in old.iter().skip(forgotten).filter(|e| !entries.iter().any(|kept| kept.id == e.id)) {
                retired.push((gone.id, Arc::downgrade(&gone.handler)));
            }
        }
        self.entries.store(entries.len(), Ordering::Release);
        let once = entries.iter().any(|e| e.fired.is_some());
        let next = if entries.is_empty() { None } else { Some(Arc::new(Handlers { entries, once })) };
        self.snapshot.replace(next)
    }

    /// Removes a handler. Returns whether it was registered. A notify already running may
    /// still call it once; [`Registry::unregister_and_wait`] waits for those.
    pub fn unregister(&self, id: HandlerId) -> bool {
        let mut found = false;
        self.rewrite(|entries| {
            let before = entries.len();
            entries.retain(|e| e.id != id);
            found = entries.len() != before;
        });
        found
    }

    /// Removes a handler and returns only when no notify still running can call it —
    /// whether this call removed it, or it had already left the registry (removed by
    /// another thread, cleared, dropped with its guard, or a once-handler that fired) while
    /// a notify that loaded it before is still calling it. Returns whether this call
    /// removed it. Must not be called from inside a handler of this registry (it would
    /// wait for itself). It blocks the thread: on an `AsyncRegistry` with a
    /// `notify_sequential` in flight, do not call it from a task that the same executor
    /// thread must poll to finish that notify.
    pub fn unregister_and_wait(&self, id: HandlerId) -> bool {
        let removed = self.unregister(id);
        if mutant::UNREGISTER_NO_WAIT {
            return removed;
        }
        // `unregister` retired it (or an earlier write did). Every snapshot that still
        // lists it holds a reference to it, and a snapshot a notify loaded stays alive
        // until that notify returns: it is announced (the snapshot is then kept among the
        // retired ones, which `reclaim` frees only once nobody announces them) or counted.
        // So once ours is the only reference left, no snapshot lists it and no notify can
        // reach it — however many snapshots ago the running notifies loaded theirs. A
        // retired handler nobody references any more cannot be running.
        let handler = {
            let retired = crate::sync::lock(&self.retired);
            retired.iter().find(|(retired_id, _)| *retired_id == id).and_then(|(_, handler)| handler.upgrade())
        };
        if let Some(handler) = handler {
            let mut spins = 0u32;
            loop {
                // Frees the retired snapshots no notify announces any more (outside the
                // lock: dropping them may run handlers' destructors).
                drop(self.snapshot.reclaim());
                if Arc::strong_count(&handler) == 1 {
                    break;
                }
                if spins < 64 {
                    spin_hint();
                    spins += 1;
                } else {
                    yield_now();
                }
            }
        }
        removed
    }

    /// Removes every handler.
    pub fn clear(&self) {
        self.rewrite(Vec::clear);
    }

    /// How many handlers a notify would call now.
    #[must_use]
    pub fn handler_count(&self) -> usize {
        self.snapshot.load().map_or(0, |entries| entries.iter().filter(|e| e.is_live()).count())
    }

    /// Whether no handler is registered. One relaxed load: cheap enough to guard every
    /// publish of a topic with taps. (A once-handler already called may still count as
    /// registered until the next registration or removal.)
    #[must_use]
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.load(Ordering::Relaxed) == 0
    }

    /// Whether `id` is registered (and, for a once-handler, not yet called).
    #[must_use]
    pub fn contains(&self, id: HandlerId) -> bool {
        self.snapshot.load().is_some_and(|entries| entries.iter().any(|e| e.id == id && e.is_live()))
    }

    /// Panics caught by [`Registry::notify`] so far.
    #[must_use]
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// Calls `hook` with the handler's id and the panic payload each time a handler panics
    /// inside [`Registry::notify`] (replacing any earlier hook). [`panic_message`] reads the
    /// usual payloads.
    pub fn set_on_panic(&self, hook: impl Fn(HandlerId, &(dyn Any + Send)) + Send + Sync + 'static) {
        *crate::sync::lock(&self.on_panic) = Some(Arc::new(hook));
    }

    /// Whether this notify may call `entry`: always, except a once-handler already called
    /// (by this or a concurrent notify: the swap lets exactly one of them through).
    #[inline]
    fn claim(&self, entry: &Entry<E, K>) -> bool {
        entry.fired.as_ref().is_none_or(|fired| !fired.swap(true, Ordering::AcqRel))
    }

    #[cold]
    fn report_panic(&self, id: HandlerId, payload: &(dyn Any + Send)) {
        self.panics.fetch_add(1, Ordering::Relaxed);
        let hook = crate::sync::lock(&self.on_panic).clone();
        if let Some(hook) = hook {
            // A panicking hook must not escape `notify` either.
            let _ = catch_unwind(AssertUnwindSafe(|| hook(id, payload)));
        }
    }
}

impl<E: 'static> Registry<E> {
    /// Registers `handler` at priority 0.
    pub fn register(&self, handler: impl Fn(&E) + Send + Sync + 'static) -> HandlerId {
        self.insert(0, false, Arc::new(handler))
    }

    /// Registers `handler` at `priority`: higher priorities are called first, equal ones in
    /// registration order.
    pub fn register_with_priority(&self, priority: i32, handler: impl Fn(&E) + Send + Sync + 'static) -> HandlerId {
        self.insert(priority, false, Arc::new(handler))
    }

    /// Registers `handler` to be called by the next notify only; it then counts as removed.
    pub fn register_once(&self, handler: impl Fn(&E) + Send + Sync + 'static) -> HandlerId {
        self.insert(0, true, Arc::new(handler))
    }

    /// Registers `handler` for as long as the returned guard lives.
    pub fn register_guard(&self, handler: impl Fn(&E) + Send + Sync + 'static) -> HandlerGuard<'_, E> {
        HandlerGuard { registry: self, id: Some(self.register(handler)) }
    }

    /// Calls every handler with `event`, in order, each isolated with `catch_unwind`.
    /// Returns how many returned normally. No allocation unless a handler panics.
    #[inline]
    pub fn notify(&self, event: &E) -> usize {
        if self.is_empty() {
            return 0;
        }
        let Some(snapshot) = self.snapshot.load() else { return 0 };
        if !snapshot.once {
            let mut called = snapshot.len();
            for entry in snapshot.iter() {
                called -= usize::from(!self.call_isolated(entry, event));
            }
            return called;
        }
        let mut called = 0;
        for entry in snapshot.iter() {
            if self.claim(entry) {
                called += usize::from(self.call_isolated(entry, event));
            }
        }
        called
    }

    /// Calls one handler inside its own `catch_unwind`; returns whether it returned normally.
    /// (One `catch_unwind` per handler: a single one around the whole loop needs the resume
    /// position in memory across every call, which measured slower.)
    #[inline(always)]
    fn call_isolated(&self, entry: &Entry<E, Immediate>, event: &E) -> bool {
        match catch_unwind(AssertUnwindSafe(|| (entry.handler)(event))) {
            Ok(()) => true,
            Err(payload) => {
                self.report_panic(entry.id, payload.as_ref());
                false
            }
        }
    }

    /// [`Registry::notify`] without panic isolation: a panicking handler unwinds into the
    /// caller and the handlers after it are not called. Returns how many were called.
    #[inline]
    pub fn notify_trusted(&self, event: &E) -> usize {
        if self.is_empty() {
            return 0;
        }
        let Some(snapshot) = self.snapshot.load() else { return 0 };
        if !snapshot.once {
            for entry in snapshot.iter() {
                (entry.handler)(event);
            }
            return snapshot.len();
        }
        let mut called = 0;
        for entry in snapshot.iter() {
            if self.claim(entry) {
                (entry.handler)(event);
                called += 1;
            }
        }
        called
    }
}

impl<E: 'static, K: Kind<E>> Default for Registry<E, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: 'static, K: Kind<E>> fmt::Debug for Registry<E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("handlers", &self.handler_count()).field("panics", &self.panics()).finish()
    }
}

#[cfg(feature = "async")]
impl<E: Clone + Send + 'static> Registry<E, Async> {
    fn boxed<F, Fut>(handler: F) -> Handler<E, Async>
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Arc::new(move |event| -> HandlerFuture { Box::pin(handler(event)) })
    }

    /// Registers `handler` at priority 0.
    pub fn register<F, Fut>(&self, handler: F) -> HandlerId
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.insert(0, false, Self::boxed(handler))
    }

    /// Registers `handler` at `priority`: [`notify_sequential`](Self::notify_sequential)
    /// runs higher priorities first, equal ones in registration order, and
    /// [`notify`](Self::notify) starts them in that order.
    pub fn register_with_priority<F, Fut>(&self, priority: i32, handler: F) -> HandlerId
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.insert(priority, false, Self::boxed(handler))
    }

    /// Registers `handler` to be called by the next notify only; it then counts as removed.
    pub fn register_once<F, Fut>(&self, handler: F) -> HandlerId
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.insert(0, true, Self::boxed(handler))
    }

    /// Registers `handler` for as long as the returned guard lives.
    pub fn register_guard<F, Fut>(&self, handler: F) -> HandlerGuard<'_, E, Async>
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        HandlerGuard { registry: self, id: Some(self.register(handler)) }
    }

    /// Calls every handler with a copy of `event` and runs their futures concurrently,
    /// within the awaiting task, until all are done. Each call and each poll is isolated
    /// with `catch_unwind`: a panicking handler is counted and reported to the
    /// [`set_on_panic`](Registry::set_on_panic) hook, and the others run on. Returns how
    /// many futures completed. Allocates the futures' boxes and one vector per call.
    ///
    /// The handlers are all called before the first `await`, so once this future has been
    /// polled, [`unregister_and_wait`](Registry::unregister_and_wait) no longer waits for
    /// it (futures already started run to completion).
    pub async fn notify(&self, event: &E) -> usize {
        let mut running: Vec<(HandlerId, HandlerFuture)> = Vec::new();
        if !self.is_empty() {
            let snapshot = self.snapshot.load();
            for entry in snapshot.iter().flat_map(|entries| entries.iter()) {
                if self.claim(entry) {
                    match catch_unwind(AssertUnwindSafe(|| (entry.handler)(event.clone()))) {
                        Ok(future) => running.push((entry.id, future)),
                        Err(payload) => self.report_panic(entry.id, payload.as_ref()),
                    }
                }
            }
        }
        let mut completed = 0;
        core::future::poll_fn(|cx| {
            running.retain_mut(|(id, future)| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                Ok(Poll::Pending) => true,
                Ok(Poll::Ready(())) => {
                    completed += 1;
                    false
                }
                Err(payload) => {
                    self.report_panic(*id, payload.as_ref());
                    false
                }
            });
            if running.is_empty() { Poll::Ready(completed) } else { Poll::Pending }
        })
        .await
    }

    /// Calls the handlers one at a time in priority order, awaiting each future before
    /// calling the next handler, each isolated as in [`notify`](Self::notify). Returns how
    /// many futures completed. Holds the snapshot it started with until it returns, so
    /// [`unregister_and_wait`](Registry::unregister_and_wait) waits for it.
    pub async fn notify_sequential(&self, event: &E) -> usize {
        if self.is_empty() {
            return 0;
        }
        let Some(entries) = self.snapshot.load_full() else { return 0 };
        let mut completed = 0;
        for entry in entries.iter() {
            if !self.claim(entry) {
                continue;
            }
            let mut future = match catch_unwind(AssertUnwindSafe(|| (entry.handler)(event.clone()))) {
                Ok(future) => future,
                Err(payload) => {
                    self.report_panic(entry.id, payload.as_ref());
                    continue;
                }
            };
            let finished =
                core::future::poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(())) => Poll::Ready(true),
                    Err(payload) => {
                        self.report_panic(entry.id, payload.as_ref());
                        Poll::Ready(false)
                    }
                })
                .await;
            completed += usize::from(finished);
        }
        completed
    }
}

/// The text of a panic payload (`panic!("..")` with a literal or a format string), if it
/// has one.
#[must_use]
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload.downcast_ref::<&'static str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Unregisters its handler when dropped. From [`Registry::register_guard`].
#[must_use = "dropping the guard unregisters the handler at once"]
pub struct HandlerGuard<'r, E: 'static, K: Kind<E> = Immediate> {
    registry: &'r Registry<E, K>,
    id: Option<HandlerId>,
}

impl<E: 'static, K: Kind<E>> HandlerGuard<'_, E, K> {
    /// The handler's id.
    #[must_use]
    pub fn id(&self) -> HandlerId {
        self.id.unwrap_or(HandlerId(0))
    }

    /// Keeps the handler registered after the guard is gone; returns its id.
    pub fn forget(mut self) -> HandlerId {
        self.id.take().unwrap_or(HandlerId(0))
    }
}

impl<E: 'static, K: Kind<E>> Drop for HandlerGuard<'_, E, K> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.registry.unregister(id);
        }
    }
}

impl<E: 'static, K: Kind<E>> fmt::Debug for HandlerGuard<'_, E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerGuard").field("id", &self.id).finish()
    }
}
