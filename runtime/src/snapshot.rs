//! A registry's snapshot: an `Arc` that readers use without touching its reference count.
//!
//! A [`Registry`](crate::Registry) keeps its handlers in an immutable snapshot that writers
//! replace as a whole. Readers (every `notify`) must keep the snapshot they loaded alive
//! while they call its handlers, and the obvious ways to do that cost two atomic
//! read-modify-writes per notify on shared lines (an `Arc` clone and drop, or arc-swap's
//! debt slot and its release). Here a reader *announces* the snapshot's address in a slot of
//! the registry's announcement array (a store into the slot its thread owns, or a
//! compare-and-swap on a shared one), checks that the snapshot is still current, and
//! clears the slot with a release store when it is done. A writer never frees a
//! snapshot it replaced while any slot announces it: hazard pointers, kept per registry
//! rather than in a process-wide list.
//!
//! # Why a reader never sees a freed snapshot
//!
//! Every snapshot is an `Arc` whose own reference is held, in turn, by `current` (as the raw
//! pointer of [`Arc::into_raw`]), by the writer that swapped it out, and by `retired`. Only
//! [`Snapshot::reclaim`] gives that reference up, under the `retired` lock, after the
//! snapshot left `current`. A reader R announcing pointer `p` and a writer W retiring `p`:
//!
//! ```text
//! R: A: slot := p (SeqCst)   C: current.load(SeqCst) == p ?   ... uses *p ...   slot := null (Release)
//! W: M: current.swap(q)      X: fence(SeqCst)                 L: slot.load(Acquire), for every slot; free p if none holds p
//! ```
//!
//! Suppose R uses `p` (C read `p`, a value older than M's) and W frees it (L read a value
//! older than A). By the rules for the single total order S of `SeqCst` operations and
//! fences (C++20 [atomics.order]/4, which Rust follows): C reads before M, and M is
//! sequenced before the fence X, so C precedes X in S; L reads before A, and X is sequenced
//! before L, so X precedes A in S; and A is sequenced before C, so A precedes C. That is a
//! cycle, A before C before X before A: impossible. So either R's check sees W's swap (or a
//! later store) and R does not use `p` (it clears its slot and retries), or W's scan sees
//! R's announcement (W keeps `p`) or a later store: R's release store of null or R's next
//! announcement, both of which mean R is done with `p`, and W's acquire load then
//! synchronises with that release, so every use R made of `p` happens before the free. If
//! `p` was freed and its address reused by a newer snapshot, a reader that finds
//! `current == p` is reading the newer snapshot, which its announcement protects just the
//! same.
//!
//! Loom models `SeqCst` loads and stores as acquire/release only (tokio-rs/loom#180), not
//! as members of S, but it models `SeqCst` fences faithfully. Loom builds therefore put a
//! `fence(SeqCst)` between A and C, which gives the same argument with two fences (if X
//! precedes R's fence in S, C reads M or later; otherwise L reads A or later). Real builds
//! leave it out: after the `SeqCst` store's `xchg` it is an `mfence` more (0.8 ns per
//! notify measured on AMD EPYC). So the model checks the protocol, and the `SeqCst` of A and
//! C is what stands for the fence in real builds.
//!
//! The first [`OWNED`] threads of the process that notify get a slot of their own in every
//! registry; a later thread, or a notify nested inside another on the same thread, claims
//! one of [`SHARED`] slots with a compare-and-swap. A reader finds no free slot only when
//! more than that many notifies of one registry run at once; it then takes the `retired`
//! lock, under which nothing can be freed, and leaves with a counted reference (an `Arc`
//! clone) instead. Writers and that fallback hold the lock only briefly and never while
//! running user code, so the fallback cannot deadlock a handler that notifies again.
//!
//! A snapshot replaced while a notify still announces it is freed by a later write, or by
//! [`Registry::unregister_and_wait`](crate::Registry::unregister_and_wait), which reclaims
//! while it waits; until then its handlers (and what they captured) stay alive.
//!
//! Checked by loom model L7 (`tests/loom_ring.rs`), which runs this code with the fence
//! above: its handler asserts that it is never called after `unregister_and_wait` returned and
//! that none is running when it returns, and the mutants `announce_no_recheck` and
//! `announce_no_fence` must fail it (`scripts/mutants.sh`; they fail by using freed memory,
//! which crashes the model). Miri runs the registry tests.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::{self, NonNull};

use crate::mutant;
use crate::sync::{AtomicPtr, Mutex, Ordering, array_of, const_fn_unless_loom, fence, lock};

/// The ordering of a reader's announcement and of its check of `current`: `SeqCst`, which
/// puts both in the single total order the proof uses (module docs).
const ANNOUNCE_ORDER: Ordering = Ordering::SeqCst;

/// Announcement slots per registry owned by one thread each: the first `OWNED` threads of
/// the process that notify (any registry) announce in theirs with a plain store.
const OWNED: usize = 8;

/// Announcement slots per registry shared by all threads, claimed with a compare-and-swap:
/// for later threads, and for a notify nested inside another on the same thread. How many
/// of those can run at once on one registry before the next falls back to a counted
/// reference.
const SHARED: usize = 8;

/// One announcement, on a line pair of its own so that notifies on different cores do not
/// contend for one cache line.
#[repr(align(128))]
struct Announcement(AtomicPtr<()>);

impl Announcement {
    const_fn_unless_loom! {
        fn new() -> Self {
            Self(AtomicPtr::new(ptr::null_mut()))
        }
    }
}

/// A registry's announcement slots. Allocated by the first write that stores a snapshot, so
/// a registry nobody registers with (most topics' taps) costs no more than a null pointer.
struct Announcements {
    /// Slot `i` is written (non-null) only by the thread numbered `i`.
    owned: [Announcement; OWNED],
    shared: [Announcement; SHARED],
}

impl Announcements {
    fn new() -> Self {
        Self { owned: array_of![Announcement::new(); OWNED], shared: array_of![Announcement::new(); SHARED] }
    }

    /// Claims a free slot and announces `snapshot` in it, in one step: this thread's own
    /// slot if it has one and is not already using it (a plain store: no other thread
    /// writes it), else a shared one (a compare-and-swap from null).
    #[inline]
    fn claim(&self, snapshot: *mut ()) -> Option<&Announcement> {
        let number = thread_number();
        if let Some(own) = self.owned.get(number) {
            // Relaxed: only this thread stores non-null here, so it reads its own last store.
            if own.0.load(Ordering::Relaxed).is_null() {
                own.0.store(snapshot, ANNOUNCE_ORDER);
                return Some(own);
            }
        }
        // `number % SHARED` first: a number near `usize::MAX` must not overflow.
        (0..SHARED).map(|i| &self.shared[(number % SHARED + i) % SHARED]).find(|slot| {
            slot.0.load(Ordering::Relaxed).is_null()
                && slot.0.compare_exchange(ptr::null_mut(), snapshot, ANNOUNCE_ORDER, Ordering::Relaxed).is_ok()
        })
    }

    /// Whether any slot announces `snapshot`. Called after the writer's `fence(SeqCst)`.
    fn announces(&self, snapshot: *const ()) -> bool {
        self.owned.iter().chain(&self.shared).any(|slot| ptr::eq(slot.0.load(Ordering::Acquire), snapshot))
    }
}

/// This thread's number: threads are numbered in the order they first notify a registry,
/// from 0. The first [`OWNED`] own a slot in every registry; later numbers only spread the
/// threads' first tries over the shared slots. (A thread whose thread-locals are already
/// destroyed gets `usize::MAX`: no owned slot.)
#[inline]
fn thread_number() -> usize {
    #[cfg(not(loom))]
    {
        use core::cell::Cell;
        use core::sync::atomic::AtomicUsize;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::thread_local! {
            static NUMBER: Cell<usize> = const { Cell::new(usize::MAX) };
        }
        NUMBER
            .try_with(|number| {
                if number.get() == usize::MAX {
                    // Saturates rather than wraps, so no two threads ever share a number
                    // below `OWNED`.
                    let next = NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1));
                    number.set(next.unwrap_or(usize::MAX - 1));
                }
                number.get()
            })
            .unwrap_or(usize::MAX)
    }
    // Under loom, numbered per execution: a model's threads own slots, as real threads do.
    #[cfg(loom)]
    {
        use core::cell::Cell;
        loom::lazy_static! {
            static ref NEXT: crate::sync::AtomicUsize = crate::sync::AtomicUsize::new(0);
        }
        loom::thread_local! {
            static NUMBER: Cell<usize> = Cell::new(usize::MAX);
        }
        NUMBER.with(|number| {
            if number.get() == usize::MAX {
                number.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            number.get()
        })
    }
}

/// The current snapshot of a registry's handlers: see the module docs.
pub(crate) struct Snapshot<T> {
    /// `Arc::into_raw` of the current snapshot, or null.
    current: AtomicPtr<T>,
    /// Null until the first snapshot is stored; then fixed until the registry drops.
    announcements: AtomicPtr<Announcements>,
    /// Snapshots replaced but perhaps still announced. Its lock also guards every free.
    retired: Mutex<Vec<Arc<T>>>,
    /// Owns `Arc<T>`s: `Send`/`Sync` exactly when `Arc<T>` is.
    owns: PhantomData<Arc<T>>,
}

impl<T> Snapshot<T> {
    const_fn_unless_loom! {
        pub(crate) fn empty() -> Self {
            Self {
                current: AtomicPtr::new(ptr::null_mut()),
                announcements: AtomicPtr::new(ptr::null_mut()),
                retired: Mutex::new(Vec::new()),
                owns: PhantomData,
            }
        }
    }

    /// The current snapshot, or `None`: kept alive (and usable through the guard) until the
    /// guard drops. An announcement (a store into this thread's slot, or a compare-and-swap
    /// on a shared one), a load to re-check it, and a release store when the guard drops.
    #[inline]
    pub(crate) fn load(&self) -> Option<Loaded<'_, T>> {
        let mut current = self.current.load(Ordering::Acquire);
        loop {
            let snapshot = NonNull::new(current)?;
            let announcements = self.announcements.load(Ordering::Acquire);
            // SAFETY: `announcements` is stored (release) before the first snapshot is, and
            // this thread read a snapshot from `current` with acquire, so it reads the
            // stored pointer: a live `Box` that only `Drop` (with `&mut self`) frees.
            let announcements = unsafe { &*announcements };
            let Some(slot) = announcements.claim(current.cast()) else {
                // `Arc::as_ptr`, not a reference: `load_full` needs the pointer's provenance
                // to cover the reference counts, as `into_raw`'s does (Miri).
                return self
                    .load_counted()
                    .map(|counted| Loaded { snapshot: Arc::as_ptr(&counted), hold: Hold::Counted(counted) });
            };
            // The announcement (a `SeqCst` store or compare-and-swap) and this check (a
            // `SeqCst` load) are ordered by the total order of `SeqCst` operations against
            // the writer's fence (module docs). Loom models `SeqCst` accesses as
            // acquire/release only, so its builds add the fence that models the same order.
            if cfg!(loom) && !mutant::ANNOUNCE_NO_FENCE {
                fence(Ordering::SeqCst);
            }
            let now = self.current.load(ANNOUNCE_ORDER);
            if now == current || mutant::ANNOUNCE_NO_RECHECK {
                return Some(Loaded { snapshot: snapshot.as_ptr(), hold: Hold::Announced(slot) });
            }
            slot.0.store(ptr::null_mut(), Ordering::Release);
            current = now;
        }
    }

    /// The fallback when every slot is taken: a counted reference, taken under the lock
    /// that every free holds.
    #[cold]
    fn load_counted(&self) -> Option<Arc<T>> {
        let _frees = lock(&self.retired);
        let current = self.current.load(Ordering::Acquire);
        if current.is_null() {
            return None;
        }
        // SAFETY: `current` came from `Arc::into_raw`, and the reference it stands for is
        // held by `current`, a writer between swap and retire, or `retired`; it is given up
        // only under the lock held here. So the allocation is live and the count ≥ 1.
        unsafe {
            Arc::increment_strong_count(current);
            Some(Arc::from_raw(current))
        }
    }

    /// The current snapshot as a counted reference.
    pub(crate) fn load_full(&self) -> Option<Arc<T>> {
        let loaded = self.load()?;
        // SAFETY: `loaded` keeps the snapshot alive (counted or announced) while this runs,
        // and the snapshot came from `Arc::into_raw`.
        unsafe {
            Arc::increment_strong_count(loaded.snapshot);
            Some(Arc::from_raw(loaded.snapshot))
        }
    }

    /// Makes `next` current and retires the snapshot it replaces. Returns the retired
    /// snapshots no reader can reach any more, for the caller to drop outside its locks
    /// (dropping runs the handlers' destructors). Callers serialise writes.
    pub(crate) fn replace(&self, next: Option<Arc<T>>) -> Vec<Arc<T>> {
        if next.is_some() && self.announcements.load(Ordering::Relaxed).is_null() {
            let announcements = Box::into_raw(Box::new(Announcements::new()));
            self.announcements.store(announcements, Ordering::Release);
        }
        let next = next.map_or(ptr::null_mut(), |next| Arc::into_raw(next).cast_mut());
        let old = self.current.swap(next, Ordering::AcqRel);
        let mut retired = lock(&self.retired);
        if !old.is_null() {
            // SAFETY: `old` came from `Arc::into_raw` and its reference was `current`'s;
            // the swap handed it to this writer alone.
            retired.push(unsafe { Arc::from_raw(old) });
        }
        self.reclaim_locked(&mut retired)
    }

    /// The retired snapshots no reader can reach any more, removed from `retired`.
    pub(crate) fn reclaim(&self) -> Vec<Arc<T>> {
        self.reclaim_locked(&mut lock(&self.retired))
    }

    fn reclaim_locked(&self, retired: &mut Vec<Arc<T>>) -> Vec<Arc<T>> {
        if retired.is_empty() {
            return Vec::new();
        }
        fence(Ordering::SeqCst);
        // SAFETY: a retired snapshot was stored once, so the announcements were allocated
        // before it; only `Drop` frees them.
        let announcements = unsafe { &*self.announcements.load(Ordering::Acquire) };
        let (held, free) = retired.drain(..).partition(|old| announcements.announces(Arc::as_ptr(old).cast()));
        *retired = held;
        free
    }
}

impl<T> Drop for Snapshot<T> {
    fn drop(&mut self) {
        // `&mut self`: no reader is left, and every announcement is clear.
        let current = self.current.load(Ordering::Acquire);
        if !current.is_null() {
            // SAFETY: `current`'s reference, from `Arc::into_raw`, given up once.
            drop(unsafe { Arc::from_raw(current) });
        }
        let announcements = self.announcements.load(Ordering::Acquire);
        if !announcements.is_null() {
            // SAFETY: allocated by `Box::into_raw` in `replace`, freed only here.
            drop(unsafe { Box::from_raw(announcements) });
        }
    }
}

/// A loaded snapshot, alive while this guard is.
pub(crate) struct Loaded<'a, T> {
    /// From `Arc::into_raw` or `Arc::as_ptr`: its provenance covers the whole allocation.
    snapshot: *const T,
    hold: Hold<'a, T>,
}

/// What keeps a [`Loaded`] snapshot alive.
enum Hold<'a, T> {
    /// Announced in this slot and checked current after the announcement.
    Announced(&'a Announcement),
    /// Every slot was taken: a counted reference, held only for its count.
    Counted(#[expect(dead_code, reason = "held for its reference count")] Arc<T>),
}

impl<T> Deref for Loaded<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: either `hold` counts a reference to the snapshot, or it is an announcement
        // that stands until this guard drops, of a snapshot that was current after it was
        // announced, which is not freed while the announcement stands (module docs). The
        // reference cannot outlive `self`.
        unsafe { &*self.snapshot }
    }
}

impl<T> Drop for Loaded<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Hold::Announced(slot) = self.hold {
            slot.0.store(ptr::null_mut(), Ordering::Release);
        }
    }
}
