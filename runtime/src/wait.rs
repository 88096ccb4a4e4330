//! Wait strategies, and how parked waiters are woken.
//!
//! # Strategies
//!
//! A subscriber waiting for an event, or a backpressure publisher waiting for room, calls
//! its [`WaitStrategy`] between attempts. Spinning is fastest when a core is free for the
//! waiter; yielding and parking keep an oversubscribed machine (more threads than cores)
//! moving.
//!
//! # Parking (`std`)
//!
//! Parked waiters sleep on a process-wide table of `SHARDS` mutex/condvar pairs, picked by
//! the address of the ring's wait queue (one for readers, one for writers). A ring keeps
//! only a count of its parked waiters, which the other side loads with `Relaxed` after
//! every publish or receive: one load of a read-mostly cache line, and a wake-up only
//! when somebody sleeps. Because the table is shared, a [`Shutdown`] wakes every parked
//! waiter without knowing which rings they sleep on.
//!
//! Waking is exact for closing a ring, dropping a subscriber and triggering a shutdown:
//! both sides execute a `SeqCst` fence, so either the waiter sees the change before it
//! sleeps or the waker sees the waiter. The per-event wake after a publish or receive has
//! no fence (it would cost more than the publish itself), so a waiter that goes to sleep
//! at the very instant of the event can miss that one wake-up. It then wakes on its own
//! after a backstop of 1 ms, doubling to at most 64 ms while nothing arrives: a bounded
//! delay, never a hang.

use crate::shutdown::Shutdown;
use crate::sync::{AtomicU32, Ordering, const_fn_unless_loom, spin_hint};

#[cfg(feature = "std")]
use crate::sync::{Condvar, Mutex, fence, yield_now};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

/// How a subscriber or publisher waits when it cannot make progress.
///
/// Set per handle with `set_wait_strategy`. The default is [`WaitStrategy::backoff()`]
/// with `std`, [`WaitStrategy::BusySpin`] without.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitStrategy {
    /// Spin with a CPU pause hint. Lowest latency; occupies a core while waiting. With
    /// `std` it also yields once every 4096 spins, so a spinning thread on a machine with
    /// more threads than cores cannot starve the thread it waits for.
    BusySpin,
    /// Yield the time slice between attempts.
    #[cfg(feature = "std")]
    Yield,
    /// Spin `spins` rounds (each twice as long as the last, up to 64 pauses), then yield
    /// `yields` times, then park as [`WaitStrategy::Block`] does.
    #[cfg(feature = "std")]
    Backoff {
        /// Rounds of spinning before yielding.
        spins: u32,
        /// Yields before parking.
        yields: u32,
    },
    /// Park the thread until the other side wakes it (see the module docs for the
    /// backstop timeout).
    #[cfg(feature = "std")]
    Block,
}

impl WaitStrategy {
    /// Spin 10 rounds, yield 10 times, then park: low latency under light load, no CPU
    /// burned while idle.
    #[cfg(feature = "std")]
    #[must_use]
    pub const fn backoff() -> Self {
        Self::Backoff { spins: 10, yields: 10 }
    }
}

impl Default for WaitStrategy {
    fn default() -> Self {
        #[cfg(feature = "std")]
        return Self::backoff();
        #[cfg(not(feature = "std"))]
        return Self::BusySpin;
    }
}

/// Why a wait ended without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interrupted {
    Shutdown,
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Timeout,
}

/// When a wait gives up; never, without `std`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    #[cfg(feature = "std")]
    at: Option<Instant>,
}

impl Deadline {
    pub(crate) const NEVER: Self = Self {
        #[cfg(feature = "std")]
        at: None,
    };

    #[cfg(feature = "std")]
    pub(crate) fn after(timeout: Duration) -> Self {
        Self { at: Instant::now().checked_add(timeout) }
    }

    fn passed(&self) -> bool {
        #[cfg(feature = "std")]
        return self.at.is_some_and(|at| Instant::now() >= at);
        #[cfg(not(feature = "std"))]
        return false;
    }
}

/// How [`WaitQueue::notify`] loads the waiter count: `Acquire` with the `async` feature
/// (see `asynchronous`, "Why no wake-up is lost"), `Relaxed` without.
#[cfg(all(feature = "async", not(loom)))]
const NOTIFY_LOAD: Ordering = Ordering::Acquire;
#[cfg(all(feature = "std", not(all(feature = "async", not(loom)))))]
const NOTIFY_LOAD: Ordering = Ordering::Relaxed;

/// The parked-waiter count of one side (readers or writers) of one ring, and which shard
/// of the parking table its waiters sleep on.
#[doc(hidden)]
pub struct WaitQueue {
    parked: AtomicU32,
    /// Bumped by every wake-up of a queue in shared memory ([`SHARED_ROUTE`]): the futex
    /// word its waiters in other processes sleep on. Unused (zero) everywhere else.
    #[cfg_attr(not(all(feature = "shm", target_os = "linux", not(loom))), allow(dead_code))]
    epoch: AtomicU32,
    /// `0`: the shard is picked by the queue's address. Otherwise the shard is
    /// `route - 1` (modulo the table's size): every ring of a generated bus has the same
    /// route, so a subscriber of several of its rings sleeps on one condvar that all of
    /// their publishers notify ([`wait_any`]). Immutable once the ring is shared.
    pub(crate) route: u32,
}

impl WaitQueue {
    const_fn_unless_loom! {
        pub(crate) fn with_route(route: u32) -> Self {
            Self { parked: AtomicU32::new(0), epoch: AtomicU32::new(0), route }
        }
    }

    /// How many waiters count themselves here now.
    pub(crate) fn waiting(&self) -> u32 {
        self.parked.load(Ordering::Relaxed)
    }

    /// Wakes parked waiters after an event, if any are parked. No fence: see the module
    /// docs for the one interleaving this can miss and the backstop that bounds it.
    ///
    /// With the `async` feature it does execute a `SeqCst` fence first, because an async
    /// waiter has no backstop timer: the fence makes its wake-up exact ([`asynchronous`]).
    #[inline(always)]
    pub(crate) fn notify(&self) {
        #[cfg(all(feature = "async", not(loom)))]
        fence(Ordering::SeqCst);
        #[cfg(feature = "std")]
        if self.parked.load(NOTIFY_LOAD) != 0 {
            self.wake();
        }
    }

    /// Wakes parked waiters after a state change they must not miss (close, deregister).
    pub(crate) fn notify_exact(&self) {
        #[cfg(feature = "std")]
        {
            // SeqCst: pairs with the fence in `park` after the waiter announced itself.
            fence(Ordering::SeqCst);
            if self.parked.load(Ordering::Acquire) != 0 {
                self.wake();
            }
        }
    }

    #[cfg(feature = "std")]
    #[cold]
    fn wake(&self) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        if self.route == SHARED_ROUTE {
            futex::wake(self);
            #[cfg(feature = "async")]
            asynchronous::wake(self);
            return;
        }
        let shard = parking::shard_for(self);
        let guard = parking::lock(&shard.lock);
        shard.ready.notify_all();
        drop(guard);
        // A waiter of several rings whose first is shared sleeps on that ring's futex, not
        // on this shard (`wait_any`): wake the futex sleepers of this process too, if any.
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        futex::wake_sleepers();
        #[cfg(all(feature = "async", not(loom)))]
        asynchronous::wake(self);
    }
}

impl core::fmt::Debug for WaitQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitQueue").field("parked", &self.parked.load(Ordering::Relaxed)).finish()
    }
}

/// [`WaitQueue::route`] of a ring in a shared-memory segment (`shm`): its waiters may sleep
/// in other processes, so they sleep on the queue's own `epoch` word with a futex (which
/// the kernel matches across processes by the word's physical page), not on this process's
/// parking table.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) const SHARED_ROUTE: u32 = u32::MAX;

/// Wakes every parked waiter in the process (for [`Shutdown::trigger`]).
pub(crate) fn wake_all_parked() {
    #[cfg(feature = "std")]
    parking::wake_all();
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    futex::wake_sleepers();
    #[cfg(all(feature = "async", not(loom)))]
    asynchronous::wake_all();
}

/// The shard of a process-wide table that the wait queue at `queue` uses: its route if it
/// has one, else its address in 128-byte units, so queues on one cache-line pair share a
/// shard.
#[cfg(feature = "std")]
fn shard_index(queue: &WaitQueue, shards: usize) -> usize {
    if queue.route != 0 {
        return (queue.route as usize - 1) & (shards - 1);
    }
    let address = core::ptr::from_ref(queue) as usize;
    (address >> 7) & (shards - 1)
}

/// One thing [`wait_any`] waits for: a receiving handle. Implemented by
/// [`Subscriber`](crate::Subscriber); not part of the API.
#[doc(hidden)]
pub trait WaitSource {
    /// The ring's readers' queue, where its publishers look for parked waiters.
    fn wait_queue(&self) -> &WaitQueue;
    /// Whether a receive may now succeed (or report the ring closed), without side effects.
    fn may_progress(&self) -> bool;
}

/// Waits with `strategy` until any of `sources` may have an event (or be closed), or
/// `shutdown` is triggered (then `false`). A multi-topic subscriber of a generated bus
/// waits here: where the strategy parks, it counts itself a waiter on every source's
/// queue and sleeps on their shared shard, so a publish to any of its topics wakes it
/// exactly as a single-topic subscriber is woken (module docs). Sources whose queues
/// route to different shards still work, but may then sleep up to the backstop.
pub fn wait_any(strategy: WaitStrategy, shutdown: Option<&Shutdown>, sources: &[&dyn WaitSource]) -> bool {
    let ready = || sources.iter().any(|source| source.may_progress());
    let Some(first) = sources.first() else { return true };
    #[cfg(feature = "std")]
    let mut backstop = parking::FIRST_BACKSTOP;
    let mut step: u32 = 0;
    loop {
        if ready() {
            return true;
        }
        if shutdown.is_some_and(Shutdown::is_triggered) {
            return false;
        }
        let park = pause(strategy, step);
        #[cfg(feature = "std")]
        if park {
            let queues = sources.iter().map(|source| source.wait_queue());
            parking::park_on(first.wait_queue(), queues, shutdown, Deadline::NEVER, &mut { ready }, &mut backstop);
        }
        #[cfg(not(feature = "std"))]
        let _ = (park, first);
        step = step.saturating_add(1);
    }
}

/// Waits asynchronously until any of `sources` may have an event (or be closed), or
/// `shutdown` is triggered (then `false`): the async form of [`wait_any`], for the
/// `run_async` loops of generated subscribers. The task is woken by a publish to any of the
/// sources' rings or by [`Shutdown::trigger`]; nothing polls. Cancel-safe.
///
/// ```
/// # futures_executor::block_on(async {
/// use hardwire_runtime::{Ring, Shutdown, wait_any_async};
///
/// let (a, b) = (Ring::<u32, 8>::new(), Ring::<u32, 8>::new());
/// let (sub_a, sub_b) = (a.subscribe().unwrap(), b.subscribe().unwrap());
/// let mut publisher = b.publisher().unwrap();
/// publisher.publish(7);
/// assert!(wait_any_async(None, [&sub_a, &sub_b]).await); // b has an event
/// let stop = Shutdown::new();
/// stop.trigger();
/// let mut sub_b = sub_b;
/// sub_b.try_recv().unwrap();
/// let _a_open = a.publisher().unwrap();
/// assert!(!wait_any_async(Some(&stop), [&sub_a, &sub_b]).await);
/// # });
/// ```
#[cfg(all(feature = "async", not(loom)))]
pub async fn wait_any_async<const N: usize>(
    shutdown: Option<&Shutdown>,
    sources: [&(dyn WaitSource + Sync); N],
) -> bool {
    let stopped = || shutdown.is_some_and(Shutdown::is_triggered);
    let ready = || sources.iter().any(|source| source.may_progress());
    asynchronous::until_any(sources.map(WaitSource::wait_queue), || ready() || stopped()).await;
    ready() || !stopped()
}

/// Repeats `poll` until it returns `Some`, waiting with `strategy` in between, until
/// `shutdown` is triggered or `deadline` passes.
///
/// `ready` is the side-effect-free form of "`poll` may now succeed"; a parked waiter
/// re-checks it under the shard lock, so it must not take a shard lock itself.
pub(crate) fn wait_until<R>(
    strategy: WaitStrategy,
    queue: &WaitQueue,
    shutdown: Option<&Shutdown>,
    deadline: Deadline,
    mut poll: impl FnMut() -> Option<R>,
    mut ready: impl FnMut() -> bool,
) -> Result<R, Interrupted> {
    #[cfg(feature = "std")]
    let mut backstop = parking::FIRST_BACKSTOP;
    let mut step: u32 = 0;
    loop {
        // The trigger is read before the poll: whatever was published (or freed) before it
        // is then visible to the poll (the trigger's Release, this Acquire), so a racing
        // trigger never cuts off an event that was ready when it fired.
        let stopped = shutdown.is_some_and(Shutdown::is_triggered);
        if let Some(done) = poll() {
            return Ok(done);
        }
        if stopped {
            return Err(Interrupted::Shutdown);
        }
        if deadline.passed() {
            return Err(Interrupted::Timeout);
        }
        #[cfg(feature = "std")]
        if pause(strategy, step) {
            parking::park(queue, shutdown, deadline, &mut ready, &mut backstop);
        }
        #[cfg(not(feature = "std"))]
        let _ = (pause(strategy, step), &queue, &mut ready);
        step = step.saturating_add(1);
    }
}

/// Round `step` of a wait: spins or yields as `strategy` says, or returns `true` where the
/// strategy parks (the caller then parks on its queues).
fn pause(strategy: WaitStrategy, step: u32) -> bool {
    #[cfg(not(feature = "std"))]
    let _ = step;
    match strategy {
        WaitStrategy::BusySpin => {
            spin_hint();
            #[cfg(feature = "std")]
            if step % 4096 == 4095 {
                yield_now();
            }
            false
        }
        #[cfg(feature = "std")]
        WaitStrategy::Yield => {
            yield_now();
            false
        }
        #[cfg(feature = "std")]
        WaitStrategy::Backoff { spins, yields } => {
            if step < spins {
                (0..1u32 << step.min(6)).for_each(|_| spin_hint());
                false
            } else if step - spins < yields {
                yield_now();
                false
            } else {
                true
            }
        }
        #[cfg(feature = "std")]
        WaitStrategy::Block => true,
    }
}

#[cfg(feature = "std")]
mod parking {
    use super::*;
    use crossbeam_utils::CachePadded;

    /// Shards of the parking table (a power of two); waiters of unrelated rings rarely
    /// share one. One under loom: with two, loom 0.7.3 panicked inside its own mutex
    /// bookkeeping ("expected to be able to acquire lock") in the shutdown model; not yet
    /// investigated, and one shard models the same protocol.
    #[cfg(not(loom))]
    const SHARDS: usize = 32;
    #[cfg(loom)]
    const SHARDS: usize = 1;
    const _: () = assert!(SHARDS.is_power_of_two());

    pub(super) const FIRST_BACKSTOP: Duration = Duration::from_millis(1);
    const MAX_BACKSTOP: Duration = Duration::from_millis(64);

    pub(super) struct Shard {
        pub(super) lock: Mutex<()>,
        pub(super) ready: Condvar,
    }

    #[cfg(not(loom))]
    static TABLE: [CachePadded<Shard>; SHARDS] =
        [const { CachePadded::new(Shard { lock: Mutex::new(()), ready: Condvar::new() }) }; SHARDS];

    #[cfg(loom)]
    loom::lazy_static! {
        static ref TABLE: [CachePadded<Shard>; SHARDS] =
            core::array::from_fn(|_| CachePadded::new(Shard { lock: Mutex::new(()), ready: Condvar::new() }));
    }

    pub(super) fn shard_for(queue: &WaitQueue) -> &'static Shard {
        &TABLE[shard_index(queue, SHARDS)]
    }

    /// Locks a shard. Nothing runs user code under a shard lock, so poisoning can only
    /// come from a panic inside this module; the `()` it guards cannot be left invalid.
    pub(super) fn lock(lock: &Mutex<()>) -> crate::sync::MutexGuard<'_, ()> {
        crate::sync::lock(lock)
    }

    pub(super) fn wake_all() {
        for shard in TABLE.iter() {
            let _guard = lock(&shard.lock);
            shard.ready.notify_all();
        }
    }

    /// How long a parked waiter sleeps at most: its backstop (which doubles for next time, up
    /// to [`MAX_BACKSTOP`]), or less if its deadline comes first.
    pub(super) fn sleep_for(backstop: &mut Duration, deadline: Deadline) -> Duration {
        let mut timeout = *backstop;
        if let Some(at) = deadline.at {
            timeout = timeout.min(at.saturating_duration_since(Instant::now()));
        }
        *backstop = (*backstop * 2).min(MAX_BACKSTOP);
        timeout
    }

    /// Sleeps until woken, the backstop expires, or the condition already holds.
    pub(super) fn park(
        queue: &WaitQueue,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
        ready: &mut impl FnMut() -> bool,
        backstop: &mut Duration,
    ) {
        park_on(queue, core::iter::once(queue), shutdown, deadline, ready, backstop);
    }

    /// [`park`] on the shard of `home`, counted as a waiter on each of `queues` (which
    /// includes `home`), so a wake of any of them that routes to the same shard ends the
    /// sleep.
    pub(super) fn park_on<'q>(
        home: &WaitQueue,
        queues: impl Iterator<Item = &'q WaitQueue> + Clone,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
        ready: &mut impl FnMut() -> bool,
        backstop: &mut Duration,
    ) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        if home.route == SHARED_ROUTE {
            return super::futex::park_on(home, queues, shutdown, deadline, ready, backstop);
        }
        let shard = shard_for(home);
        let guard = lock(&shard.lock);
        queues.clone().for_each(|queue| {
            queue.parked.fetch_add(1, Ordering::Relaxed);
        });
        // SeqCst: pairs with the fence of `notify_exact` and `Shutdown::trigger`. Either
        // the re-check below sees their change, or they see `parked != 0` and wake us
        // (they take the shard lock, which we hold until the condvar releases it).
        fence(Ordering::SeqCst);
        let must_sleep = !ready() && !shutdown.is_some_and(Shutdown::is_triggered) && !deadline.passed();
        let guard = if must_sleep {
            let timeout = sleep_for(backstop, deadline);
            let (guard, _) =
                shard.ready.wait_timeout(guard, timeout).unwrap_or_else(std::sync::PoisonError::into_inner);
            guard
        } else {
            guard
        };
        queues.for_each(|queue| {
            queue.parked.fetch_sub(1, Ordering::Relaxed);
        });
        drop(guard);
    }
}

/// Parking on a queue in shared memory (`shm`, Linux): a futex on the queue's `epoch`.
///
/// The waiter counts itself in `parked`, loads `epoch`, executes a `SeqCst` fence, checks
/// its condition and sleeps with `FUTEX_WAIT(epoch, seen)`; a waker that loads `parked`
/// non-zero increments `epoch` and calls `FUTEX_WAKE`. The kernel compares `epoch` with
/// `seen` atomically with queueing the waiter, so a wake that incremented it after the load
/// ends the wait at once, and one that came later finds the waiter queued. The fences make
/// close and deregistration exact, as in the parking table (module docs); the per-event
/// wake has no fence, so a waiter can miss one and sleep until the backstop, as in process.
/// The futex word is shared (no `FUTEX_PRIVATE_FLAG`): the waker may be in another process.
///
/// A process's own wake-ups that are not for a shared ring reach its futex sleepers too:
/// each sleeper lists its futex word in a process-wide table while it sleeps, and a
/// [`Shutdown::trigger`], or a wake of a queue in process memory (a waiter of several rings
/// sleeps on its first ring's queue, `wait_any`), wakes every listed word. The table is
/// looked at only when it is not empty. A trigger that lists nobody happened before the
/// sleeper listed itself (both take the table's lock), so the sleeper's check of the flag
/// after its fence sees it; one that finds the sleeper bumps its word, so the futex wait
/// returns at once or is woken.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
mod futex {
    use super::*;
    use rustix::thread::futex as sys;
    use std::sync::atomic::AtomicUsize;
    use std::vec::Vec;

    /// The futex words this process's sleepers sleep on, by address (a word may appear
    /// several times, once per sleeper).
    static SLEEPERS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    /// `SLEEPERS`' length, read without its lock.
    static SLEEPING: AtomicUsize = AtomicUsize::new(0);

    /// Wakes every futex sleeper of this process.
    pub(super) fn wake_sleepers() {
        if SLEEPING.load(Ordering::Acquire) == 0 {
            return;
        }
        let sleepers = crate::sync::lock(&SLEEPERS);
        for &word in sleepers.iter() {
            // SAFETY: a word is listed only while its sleeper sleeps on it (`park_on` adds it
            // before and removes it after, under this lock, which we hold): the sleeper's
            // queue, and so the memory of the word, lives while the sleeper waits on it.
            bump(unsafe { &*(word as *const AtomicU32) });
        }
    }

    /// Shared queues with async waiters in this process: the queue's futex word, how many
    /// waiters count on it, and the word's value the reactor last acted on.
    #[cfg(feature = "async")]
    static WATCHED: Mutex<Vec<Watched>> = Mutex::new(Vec::new());

    #[cfg(feature = "async")]
    struct Watched {
        word: usize,
        waiters: usize,
        last: u32,
        reactor: Option<std::thread::JoinHandle<()>>,
    }

    /// An async waiter of this process registers on shared `queue` (before it counts itself
    /// in `parked`): the first one starts a reactor thread that sleeps on the queue's futex
    /// and wakes the async waiters of shared queues whenever the word changes. A publisher in
    /// another process that sees the waiter counted changes the word after this records it,
    /// so the reactor sees the change, whenever it looks.
    #[cfg(feature = "async")]
    pub(super) fn watch(queue: &WaitQueue) {
        let word = core::ptr::from_ref(&queue.epoch) as usize;
        let mut watched = crate::sync::lock(&WATCHED);
        if let Some(entry) = watched.iter_mut().find(|entry| entry.word == word) {
            entry.waiters += 1;
            return;
        }
        // Spawned under the lock, so the handle is in the entry before anyone can unwatch.
        // Without a thread, the waiters are woken by this process's own publishes only.
        let reactor = std::thread::Builder::new().name("hardwire-shm-async".into()).spawn(move || reactor(word)).ok();
        watched.push(Watched { word, waiters: 1, last: queue.epoch.load(Ordering::Acquire), reactor });
    }

    /// An async waiter of this process stops waiting on shared `queue` (it still holds its
    /// handle, so the queue is mapped): the last one stops the reactor.
    #[cfg(feature = "async")]
    pub(super) fn unwatch(queue: &WaitQueue) {
        let word = core::ptr::from_ref(&queue.epoch) as usize;
        let mut watched = crate::sync::lock(&WATCHED);
        let Some(at) = watched.iter().position(|entry| entry.word == word) else { return };
        watched[at].waiters -= 1;
        if watched[at].waiters == 0 {
            let entry = watched.swap_remove(at);
            drop(watched);
            // End the reactor's sleep now: it finds its entry gone and returns without
            // touching the word again. Wait for it, so that it is out of its futex wait (the
            // only place it holds a reference to the word without the lock) before our
            // caller may let the ring go; unless this is the reactor itself, waking a waker
            // whose executor polled inline: it returns as soon as this call does.
            // (The word changes too, so a wait that starts after this wake returns at once;
            // other sleepers on it re-check their rings and sleep again.)
            bump(&queue.epoch);
            if let Some(reactor) = entry.reactor {
                if reactor.thread().id() != std::thread::current().id() {
                    let _ = reactor.join();
                }
            }
        }
    }

    /// Sleeps on the futex word at `word` while an entry for it is watched; wakes the async
    /// waiters of shared queues whenever the word has changed, and every 64 ms.
    #[cfg(feature = "async")]
    fn reactor(word: usize) {
        loop {
            let seen = {
                let watched = crate::sync::lock(&WATCHED);
                let Some(entry) = watched.iter().find(|entry| entry.word == word) else { return };
                entry.last
            };
            // SAFETY: the word is mapped for the whole wait: its entry existed when we looked,
            // so a waiter that holds a handle of the ring counts on it, and the last waiter to
            // leave (`unwatch`) removes the entry, ends this wait and joins this thread before
            // it returns and its handle can go.
            let waited = sys::wait(
                unsafe { &*(word as *const AtomicU32) },
                sys::Flags::empty(),
                seen,
                Some(&rustix::time::Timespec { tv_sec: 0, tv_nsec: 64_000_000 }),
            );
            let changed = {
                let mut watched = crate::sync::lock(&WATCHED);
                let Some(entry) = watched.iter_mut().find(|entry| entry.word == word) else { return };
                // SAFETY: the entry exists, so one of its waiters is counted and holds a
                // handle of the ring: the word is mapped.
                let now = unsafe { &*(word as *const AtomicU32) }.load(Ordering::Acquire);
                let changed = now != entry.last;
                entry.last = now;
                changed
            };
            // Also after each timeout: every 64 ms the waiters poll their rings once more,
            // as a sleeping thread does at its backstop, which is how a waiter whose peer
            // process died (and so will never wake it) finds that out (`ring::DeadWatch`).
            if changed || waited == Err(rustix::io::Errno::TIMEDOUT) {
                super::asynchronous::wake_shared();
            }
        }
    }

    /// Lists `word` as slept on (`listed`), or unlists one entry of it.
    fn list(word: &AtomicU32, listed: bool) {
        let address = core::ptr::from_ref(word) as usize;
        let mut sleepers = crate::sync::lock(&SLEEPERS);
        if listed {
            sleepers.push(address);
        } else if let Some(at) = sleepers.iter().position(|&a| a == address) {
            sleepers.swap_remove(at);
        }
        SLEEPING.store(sleepers.len(), Ordering::Release);
    }

    pub(super) fn wake(queue: &WaitQueue) {
        bump(&queue.epoch);
    }

    /// Changes the futex word `word` and wakes every sleeper on it.
    fn bump(word: &AtomicU32) {
        // Release: orders nothing the waiter relies on (it re-checks the ring itself), but
        // costs nothing on the platforms futexes run on.
        word.fetch_add(1, Ordering::Release);
        // An error (EFAULT cannot happen for a live reference) leaves the waiter to its
        // backstop; nothing to do about it here.
        let _ = sys::wake(word, sys::Flags::empty(), i32::MAX as u32);
    }

    pub(super) fn park_on<'q>(
        home: &WaitQueue,
        queues: impl Iterator<Item = &'q WaitQueue> + Clone,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
        ready: &mut impl FnMut() -> bool,
        backstop: &mut Duration,
    ) {
        queues.clone().for_each(|queue| {
            queue.parked.fetch_add(1, Ordering::Relaxed);
        });
        list(&home.epoch, true);
        let seen = home.epoch.load(Ordering::Acquire);
        // SeqCst: pairs with the fence of `notify_exact` (as in the parking table).
        fence(Ordering::SeqCst);
        if !ready() && !shutdown.is_some_and(Shutdown::is_triggered) && !deadline.passed() {
            let timeout = parking::sleep_for(backstop, deadline);
            let timeout =
                rustix::time::Timespec { tv_sec: timeout.as_secs() as _, tv_nsec: timeout.subsec_nanos() as _ };
            // Returns on a wake, a changed epoch (EAGAIN), a signal or the timeout: the
            // caller re-checks its condition in every case.
            let _ = sys::wait(&home.epoch, sys::Flags::empty(), seen, Some(&timeout));
        }
        list(&home.epoch, false);
        queues.for_each(|queue| {
            queue.parked.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Async waiting (feature `async`): how a future waits for a ring without a thread.
///
/// An async waiter cannot sleep on the parking table's condvars, and has no backstop timer
/// to fall back on (that would tie the crate to one executor), so its wake-up must be
/// exact. It counts itself in the ring's `parked` counter, like a parked thread, and
/// registers its task's waker in a process-wide table of `SHARDS` waker lists, picked by
/// the ring's wait queue like the parking table. The other side wakes the list's wakers
/// (and the parked threads) when `parked` is not zero. Waiters of unrelated rings that share
/// a list wake spuriously, look at their ring, and register again.
///
/// # Wakers run outside the lock
///
/// Waking a waker or dropping one runs the executor's code, which may re-enter hardwire:
/// publish (and so notify this very list), drop the last publisher or a backpressure
/// subscriber, or trigger a `Shutdown`. So no waker is ever woken or dropped while a list's
/// lock is held: `notify` moves the wakers out under the lock and wakes them after
/// releasing it (in rounds of [`WAKE_BATCH`], so it needs no allocation), and a waker
/// replaced or withdrawn is dropped after the lock is released too. (event-listener 5,
/// used here before, keeps its lock while it drops a replaced waker, which deadlocked a
/// waker whose drop published: tokio's `send_in_waker_drop` case.)
///
/// # Why no wake-up is lost
///
/// The waiter (W) and the waker (P) run:
///
/// ```text
/// W1  register the waker (under the lock)   P1  store the slot stamp / head / position
/// W2  parked.fetch_add(1, SeqCst)           P2  fence(SeqCst)
/// W3  fence(SeqCst)                         P3  parked.load(Acquire)
/// W4  poll the ring again                   P4  if non-zero and the list is used:
///                                               mark every entry notified (under the lock)
/// ```
///
/// By the `SeqCst` fence rule, if P3 reads a value older than W2's in `parked`'s
/// modification order, then W4 sees P1, and the waiter does not sleep. Otherwise P3 reads
/// W2's value or a later one, all of which are written by read-modify-writes and so belong
/// to W2's release sequence: P3 synchronizes with W2, W1 happens before P4, and P4 finds
/// the entry (both take the list's lock). Either way the waiter sees the event or is woken.
/// The cost is P2, a fence per publish (and per receive on backpressure rings), which is why
/// it exists only with the `async` feature.
///
/// [`Shutdown::trigger`] is a waker too: it stores its flag, executes a `SeqCst` fence and
/// notifies every list whose `used` flag it reads set. A waiter that stops on a shutdown
/// sets `used` before W1 and loads the flag in W4. If W4 misses the flag, the trigger's
/// fence follows W3 in the single order of `SeqCst` fences, so the trigger's load of
/// `used` sees it set; and its lock of the list follows W1's (were it earlier, the
/// trigger's fence would happen before W3), so it finds the entry.
///
/// A task that waits for any of several rings ([`wait_any_async`](super::wait_any_async))
/// holds one entry per ring, each in its ring's list and counted in its ring's `parked`:
/// the argument above holds for each ring separately.
#[cfg(all(feature = "async", not(loom)))]
pub(crate) mod asynchronous {
    use super::*;
    use crate::sync::AtomicBool;
    use alloc::vec::Vec;
    use core::task::{Context, Poll, Waker};
    use crossbeam_utils::CachePadded;

    const SHARDS: usize = 32;
    const _: () = assert!(SHARDS.is_power_of_two());

    /// Wakers woken per round of `notify`, held on the stack between lock and wake.
    const WAKE_BATCH: usize = 32;

    /// One registered waiter.
    struct Entry {
        /// Its task's waker; `None` once taken by `notify` (or between uses of the slot).
        waker: Option<Waker>,
        /// Set by `notify`: the waiter must poll its ring again.
        notified: bool,
        /// Whether a waiter owns this slot.
        in_use: bool,
    }

    struct Shard {
        /// Set before the first waiter registers. Until then nobody can be waiting here,
        /// and `notify` need not take the lock. `Relaxed`: it is stored before W2 and loaded
        /// after P3, whose synchronization makes it visible whenever a waiter may be waiting.
        used: AtomicBool,
        /// Registered waiters, by key (an index; free slots are reused).
        entries: Mutex<Vec<Entry>>,
    }

    static TABLE: [CachePadded<Shard>; SHARDS] =
        [const { CachePadded::new(Shard { used: AtomicBool::new(false), entries: Mutex::new(Vec::new()) }) }; SHARDS];

    fn shard_for(queue: &WaitQueue) -> &'static Shard {
        &TABLE[shard_index(queue, SHARDS)]
    }

    /// Locks a list. Nothing runs user code under it (that is the point of this module),
    /// so poisoning can only come from a panic here; the entries stay valid either way.
    fn lock(shard: &Shard) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        crate::sync::lock(&shard.entries)
    }

    /// P4 above, after P3 found a waiter (which may also be a parked thread).
    pub(crate) fn wake(queue: &WaitQueue) {
        notify(shard_for(queue));
    }

    /// [`wake`] for a queue in shared memory, without reading the queue (its shard depends
    /// only on its route): what the futex reactor calls for a queue it may no longer touch.
    #[cfg(all(feature = "shm", target_os = "linux"))]
    pub(crate) fn wake_shared() {
        notify(&TABLE[(SHARED_ROUTE as usize - 1) & (SHARDS - 1)]);
    }

    pub(crate) fn wake_all() {
        TABLE.iter().for_each(|shard| notify(shard));
    }

    /// Marks every registered waiter notified and wakes it, outside the lock.
    fn notify(shard: &Shard) {
        if !shard.used.load(Ordering::Relaxed) {
            return;
        }
        let mut next = 0;
        loop {
            let mut batch: [Option<Waker>; WAKE_BATCH] = [const { None }; WAKE_BATCH];
            let mut taken = 0;
            {
                let mut entries = lock(shard);
                while next < entries.len() && taken < WAKE_BATCH {
                    let entry = &mut entries[next];
                    next += 1;
                    if entry.in_use && !entry.notified {
                        entry.notified = true;
                        batch[taken] = entry.waker.take();
                        taken += 1;
                    }
                }
                if taken == 0 {
                    return;
                }
            }
            batch.iter_mut().filter_map(Option::take).for_each(Waker::wake);
        }
    }

    /// The waiting state of one async operation on one wait queue, which the caller
    /// passes to each call. It must be [`release`](AsyncWait::release)d with that queue
    /// before it is dropped ([`Waiting`] does it for a future that borrows the queue).
    pub(crate) struct AsyncWait {
        /// The entry this waiter owns in its shard's list, while registered.
        key: Option<usize>,
        counted: bool,
    }

    impl AsyncWait {
        pub(crate) const fn new() -> Self {
            Self { key: None, counted: false }
        }

        /// Call after a poll of the ring found nothing. `Ready` means "poll again": the
        /// waiter has just registered (W1–W3; the caller's next poll is W4) or was
        /// notified. `Pending` means it is registered and `cx`'s waker will be woken.
        pub(crate) fn poll_ready(&mut self, queue: &WaitQueue, cx: &mut Context<'_>) -> Poll<()> {
            let shard = shard_for(queue);
            match self.key {
                Some(key) => {
                    let mut entries = lock(shard);
                    let entry = &mut entries[key];
                    if entry.notified {
                        entry.in_use = false;
                        let stale = entry.waker.take();
                        drop(entries);
                        drop(stale); // outside the lock: a waker's drop may re-enter
                        self.key = None;
                        return Poll::Ready(());
                    }
                    let replaced = match &entry.waker {
                        Some(waker) if waker.will_wake(cx.waker()) => None,
                        _ => entry.waker.replace(cx.waker().clone()),
                    };
                    drop(entries);
                    drop(replaced); // outside the lock: a waker's drop may re-enter
                    Poll::Pending
                }
                None => {
                    shard.used.store(true, Ordering::Relaxed);
                    let waker = Some(cx.waker().clone());
                    let mut entries = lock(shard);
                    let key = match entries.iter().position(|entry| !entry.in_use) {
                        Some(free) => {
                            entries[free] = Entry { waker, notified: false, in_use: true };
                            free
                        }
                        None => {
                            entries.push(Entry { waker, notified: false, in_use: true });
                            entries.len() - 1
                        }
                    };
                    drop(entries);
                    self.key = Some(key);
                    if !self.counted {
                        // Before W2: a publisher in another process wakes the futex, which
                        // this process's reactor for the queue turns into P4 here.
                        #[cfg(all(feature = "shm", target_os = "linux"))]
                        if queue.route == SHARED_ROUTE {
                            super::futex::watch(queue);
                        }
                        queue.parked.fetch_add(1, Ordering::SeqCst);
                        self.counted = true;
                    }
                    fence(Ordering::SeqCst);
                    Poll::Ready(())
                }
            }
        }

        /// Stops listening and withdraws from `queue`'s count of waiters.
        pub(crate) fn release(&mut self, queue: &WaitQueue) {
            if let Some(key) = self.key.take() {
                let mut entries = lock(shard_for(queue));
                let entry = &mut entries[key];
                entry.in_use = false;
                let waker = entry.waker.take();
                drop(entries);
                drop(waker); // outside the lock: a waker's drop may re-enter
            }
            if core::mem::take(&mut self.counted) {
                queue.parked.fetch_sub(1, Ordering::Relaxed);
                #[cfg(all(feature = "shm", target_os = "linux"))]
                if queue.route == SHARED_ROUTE {
                    super::futex::unwatch(queue);
                }
            }
        }
    }

    impl Drop for AsyncWait {
        fn drop(&mut self) {
            debug_assert!(!self.counted, "an AsyncWait was dropped without release");
        }
    }

    impl core::fmt::Debug for AsyncWait {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("AsyncWait").field("listening", &self.key.is_some()).finish()
        }
    }

    /// Repeats `attempt` until it returns `Some`, waiting on `queue` in between: the async
    /// form of [`wait_until`](super::wait_until). Cancelling the future withdraws the wait.
    pub(crate) async fn until<R>(queue: &WaitQueue, mut attempt: impl FnMut() -> Option<R>) -> R {
        let mut waiting = Waiting { queue, wait: AsyncWait::new() };
        core::future::poll_fn(|cx| {
            loop {
                if let Some(done) = attempt() {
                    return Poll::Ready(done);
                }
                core::task::ready!(waiting.wait.poll_ready(waiting.queue, cx));
            }
        })
        .await
    }

    /// Waits until `ready` holds, registered on every queue of `queues`: the async form of
    /// [`wait_any`](super::wait_any). Cancelling the future withdraws every wait.
    pub(crate) async fn until_any<const N: usize>(queues: [&WaitQueue; N], mut ready: impl FnMut() -> bool) {
        let mut waiting = WaitingAll { queues, waits: core::array::from_fn(|_| AsyncWait::new()) };
        core::future::poll_fn(|cx| {
            loop {
                if ready() {
                    return Poll::Ready(());
                }
                // Every wait is polled (so every ring's entry is registered) before the
                // task sleeps; any `Ready` means "poll the rings again".
                let mut again = false;
                for (wait, queue) in waiting.waits.iter_mut().zip(waiting.queues) {
                    again |= wait.poll_ready(queue, cx).is_ready();
                }
                if !again {
                    return Poll::Pending;
                }
            }
        })
        .await;
    }

    /// The waits of [`until_any`], released on drop.
    struct WaitingAll<'q, const N: usize> {
        queues: [&'q WaitQueue; N],
        waits: [AsyncWait; N],
    }

    impl<const N: usize> Drop for WaitingAll<'_, N> {
        fn drop(&mut self) {
            for (wait, queue) in self.waits.iter_mut().zip(self.queues) {
                wait.release(queue);
            }
        }
    }

    /// An [`AsyncWait`] with its queue, released on drop: a future may be cancelled at any
    /// `await`.
    struct Waiting<'q> {
        queue: &'q WaitQueue,
        wait: AsyncWait,
    }

    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            self.wait.release(self.queue);
        }
    }
}

/// Pacing for a loop that polls several sources (for example every ring of a multi-topic
/// subscriber) and cannot park on all of them at once.
///
/// Call [`Idle::wait`] after a round that found nothing and [`Idle::reset`] after one
/// that found work. It follows the loop's [`WaitStrategy`]: spinning and yielding as
/// configured, and where the strategy would park, sleeping 50 µs doubling to 1.6 ms, so an
/// idle loop costs little CPU and wakes within ~2 ms of new work.
#[derive(Clone, Copy, Debug)]
pub struct Idle {
    strategy: WaitStrategy,
    step: u32,
}

impl Idle {
    /// Pacing that follows `strategy`.
    #[must_use]
    pub const fn new(strategy: WaitStrategy) -> Self {
        Self { strategy, step: 0 }
    }

    /// The loop found work: the next wait starts from the beginning.
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// One wait between two fruitless rounds.
    pub fn wait(&mut self) {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        match self.strategy {
            WaitStrategy::BusySpin => {
                spin_hint();
                #[cfg(feature = "std")]
                if step % 4096 == 4095 {
                    yield_now();
                }
                #[cfg(not(feature = "std"))]
                let _ = step;
            }
            #[cfg(feature = "std")]
            WaitStrategy::Yield => yield_now(),
            #[cfg(feature = "std")]
            WaitStrategy::Backoff { spins, yields } => {
                if step < spins {
                    (0..1u32 << step.min(6)).for_each(|_| spin_hint());
                } else if step - spins < yields {
                    yield_now();
                } else {
                    Self::sleep(step - spins - yields);
                }
            }
            #[cfg(feature = "std")]
            WaitStrategy::Block => Self::sleep(step),
        }
    }

    #[cfg(feature = "std")]
    fn sleep(round: u32) {
        std::thread::sleep(Duration::from_micros(50 << round.min(5)));
    }
}

#[cfg(all(test, feature = "shm", target_os = "linux", not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// A waiter parked on a shared queue is woken by the futex, not by its backstop: it is
    /// given a 20 s backstop and must be back well before that.
    #[test]
    fn a_shared_queue_wakes_its_parked_waiter_through_the_futex() {
        let queue = WaitQueue::with_route(SHARED_ROUTE);
        let flag = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let started = Instant::now();
                let mut backstop = Duration::from_secs(20);
                let mut ready = || flag.load(Ordering::Acquire);
                while !ready() {
                    parking::park(&queue, None, Deadline::NEVER, &mut ready, &mut backstop);
                }
                started.elapsed()
            });
            while queue.waiting() == 0 {
                std::thread::yield_now();
            }
            std::thread::sleep(Duration::from_millis(20)); // asleep in the kernel by now
            flag.store(true, Ordering::Release);
            queue.notify_exact();
            let waited = waiter.join().unwrap();
            assert!(waited < Duration::from_secs(10), "woken by the backstop after {waited:?}, not the futex");
        });
    }

    /// A `Shutdown` triggered in this process wakes a waiter asleep on a shared queue's
    /// futex, and so does a wake of a queue in process memory that the waiter also waits
    /// for (`wait_any` over a shared and a local ring sleeps on the shared one's futex).
    #[test]
    fn this_process_s_own_wake_ups_reach_its_futex_sleepers() {
        for by_shutdown in [true, false] {
            let shared = WaitQueue::with_route(SHARED_ROUTE);
            let local = WaitQueue::with_route(7);
            let stop = Shutdown::new();
            let flag = AtomicBool::new(false);
            std::thread::scope(|scope| {
                let waiter = scope.spawn(|| {
                    let started = Instant::now();
                    let mut backstop = Duration::from_secs(20);
                    let mut ready = || flag.load(Ordering::Acquire);
                    while !ready() && !stop.is_triggered() {
                        let queues = [&shared, &local].into_iter();
                        parking::park_on(&shared, queues, Some(&stop), Deadline::NEVER, &mut ready, &mut backstop);
                    }
                    started.elapsed()
                });
                while local.waiting() == 0 {
                    std::thread::yield_now();
                }
                std::thread::sleep(Duration::from_millis(20));
                if by_shutdown {
                    stop.trigger();
                } else {
                    flag.store(true, Ordering::Release);
                    local.notify_exact();
                }
                let waited = waiter.join().unwrap();
                assert!(waited < Duration::from_secs(10), "{by_shutdown}: woken by the backstop after {waited:?}");
            });
        }
    }
}
