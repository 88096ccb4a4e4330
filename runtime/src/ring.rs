//! The ring: a power-of-two array of [`Slot`]s, a head cursor, subscriber records, and the
//! ring-level protocols (claiming, closing, lag recovery and backpressure gating).
//!
//! The data protocol (how one slot is written and read) is in [`crate::slot`]; this module
//! decides *which* sequence goes where and who may write it.
//!
//! # Sequences and the head
//!
//! Sequence `seq` lives in slot `seq & (CAP - 1)`. `head` is one past the newest claimed
//! sequence: a single producer stores it (`Release`) after each commit; multiple producers
//! claim with `head.fetch_add`. Readers never trust `head` for data (stamps decide what is
//! readable); they use it to recover from a lag, to find the newest event, and to know
//! when a closed ring is drained. A ring may start at any sequence
//! ([`Ring::with_start_sequence`]); at and above [`SEQUENCE_LIMIT`] nothing can be
//! published, and publishers panic rather than wrap.
//!
//! # Claiming
//!
//! Who writes which sequence, and when (the code: `Publisher::publish` and `commit_one`,
//! `MultiPublisher::publish`/`publish_batch`/`try_publish`/`write_claimed`/
//! `claimed_past_limit` in `publisher.rs`, [`gate_limit`] and [`has_room`] here, and
//! `Reader::next` in `subscriber.rs`):
//!
//! * **A single producer** owns the sequence space: it writes `next` into its slot, then
//!   stores `head = next + 1` (`Release`). Nothing is claimed that is not written at once.
//! * **Multiple producers** claim first, write after. `publish` claims with
//!   `head.fetch_add(1, Relaxed)` — the claim only has to be unique; the slot's stamp carries
//!   the data ordering. `publish_batch` claims `count` consecutive sequences with one
//!   compare-and-swap, so a batch is never interleaved and never claims past
//!   [`SEQUENCE_LIMIT`]. `try_publish`, `publish_until`, `publish_timeout` and
//!   `publish_async` on a `Backpressure` ring claim with a compare-and-swap only once the
//!   gate has room for the sequence, so a full ring never consumes one.
//! * **The previous lap.** Two producers can hold claims on one slot at once, one lap
//!   apart (`seq` and `seq + CAP`), when the earlier is preempted mid-write. The slot
//!   protocol needs one writer per slot at a time (`slot.rs`), so a producer that claimed
//!   `seq >= start + CAP` first waits until the slot holds the committed `seq - CAP`
//!   (an `Acquire` load of the stamp, pairing with that writer's `Release` commit); the
//!   first lap has no previous writer. The wait is a few spins, then yields: it lasts as
//!   long as the other producer's write. loom model L2 and the mutants `NO_LAP_WAIT` and
//!   `RELAXED_LAP_WAIT` check it.
//! * **Past the gate** (`Backpressure`). A `fetch_add` claim at or past the cached limit
//!   cannot be given back (later sequences may already be claimed), so the producer waits
//!   for room for exactly that sequence (`wait_for_room`, woken by the subscriber that
//!   makes it), then writes. At [`SEQUENCE_LIMIT`] it instead *undoes* its claim
//!   (`fetch_sub`) and panics, so however many producers keep trying, `head` stays within a
//!   few of the limit and never wraps (`tests/wrap.rs`).
//! * **Readers** never skip a claimed sequence: a slot whose stamp shows neither the
//!   sequence nor a later one reads as not ready, so a reader waits at a claimed but
//!   unwritten sequence even when later ones are written, which keeps per-producer order
//!   and makes every claim delivered exactly once. [`Subscriber::pending`] counts claims
//!   that are not yet read.
//!
//! # Lag recovery (`Overwrite`)
//!
//! A reader at `seq` that finds its slot stamped by a later sequence `by` was lapped. Every
//! sequence below `newest = max(head, by + 1)` has been claimed, so each of the `CAP`
//! sequences `newest - CAP .. newest` may still be intact in its slot; the reader resumes
//! at the oldest of them, `oldest = newest - CAP`, and reports `missed = oldest - seq`
//! (at least 1, since `by >= seq + CAP`). It loses nothing that is still in the ring: with
//! capacity 2 and events 10, 20, 30 it reports one missed event, then reads 20 and 30.
//! If the slot of `oldest` is being overwritten meanwhile (by the claim of `newest`, or
//! later ones), the seqlock says so and the reader is lapped again, counting the rest.
//! Each sequence is thus either received or counted missed exactly once, so
//! `received + missed + skipped == published` for every reader. Taking `by` from the stamp
//! matters: `head` may be read stale, and the stamp proves `by` was claimed.
//!
//! # Backpressure gating
//!
//! A subscriber's record holds `position = next + 1` (`0` = free), stored `Release` after
//! each read. A publisher may publish `seq` only if `seq < position - 1 + CAP` for every
//! registered record; it caches `limit = min(positions - 1, next) + CAP` and rescans only
//! when it reaches it. Including `next` in the minimum bounds every cached limit by
//! `next + CAP`, which the registration argument needs.
//!
//! Registration must not let a publisher that has not seen the new record lap it. The
//! subscriber claims a record (`position = head + 1`, tentative), performs an `AcqRel`
//! read-modify-write on `registrations`, then reads `head` again as its start and stores
//! it. Each publisher rescan begins with an `AcqRel` RMW on the same word. RMWs on one
//! word are totally ordered, and each reads the one before it, so for every rescan:
//!
//! * if it comes after the subscriber's RMW, it synchronizes with it and sees the record
//!   (at the tentative position or later: both at or below the start);
//! * if it comes before, the subscriber synchronizes with it, so the subscriber's `head`
//!   load sees every sequence the publisher claimed before that rescan: `start >= next`,
//!   and the limit that rescan produced is at most `next + CAP <= start + CAP`.
//!
//! So every limit computed without the record allows at most `start + CAP - 1`, and
//! overwriting the slot of `start` (publishing `start + CAP`) needs a rescan that sees
//! the record. loom model L5 checks this, with a mutant that skips the handshake.
//! Dropping a subscriber frees its record (`Release`) and wakes parked publishers exactly.
//!
//! # Records and their lifecycle
//!
//! A record is *free* (`position == FREE`) or *reserved* (it has a position, so on a
//! `Backpressure` ring it gates publishers), and, independently, *held* (a [`Subscriber`]
//! handle reads through it). The transitions:
//!
//! | from | operation | to |
//! |---|---|---|
//! | — | [`Ring::with_reserved`] (records `0..n`, at the first sequence) | reserved |
//! | free | [`Ring::subscribe`], [`Subscriber::with_record`] (join at the head) | reserved, held; freed on drop |
//! | free | [`Ring::reserve`] (joins at the head) | reserved |
//! | reserved | [`Subscriber::resume`] (cursor and counters from the record) | reserved, held; parked on drop |
//! | reserved, held by a resumed handle | drop: *parks* (position and counters stored) | reserved |
//! | reserved, held | [`Subscriber::leave`], or the drop of a joined handle | free |
//!
//! A reserved record that nobody holds keeps its place: on a `Backpressure` ring the events
//! published since its last handle stopped wait for it (up to the capacity, then publishers
//! wait), and the handle that resumes it reads them. That is how a subscriber declared in a
//! generated bus gates from the ring's first publish whether or not a thread holds it.
//!
//! `held` doubles as the record's lock: every operation takes it first (compare-and-swap
//! `false → true`, `Acquire`), so two handles never read through one record and a claim
//! never races an attach. It is released (`Release`) after the position and counters are
//! stored, so a handle that resumes a parked record starts from exactly where the last one
//! stopped. `joined` is the sequence the record's membership began at: its counters add up
//! to the events published since then.

use core::marker::PhantomData;
use core::mem::size_of;

use crossbeam_utils::CachePadded;

use crate::error::{AlreadyTaken, SubscribeError};
use crate::mutant;
use crate::payload::Payload;
use crate::publisher::{MultiPublisher, Publisher};
use crate::slot::{Fill, SEQUENCE_LIMIT, Slot, SlotRead};
use crate::stats::{Presence, Pressure, RingStats, SubscriberStats, SubscriberStatus};
use crate::subscriber::Subscriber;
use crate::sync::{AtomicBool, AtomicU32, AtomicU64, Ordering, array_of, const_fn_unless_loom};
use crate::wait::WaitQueue;

/// The largest capacity a ring accepts: 2^30 slots.
pub const MAX_CAPACITY: usize = 1 << 30;

/// The largest `SUBS` a ring accepts.
pub const MAX_SUBSCRIBERS: usize = 1024;

mod sealed {
    pub trait Sealed {}

    /// Proof of being inside the crate: [`AnyRing::slot`](super::AnyRing::slot) takes one,
    /// so only the runtime reaches a ring's slots (a lossless ring's slots must never be
    /// read atomically; `slot.rs`, "Exclusive access on lossless rings").
    #[derive(Clone, Copy)]
    pub struct Inside(pub(crate) ());
}

pub(crate) const INSIDE: sealed::Inside = sealed::Inside(());

/// What a ring does when a publisher gets a full lap ahead of a subscriber. Sealed:
/// [`Overwrite`] or [`Backpressure`].
pub trait Overflow: sealed::Sealed + Send + Sync + 'static {
    /// Whether publishers wait for the slowest subscriber.
    const LOSSLESS: bool;
    /// `"overwrite"` or `"backpressure"`, as in a TOML topology.
    const NAME: &'static str;
}

/// Lossy: publishers never wait; a subscriber that falls a full lap behind is told exactly
/// how many events it missed and continues from the oldest one still in the ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Overwrite;

/// Lossless: publishers wait (or `try_publish` fails) while the slowest registered
/// subscriber is a full lap behind. Every subscriber sees every event exactly once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Backpressure;

impl sealed::Sealed for Overwrite {}
impl sealed::Sealed for Backpressure {}

/// The lossless overflow mode, [`Backpressure`]: what publishing that waits for room
/// (`try_publish`, `publish_until`, `publish_timeout`, `publish_async`) needs. Sealed.
#[diagnostic::on_unimplemented(
    message = "this publish waits for room, which only a lossless ring has; this one is `{Self}` (lossy)",
    label = "a lossy ring never waits for room",
    note = "`try_publish`, `publish_until`, `publish_timeout` and `publish_async` exist for `Backpressure` rings (a topic declared `overflow = \"backpressure\"`); on a lossy one `publish` never waits"
)]
pub trait Lossless: Overflow {}

impl Lossless for Backpressure {}

impl Overflow for Overwrite {
    const LOSSLESS: bool = false;
    const NAME: &'static str = "overwrite";
}

impl Overflow for Backpressure {
    const LOSSLESS: bool = true;
    const NAME: &'static str = "backpressure";
}

/// The footprint of a [`Ring`] whose payload is `payload_size` bytes, with `capacity`
/// slots and `subscribers` records: `Ring::<T, CAP, O, SUBS>::MEMORY_BYTES` for any payload
/// `T` of that size using the default slot words ([`slot_words`](crate::slot_words)). For
/// tools that size a topology without compiling it.
///
/// ```
/// use hardwire_runtime::{Overwrite, Ring, ring_memory_bytes};
///
/// assert_eq!(ring_memory_bytes(8, 1024, 2), Ring::<u64, 1024, Overwrite, 2>::MEMORY_BYTES);
/// ```
#[cfg(not(loom))]
#[must_use]
pub const fn ring_memory_bytes(payload_size: usize, capacity: usize, subscribers: usize) -> usize {
    let bytes = ring_memory_bytes_wide(payload_size, capacity, subscribers);
    assert!(bytes <= usize::MAX as u128, "the ring is larger than this target can address");
    bytes as usize
}

/// [`ring_memory_bytes`] in `u128`, which no ring a topology can declare overflows: the
/// generated bus checks it against the target's limit before the ring's type is ever laid out
/// (`__private::ring_fits`).
#[cfg(not(loom))]
pub(crate) const fn ring_memory_bytes_wide(payload_size: usize, capacity: usize, subscribers: usize) -> u128 {
    // Every field's size is a multiple of its alignment and the largest alignment is the
    // slots' 128, so the fields pack without gaps in any order.
    let slot = 8 + 8 * crate::payload::slot_words(payload_size) as u128;
    let slots = (capacity as u128 * slot).next_multiple_of(128);
    let fixed = 2 * size_of::<CachePadded<AtomicU64>>() as u128
        + size_of::<CachePadded<Control>>() as u128
        + subscribers as u128 * size_of::<CachePadded<Record>>() as u128;
    (fixed + slots).next_multiple_of(128)
}

/// `Record::position` of a free record.
pub(crate) const FREE: u64 = 0;

/// One subscriber's shared state: its position, whether a handle holds it, and its flushed
/// counters (module docs, "Records and their lifecycle").
#[doc(hidden)]
pub struct Record {
    /// `FREE`, or one more than the next sequence the subscriber will read. Gates
    /// publishers on `Backpressure` rings; informational (flushed lazily) otherwise.
    pub(crate) position: AtomicU64,
    /// Whether a handle reads through this record now.
    pub(crate) held: AtomicBool,
    /// The sequence this record's membership began at (its first sequence).
    pub(crate) joined: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) lagged: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) torn_reads: AtomicU64,
    pub(crate) invalid: AtomicU64,
    /// On a ring in shared memory: the process id of the process whose handle takes, holds
    /// or releases the record, with [`owners::KEEPS`] if that handle keeps the record's place
    /// when it goes (`Subscriber::resume`) rather than freeing it; `0` for none. Taken
    /// before `held` and given back after it, so it is the record's lock across processes
    /// (`owners`).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    pub(crate) owner: AtomicU32,
}

impl Record {
    const_fn_unless_loom! {
        fn new() -> Self {
            Self {
                position: AtomicU64::new(FREE),
                held: AtomicBool::new(false),
                joined: AtomicU64::new(0),
                received: AtomicU64::new(0),
                lagged: AtomicU64::new(0),
                skipped: AtomicU64::new(0),
                torn_reads: AtomicU64::new(0),
                invalid: AtomicU64::new(0),
                #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
                owner: AtomicU32::new(0),
            }
        }
    }

    const_fn_unless_loom! {
        /// A reserved, unheld record whose subscriber starts at `start`.
        fn reserved(start: u64) -> Self {
            let record = Self::new();
            Self { position: AtomicU64::new(start + 1), joined: AtomicU64::new(start), ..record }
        }
    }

    pub(crate) fn stats(&self) -> SubscriberStats {
        SubscriberStats {
            received: self.received.load(Ordering::Relaxed),
            lagged: self.lagged.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            torn_reads: self.torn_reads.load(Ordering::Relaxed),
            invalid: self.invalid.load(Ordering::Relaxed),
        }
    }
}

/// The head sequence, and in the padding of its cache-line pair the claim table: no ring
/// grows with feature `shm`. The table is written only by multi-producer publishers of a
/// ring in shared memory, which write the head on every publish anyway.
#[repr(C)]
struct Head {
    sequence: AtomicU64,
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    claims: Claims,
}

#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
const _: () = assert!(
    size_of::<CachePadded<Head>>() == size_of::<CachePadded<AtomicU64>>(),
    "the claim table must fit in the padding of the head's lines"
);

/// On a ring in shared memory: one entry per multi-producer publisher handle, saying which
/// process holds the handle and what it has claimed and not yet committed, so that a claim
/// whose process died can be told from a live one (`owners::ClaimMark`,
/// [`abandon_dead_claim`]).
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
#[doc(hidden)]
pub struct Claims {
    entries: [ClaimEntry; owners::CLAIM_ENTRIES],
    /// Live multi-producer handles that found no free entry. While any exists, no claim is
    /// judged abandoned (one of them might hold it).
    unrecorded: AtomicU32,
}

#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
struct ClaimEntry {
    /// The process id of the handle's process, `0` for a free entry.
    owner: AtomicU32,
    /// `0` while the handle holds no claim; [`owners::CLAIMING`] from just before it claims
    /// until it knows its sequence; then one more than the first sequence it has claimed and
    /// not yet committed (a batch's claims are consecutive and committed in order).
    held: AtomicU64,
}

#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
impl Claims {
    const fn new() -> Self {
        Self {
            entries: [const { ClaimEntry { owner: AtomicU32::new(0), held: AtomicU64::new(0) } };
                owners::CLAIM_ENTRIES],
            unrecorded: AtomicU32::new(0),
        }
    }
}

/// Read-mostly ring state: written when handles come and go, not per event.
#[doc(hidden)]
pub struct Control {
    /// The first sequence; immutable after construction.
    pub(crate) start: u64,
    /// Live publisher handles, or [`CLOSED`] once the last one was dropped.
    pub(crate) publishers: AtomicU64,
    /// Which publisher kind was taken: [`NOT_TAKEN`], [`SINGLE`] or [`MULTI`].
    pub(crate) taken: AtomicU32,
    /// Set when the last publisher handle is dropped.
    pub(crate) closed: AtomicBool,
    /// Subscribers parked waiting for events.
    pub(crate) readers: WaitQueue,
    /// Publishers parked waiting for room.
    pub(crate) writers: WaitQueue,
    /// On a ring in shared memory: which processes hold its publisher handles (`owners`).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    pub(crate) owners: owners::Publishers,
}

impl Control {
    const_fn_unless_loom! {
        fn new(start: u64, route: u32) -> Self {
            Self {
                start,
                publishers: AtomicU64::new(0),
                taken: AtomicU32::new(NOT_TAKEN),
                closed: AtomicBool::new(false),
                readers: WaitQueue::with_route(route),
                writers: WaitQueue::with_route(route),
                #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
                owners: owners::Publishers::new(),
            }
        }
    }
}

/// The slots, aligned to a pair of cache lines so slot boundaries fall on line boundaries.
#[repr(C, align(128))]
struct Slots<T: Payload, const CAP: usize>([Slot<T>; CAP]);

/// A fixed-capacity broadcast ring of `T`, for one publisher handle (single or multiple
/// producers) and up to `SUBS` subscribers.
///
/// * `CAP`: capacity, a power of two `>= 2` (checked at compile time).
/// * `O`: [`Overwrite`] (lossy, the default) or [`Backpressure`] (lossless).
/// * `SUBS`: the most subscribers that can be registered at once (default 8).
///
/// The ring needs no heap: [`Ring::new`] is a `const fn`, so a ring can sit in a `static`.
/// [`Ring::new_boxed`] and [`Ring::new_arc`] build it directly on the heap (never on the
/// stack, so a large ring cannot overflow a thread's stack).
///
/// ```
/// use hardwire_runtime::{Ring, TryRecvError};
///
/// static TICKS: Ring<u64, 1024> = Ring::new();
///
/// let mut publisher = TICKS.publisher().unwrap();
/// let mut subscriber = TICKS.subscribe().unwrap();
/// publisher.publish(42);
/// assert_eq!(subscriber.try_recv(), Ok(42));
/// assert_eq!(subscriber.try_recv(), Err(TryRecvError::Empty));
/// drop(publisher);
/// assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
/// ```
///
/// Handles are generic over how they reach the ring (`&Ring`, `Arc<Ring>`, or any other
/// `Deref<Target = Ring<..>>`), so the same code serves a `static`, a scoped borrow, or a
/// shared heap ring:
///
/// ```
/// use std::sync::Arc;
/// use hardwire_runtime::{Backpressure, Publisher, Ring, Subscriber};
///
/// let ring: Arc<Ring<u32, 64, Backpressure>> = Ring::new_arc();
/// let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
/// let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
/// let consumer = std::thread::spawn(move || (0..1000).map(|_| subscriber.recv().unwrap()).sum::<u32>());
/// for i in 0..1000 {
///     publisher.publish(i); // waits whenever the subscriber is a full lap behind
/// }
/// assert_eq!(consumer.join().unwrap(), (0..1000).sum());
/// ```
#[repr(C)]
pub struct Ring<T: Payload, const CAP: usize, O: Overflow = Overwrite, const SUBS: usize = 8> {
    /// Written by publishers on every publish; alone on its lines but for the claim table.
    head: CachePadded<Head>,
    control: CachePadded<Control>,
    /// The registration handshake word (module docs): read-modify-written by every gate
    /// rescan, so it stays off the read-mostly `control` lines both sides load per event.
    registrations: CachePadded<AtomicU64>,
    records: [CachePadded<Record>; SUBS],
    slots: Slots<T, CAP>,
    _overflow: PhantomData<O>,
}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> Ring<T, CAP, O, SUBS> {
    const CHECK: () = {
        assert!(CAP >= 2 && CAP.is_power_of_two(), "ring capacity must be a power of two >= 2");
        assert!(CAP <= MAX_CAPACITY, "ring capacity exceeds MAX_CAPACITY (2^30)");
        assert!(SUBS >= 1 && SUBS <= MAX_SUBSCRIBERS, "SUBS must be in 1..=1024");
    };

    /// The capacity, `CAP`.
    pub const CAPACITY: usize = CAP;

    /// The ring's exact memory footprint in bytes, known at compile time.
    pub const MEMORY_BYTES: usize = size_of::<Self>();

    const_fn_unless_loom! {
        /// An empty ring whose first sequence is 0.
        #[must_use]
        pub fn new() -> Self {
            Self::with_start_sequence(0)
        }
    }

    const_fn_unless_loom! {
        /// An empty ring whose first sequence is `start`.
        ///
        /// Sequences are internal bookkeeping; this exists to test code near the end of
        /// the sequence space. A `start` at or above [`SEQUENCE_LIMIT`] is clamped to it: the
        /// ring is then exhausted and publishing into it panics. (Clamping keeps over 2^63 of
        /// headroom above the multi-producer claim counter, so it can never wrap.)
        #[must_use]
        pub fn with_start_sequence(start: u64) -> Self {
            Self::build(start, 0, 0)
        }
    }

    const_fn_unless_loom! {
        /// A ring starting at `start` (clamped), with records `0..reserved` reserved there
        /// and waits routed by `route` ([`WaitQueue`](crate::WaitQueue)).
        fn build(start: u64, reserved: usize, route: u32) -> Self {
            let () = Self::CHECK;
            let start = if start < SEQUENCE_LIMIT { start } else { SEQUENCE_LIMIT };
            let mut ring = Self {
                head: CachePadded::new(Head {
                    sequence: AtomicU64::new(start),
                    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
                    claims: Claims::new(),
                }),
                control: CachePadded::new(Control::new(start, route)),
                registrations: CachePadded::new(AtomicU64::new(0)),
                records: array_of![CachePadded::new(Record::new()); SUBS],
                slots: Slots(array_of![Slot::new(); CAP]),
                _overflow: PhantomData,
            };
            let mut index = 0;
            while index < reserved && index < SUBS {
                ring.records[index] = CachePadded::new(Record::reserved(start));
                index += 1;
            }
            ring
        }
    }

    const_fn_unless_loom! {
        /// An empty ring whose records `0..reserved` (at most `SUBS`) are reserved at the
        /// first sequence: on a `Backpressure` ring they gate publishers from the first
        /// publish, before any handle reads through them. [`Subscriber::resume`] attaches
        /// a handle to one; dropping that handle keeps the place for the next one.
        ///
        /// ```
        /// use hardwire_runtime::{Backpressure, Ring, Subscriber};
        ///
        /// let ring = Ring::<u32, 4, Backpressure, 1>::with_reserved(1);
        /// let mut publisher = ring.publisher().unwrap();
        /// (0..4).for_each(|n| publisher.publish(n));
        /// assert!(publisher.try_publish(4).is_err(), "the reserved subscriber has not read yet");
        /// let mut late = Subscriber::resume(&ring, 0).unwrap();
        /// assert_eq!(late.try_recv(), Ok(0)); // nothing published before it was lost
        /// ```
        #[must_use]
        pub fn with_reserved(reserved: usize) -> Self {
            Self::build(0, reserved, 0)
        }
    }

    const_fn_unless_loom! {
        /// A ring of a generated bus: [`Ring::with_reserved`], and wake-ups routed through
        /// the parking shard `route` (shared by every ring of the bus, so that one waiter can
        /// wait for several of them).
        #[doc(hidden)]
        #[must_use]
        pub fn __for_bus(reserved: usize, route: u32) -> Self {
            Self::build(0, reserved, route)
        }
    }

    /// [`Ring::__for_bus`] applied to an all-zero ring in place (a generated bus's heap
    /// constructor).
    #[doc(hidden)]
    pub fn __prepare_for_bus(&mut self, reserved: usize, route: u32) {
        let start = self.control.start;
        for record in self.records.iter_mut().take(reserved) {
            **record = Record::reserved(start);
        }
        self.control.readers.route = route;
        self.control.writers.route = route;
    }

    /// An empty ring on the heap, allocated zeroed and never built on the stack.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn new_boxed() -> alloc::boxed::Box<Self> {
        Self::boxed_with_start_sequence(0)
    }

    /// [`Ring::with_start_sequence`] on the heap.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn boxed_with_start_sequence(start: u64) -> alloc::boxed::Box<Self> {
        let () = Self::CHECK;
        #[cfg(not(loom))]
        {
            // All-zero bytes are `Ring::new()` (see the `Zeroable` impl); only the start
            // sequence differs, and we hold the only reference.
            let mut ring: alloc::boxed::Box<Self> = bytemuck::zeroed_box();
            let start = start.min(SEQUENCE_LIMIT);
            ring.control.start = start;
            *ring.head.sequence.get_mut() = start;
            ring
        }
        #[cfg(loom)]
        alloc::boxed::Box::new(Self::with_start_sequence(start))
    }

    /// An empty ring in an `Arc`, for handles that own their ring. Built like
    /// [`Ring::new_boxed`]: the ring never passes through the stack.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn new_arc() -> alloc::sync::Arc<Self> {
        alloc::sync::Arc::from(Self::new_boxed())
    }

    /// Takes the ring's single-producer publisher. See [`Publisher::new`].
    ///
    /// # Errors
    ///
    /// [`AlreadyTaken`] if a publisher (of either kind) was taken before.
    pub fn publisher(&self) -> Result<Publisher<&Self>, AlreadyTaken> {
        Publisher::new(self)
    }

    /// A multi-producer publisher, which can be cloned to other threads; callable any
    /// number of times until the ring closes. See [`MultiPublisher::new`].
    ///
    /// # Errors
    ///
    /// [`AlreadyTaken`] if the single-producer publisher was taken, or if every
    /// multi-producer handle was dropped and the ring closed.
    pub fn multi_publisher(&self) -> Result<MultiPublisher<&Self>, AlreadyTaken> {
        MultiPublisher::new(self)
    }

    /// Registers a subscriber that receives every event published from now on. See
    /// [`Subscriber::new`].
    ///
    /// # Errors
    ///
    /// [`SubscribeError::TooManySubscribers`] if all `SUBS` records are in use.
    pub fn subscribe(&self) -> Result<Subscriber<&Self>, SubscribeError> {
        Subscriber::new(self)
    }

    /// Reserves record `index` at the head, with no handle: on a `Backpressure` ring it
    /// gates publishers from now on until a handle that [`Subscriber::resume`]s it calls
    /// [`Subscriber::leave`]. Returns the record's first sequence.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::RecordInUse`] if the record is not free, and
    /// [`SubscribeError::TooManySubscribers`] if `index` is out of range.
    pub fn reserve(&self, index: usize) -> Result<u64, SubscribeError> {
        claim_at(self, index, false)
    }

    /// The capacity, `CAP`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        CAP
    }

    /// Events published so far (claimed, for multiple producers).
    #[must_use]
    pub fn published(&self) -> u64 {
        published(self)
    }

    /// Whether every publisher handle has been dropped.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        AnyRing::is_closed(self)
    }

    /// Subscribers waiting for an event right now: threads parked in a blocking receive
    /// and tasks awaiting one (spinning and yielding waiters are not counted). For
    /// diagnostics and tests.
    #[must_use]
    pub fn waiting_subscribers(&self) -> u32 {
        self.control.readers.waiting()
    }

    /// Subscribers registered now.
    #[must_use]
    pub fn subscriber_count(&self) -> usize {
        subscriber_count(self)
    }

    /// How full the ring is for its slowest subscriber. See [`Pressure`].
    #[must_use]
    pub fn pressure(&self) -> Pressure {
        pressure(self)
    }

    /// A snapshot of the ring's counters.
    #[must_use]
    pub fn stats(&self) -> RingStats {
        stats(self)
    }

    /// The counters of each registered subscriber, as last flushed by it (see
    /// [`Subscriber::stats`]); on a `Backpressure` ring `received` is exact.
    pub fn subscriber_stats(&self) -> impl Iterator<Item = SubscriberStats> + '_ {
        self.records.iter().filter_map(|record| {
            // Acquire: pairs with the Release position stores, as in `record_status`.
            let position = record.position.load(Ordering::Acquire);
            (position != FREE).then(|| record_counts::<Self>(record, position))
        })
    }
}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> Default for Ring<T, CAP, O, SUBS> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every field of a `Ring` is an atomic integer or bool (`AtomicU64`, `AtomicU32`,
// `AtomicBool`, valid for all-zero bytes, which is their `new(0)`/`new(false)` value), a
// plain `u64`, an array of those, `CachePadded` of those (a `repr(align)` wrapper with
// padding), or `PhantomData`. So all-zero bytes are a valid `Ring`, and they are exactly
// the value `Ring::new()` builds: stamps 0 (never written), head and start 0, records
// FREE (0), no publisher, not closed, no parked waiters, claim entries free and idle (0). A zeroed ring of a bad `CAP`
// is still memory-safe (slot indices are masked with `CAP - 1`) and every handle
// constructor evaluates `CHECK`. Not under loom, whose atomics carry model state.
#[cfg(not(loom))]
unsafe impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> bytemuck::Zeroable for Ring<T, CAP, O, SUBS> {}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> core::fmt::Debug for Ring<T, CAP, O, SUBS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &CAP)
            .field("overflow", &O::NAME)
            .field("published", &self.published())
            .field("subscribers", &self.subscriber_count())
            .field("closed", &self.is_closed())
            .field("readers", &self.control().readers)
            .field("writers", &self.control().writers)
            .finish_non_exhaustive()
    }
}

/// Any [`Ring`], whatever its capacity and subscriber count. Handles are generic over
/// pointers to it. Sealed; its hidden methods are not part of the API.
pub trait AnyRing: sealed::Sealed + Sync {
    /// The event type.
    type Payload: Payload;
    /// [`Overwrite`] or [`Backpressure`].
    type Overflow: Overflow;
    /// The capacity.
    const CAPACITY: usize;

    /// The slot of `seq`; callable only inside the runtime (the `Inside` token).
    #[doc(hidden)]
    fn slot(&self, seq: u64, inside: sealed::Inside) -> &Slot<Self::Payload>;
    #[doc(hidden)]
    fn head(&self) -> &AtomicU64;
    #[doc(hidden)]
    fn control(&self) -> &Control;
    #[doc(hidden)]
    fn registrations(&self) -> &AtomicU64;
    #[doc(hidden)]
    fn records(&self) -> &[CachePadded<Record>];
    #[doc(hidden)]
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    fn claims(&self) -> &Claims;

    /// Events published so far (claimed, for multiple producers).
    fn published(&self) -> u64 {
        published(self)
    }

    /// Whether every publisher handle has been dropped.
    fn is_closed(&self) -> bool {
        self.control().closed.load(Ordering::Acquire)
    }

    /// How full the ring is for its slowest subscriber.
    fn pressure(&self) -> Pressure {
        pressure(self)
    }

    /// A snapshot of the ring's counters.
    fn stats(&self) -> RingStats {
        stats(self)
    }

    /// The counters of the subscriber registered in record `index`, as it last flushed
    /// them (on a `Backpressure` ring `received` is exact); `None` if the record is free.
    fn record_stats(&self, index: usize) -> Option<SubscriberStats> {
        let record = self.records().get(index)?;
        // Acquire: pairs with the Release position stores, as in `record_status`.
        let position = record.position.load(Ordering::Acquire);
        (position != FREE).then(|| record_counts::<Self>(record, position))
    }

    /// Where the subscriber of record `index` stands (see [`SubscriberStatus`]); absent
    /// for a free or out-of-range record.
    fn record_status(&self, index: usize) -> SubscriberStatus {
        record_status(self, index)
    }
}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> sealed::Sealed for Ring<T, CAP, O, SUBS> {}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> AnyRing for Ring<T, CAP, O, SUBS> {
    type Payload = T;
    type Overflow = O;
    const CAPACITY: usize = CAP;

    #[inline(always)]
    fn slot(&self, seq: u64, _: sealed::Inside) -> &Slot<T> {
        let () = Self::CHECK;
        &self.slots.0[(seq & (CAP as u64 - 1)) as usize]
    }

    #[inline(always)]
    fn head(&self) -> &AtomicU64 {
        &self.head.sequence
    }

    #[inline(always)]
    fn control(&self) -> &Control {
        &self.control
    }

    #[inline(always)]
    fn registrations(&self) -> &AtomicU64 {
        &self.registrations
    }

    #[inline(always)]
    fn records(&self) -> &[CachePadded<Record>] {
        &self.records
    }

    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    #[inline(always)]
    fn claims(&self) -> &Claims {
        &self.head.claims
    }
}

/// Writes `event` as `seq`: with one plain copy on a lossless ring, through the seqlock
/// otherwise (`slot.rs`, "Exclusive access on lossless rings").
///
/// # Safety
///
/// The caller is the slot's only writer (invariant 2 of `slot.rs`) and, on a lossless ring,
/// `seq` is below a gate limit it computed with [`gate_limit`]/[`has_room`] (every
/// subscriber that could read the slot's previous sequence has released it), and, with
/// multiple producers, it has seen the slot's previous lap committed with Acquire.
#[inline(always)]
pub(crate) unsafe fn store_at<R: AnyRing + ?Sized>(ring: &R, seq: u64, event: &(impl Fill<R::Payload> + ?Sized)) {
    let slot = ring.slot(seq, INSIDE);
    if <R::Overflow as Overflow>::LOSSLESS {
        // SAFETY: the caller's gate and single-writer guarantees are the exclusivity
        // `store_exclusive` needs; lossless slots are only accessed through these helpers.
        unsafe { slot.store_exclusive(seq, event) };
    } else {
        slot.store(seq, event);
    }
}

/// Builds the event of `seq` in its slot of a lossless ring ([`Slot::build_exclusive`]).
///
/// # Safety
///
/// As [`store_at`] on a lossless ring.
#[inline(always)]
pub(crate) unsafe fn build_at<R: AnyRing<Overflow: Lossless> + ?Sized>(
    ring: &R,
    seq: u64,
    build: impl FnOnce(&mut R::Payload),
) {
    // SAFETY: as in `store_at`: the caller's gate and single-writer guarantees.
    unsafe { ring.slot(seq, INSIDE).build_exclusive(seq, build) };
}

/// Calls `f` with the event at `seq` if it is committed (in place on a lossless ring, a
/// seqlock copy otherwise) and returns what it returns as `Ready`; otherwise what the slot
/// held.
///
/// # Safety
///
/// On a lossless ring, the caller is a subscriber whose record gates the ring at or before
/// `seq` (its position is at most `seq + 1`) until after `f` returns.
#[inline(always)]
pub(crate) unsafe fn read_at<R: AnyRing + ?Sized, X>(
    ring: &R,
    seq: u64,
    f: impl FnOnce(&R::Payload) -> X,
) -> SlotRead<X> {
    let slot = ring.slot(seq, INSIDE);
    if <R::Overflow as Overflow>::LOSSLESS {
        // SAFETY: the caller's record keeps every writer out of the slot until `f` returns.
        unsafe { slot.with_exclusive(seq, f) }
    } else {
        match slot.read(seq) {
            SlotRead::Ready(event) => SlotRead::Ready(f(&event)),
            SlotRead::Empty => SlotRead::Empty,
            SlotRead::Busy => SlotRead::Busy,
            SlotRead::Torn => SlotRead::Torn,
            SlotRead::Overwritten { by } => SlotRead::Overwritten { by },
            SlotRead::Abandoned => SlotRead::Abandoned,
        }
    }
}

/// `head`, clamped to the sequence domain. It exceeds [`SEQUENCE_LIMIT`] only transiently,
/// by at most the number of threads claiming at once: a single claim past the limit is
/// undone before its publisher panics, and batches never claim past it.
#[inline]
pub(crate) fn head<R: AnyRing + ?Sized>(ring: &R) -> u64 {
    // Acquire: pairs with the Release head store of a single producer, so a reader that
    // sees `closed` and then the head sees the final head.
    ring.head().load(Ordering::Acquire).min(SEQUENCE_LIMIT)
}

fn published<R: AnyRing + ?Sized>(ring: &R) -> u64 {
    head(ring).saturating_sub(ring.control().start.min(SEQUENCE_LIMIT))
}

fn record_status<R: AnyRing + ?Sized>(ring: &R, index: usize) -> SubscriberStatus {
    let absent = SubscriberStatus { presence: Presence::Absent, stats: SubscriberStats::default(), pending: 0 };
    let Some(record) = ring.records().get(index) else { return absent };
    // Acquire: pairs with the Release position stores, so the counters flushed before the
    // position (by `park`) are seen with it.
    let position = record.position.load(Ordering::Acquire);
    if position == FREE {
        return absent;
    }
    let held = record.held.load(Ordering::Relaxed);
    let stats = record_counts::<R>(record, position);
    let next = position - 1;
    SubscriberStatus {
        presence: if held { Presence::Held } else { Presence::Parked },
        stats,
        pending: head(ring).saturating_sub(next),
    }
}

/// The counters of the subscriber whose record is `record`, at `position` (not `FREE`): as
/// it last flushed them, except `received` on a lossless ring, which is exact: the position
/// is stored after every read, and a subscriber does not flush when it runs dry if it only
/// received (`subscriber.rs`, `Reader::flush_if_dirty`).
fn record_counts<R: AnyRing + ?Sized>(record: &Record, position: u64) -> SubscriberStats {
    let mut stats = record.stats();
    if <R::Overflow as Overflow>::LOSSLESS {
        let read = (position - 1).saturating_sub(record.joined.load(Ordering::Relaxed));
        stats.received = read.saturating_sub(stats.skipped);
    }
    stats
}

fn subscriber_count<R: AnyRing + ?Sized>(ring: &R) -> usize {
    ring.records().iter().filter(|record| record.position.load(Ordering::Relaxed) != FREE).count()
}

fn stats<R: AnyRing + ?Sized>(ring: &R) -> RingStats {
    RingStats {
        capacity: R::CAPACITY,
        overflow: <R::Overflow as Overflow>::NAME,
        published: published(ring),
        subscribers: subscriber_count(ring),
        pressure: pressure(ring),
        closed: ring.is_closed(),
    }
}

fn pressure<R: AnyRing + ?Sized>(ring: &R) -> Pressure {
    let head = head(ring);
    let backlog = ring
        .records()
        .iter()
        .map(|record| record.position.load(Ordering::Relaxed))
        .filter(|&position| position != FREE)
        .map(|position| head.saturating_sub(position - 1))
        .max()
        .unwrap_or(0);
    Pressure::new(backlog as f64 / R::CAPACITY as f64)
}

/// `Control::taken`: no publisher yet.
const NOT_TAKEN: u32 = 0;
/// `Control::taken`: the single-producer publisher was taken.
const SINGLE: u32 = 1;
/// `Control::taken`: multi-producer publishers were taken (any number of times).
const MULTI: u32 = 2;
/// `Control::publishers` once the ring is closed: no handle can be added any more.
const CLOSED: u64 = u64::MAX;

/// Takes a publisher handle: the single-producer one once, or a multi-producer one any
/// number of times until the ring closes. The two kinds exclude each other.
pub(crate) fn take_publisher<R: AnyRing + ?Sized>(ring: &R, multi: bool) -> Result<(), AlreadyTaken> {
    let control = ring.control();
    let kind = if multi { MULTI } else { SINGLE };
    match control.taken.compare_exchange(NOT_TAKEN, kind, Ordering::Acquire, Ordering::Acquire) {
        Ok(_) => {}
        Err(MULTI) if multi => {}
        Err(_) => return Err(AlreadyTaken),
    }
    let mut live = control.publishers.load(Ordering::Relaxed);
    loop {
        if live == CLOSED {
            return Err(AlreadyTaken);
        }
        match control.publishers.compare_exchange_weak(live, live + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => {
                #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
                owners::publisher_added(ring);
                return Ok(());
            }
            Err(now) => live = now,
        }
    }
}

/// Undoes a [`take_publisher`] whose handle was never built (a stage take that failed on a
/// later output): the ring is left as it was, open. A multi-producer ring keeps its kind.
pub(crate) fn untake_publisher<R: AnyRing + ?Sized>(ring: &R, multi: bool) {
    let control = ring.control();
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    owners::publisher_leaving(ring);
    if control.publishers.fetch_sub(1, Ordering::AcqRel) == 1 && !multi {
        // We held the only single-producer claim: nobody else can touch `taken` until
        // this store gives it back.
        control.taken.store(NOT_TAKEN, Ordering::Release);
    }
}

/// Counts one more publisher handle (a clone of a live one, so the ring is open).
pub(crate) fn add_publisher<R: AnyRing + ?Sized>(ring: &R) {
    ring.control().publishers.fetch_add(1, Ordering::Relaxed);
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    owners::publisher_added(ring);
}

/// Drops one publisher handle; the last one closes the ring and wakes parked readers.
pub(crate) fn release_publisher<R: AnyRing + ?Sized>(ring: &R) {
    // Before the count: a process that dies between the two leaves the ring a handle short
    // of closing, never a handle released twice (`owners`).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    owners::publisher_leaving(ring);
    release_counted(ring);
}

/// [`release_publisher`] without the owner bookkeeping (`shm`'s reaper releases the handles
/// of a dead process, whose bookkeeping it clears itself).
fn release_counted<R: AnyRing + ?Sized>(ring: &R) {
    let control = ring.control();
    // AcqRel: the last handle's decrement acquires every other handle's release, so all
    // their commits happen-before the `closed` store below.
    if control.publishers.fetch_sub(1, Ordering::AcqRel) != 1 {
        return;
    }
    // Zero live handles: close, unless a new multi-producer handle got in first (then it
    // is the last one now, and closes the ring when it goes).
    if control.publishers.compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
        // Release: pairs with the Acquire in `is_closed_for_reader`; a reader that sees `closed`
        // sees every commit and the final head.
        control.closed.store(true, Ordering::Release);
        if !mutant::NO_CLOSE_WAKE {
            control.readers.notify_exact();
        }
    }
}

/// Whether every publisher handle is gone: `Acquire`, so a reader that sees it sees every
/// commit of every handle and the final head (`release_publisher`).
#[inline]
pub(crate) fn is_closed_for_reader<R: AnyRing + ?Sized>(ring: &R) -> bool {
    ring.control().closed.load(Ordering::Acquire)
}

/// Where a reader lapped at `seq`, whose slot carries sequence `by`, resumes (module docs).
pub(crate) fn resume_after_lag<R: AnyRing + ?Sized>(ring: &R, by: u64) -> u64 {
    let head = head(ring);
    let newest = if mutant::LAG_IGNORES_STAMP { head } else { head.max(by + 1) };
    newest - R::CAPACITY as u64
}

/// One past the last sequence a backpressure publisher about to publish `next` may publish
/// before rescanning (module docs, "Backpressure gating").
pub(crate) fn gate_limit<R: AnyRing + ?Sized>(ring: &R, next: u64) -> u64 {
    // AcqRel RMW: the publisher side of the registration handshake.
    ring.registrations().fetch_add(0, Ordering::AcqRel);
    scan_gates(ring, next)
}

/// Whether the gates would let `seq` through, by plain loads only. A waiting publisher
/// polls this, and runs the handshake of [`gate_limit`] only once it says yes: waiting
/// then writes nothing shared.
pub(crate) fn has_room<R: AnyRing + ?Sized>(ring: &R, seq: u64) -> bool {
    seq < scan_gates(ring, seq)
}

fn scan_gates<R: AnyRing + ?Sized>(ring: &R, next: u64) -> u64 {
    let mut slowest = next;
    for record in ring.records() {
        // Acquire: pairs with the subscriber's Release position store, so its read of the
        // slot is complete before we overwrite it.
        let position = record.position.load(Ordering::Acquire);
        if position != FREE {
            slowest = slowest.min(position - 1);
        }
    }
    let slack = u64::from(mutant::GATE_OFF_BY_ONE);
    (slowest + R::CAPACITY as u64 + slack).min(SEQUENCE_LIMIT)
}

/// Claims a free record for a new subscriber, held by it; returns its index and first
/// sequence.
pub(crate) fn register<R: AnyRing + ?Sized>(ring: &R) -> Result<(usize, u64), SubscribeError> {
    let tentative = head(ring);
    let index = ring
        .records()
        .iter()
        .position(|record| claim_record(ring, record, tentative))
        .ok_or(SubscribeError::TooManySubscribers { max: ring.records().len() })?;
    Ok((index, activate(ring, index, true)))
}

/// Claims the free record `index` at the head (a generated bus gives each subscriber a
/// fixed record, so its stats can be found by name), `held` by a handle or only reserved;
/// returns the first sequence.
pub(crate) fn claim_at<R: AnyRing + ?Sized>(ring: &R, index: usize, held: bool) -> Result<u64, SubscribeError> {
    let record = ring.records().get(index).ok_or(SubscribeError::TooManySubscribers { max: ring.records().len() })?;
    if !claim_record(ring, record, head(ring)) {
        return Err(SubscribeError::RecordInUse { index });
    }
    Ok(activate(ring, index, held))
}

/// Takes a free record, tentatively at `tentative` (module docs, "Backpressure gating").
/// Every operation on a record first takes its `held` flag (on a ring in shared memory,
/// its owner first: `owners`), so a claim never races an `attach` on the same record;
/// [`activate`] sets the flag to its final value.
fn claim_record<R: AnyRing + ?Sized>(ring: &R, record: &Record, tentative: u64) -> bool {
    // Only a record that looks free is worth its lock: `register` scans every record, and
    // must not take a reserved one's flag even for a moment (an `attach` would then fail).
    if record.position.load(Ordering::Relaxed) != FREE {
        return false;
    }
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    if !owners::lock_record(ring, record, false) {
        return false;
    }
    #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
    let _ = ring;
    if record.held.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        owners::unlock_record(record);
        return false;
    }
    let claimed = record.position.compare_exchange(FREE, tentative + 1, Ordering::Relaxed, Ordering::Relaxed).is_ok();
    if !claimed {
        record.held.store(false, Ordering::Release);
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        owners::unlock_record(record);
    }
    claimed
}

/// Finishes registering a claimed record; returns the subscriber's first sequence.
fn activate<R: AnyRing + ?Sized>(ring: &R, index: usize, held: bool) -> u64 {
    let record = &ring.records()[index];
    for counter in [&record.received, &record.lagged, &record.skipped, &record.torn_reads, &record.invalid] {
        counter.store(0, Ordering::Relaxed);
    }
    if <R::Overflow as Overflow>::LOSSLESS && !mutant::NO_REGISTER_HANDSHAKE {
        // AcqRel RMW: the subscriber side of the registration handshake.
        ring.registrations().fetch_add(1, Ordering::AcqRel);
    }
    let start = head(ring);
    record.joined.store(start, Ordering::Relaxed);
    // Release: pairs with the Acquire in `gate_limit`.
    record.position.store(start + 1, Ordering::Release);
    // Release: pairs with the Acquire in `attach` (a reserved record's first handle).
    record.held.store(held, Ordering::Release);
    // A held record stays locked by its handle's process (`claim_record`); a reserved one
    // is free for the handle that resumes it.
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    if !held {
        owners::unlock_record(record);
    }
    start
}

/// Attaches a handle to the reserved record `index` (module docs, "Records and their
/// lifecycle"); returns its cursor and its counters as the last handle left them.
pub(crate) fn attach<R: AnyRing + ?Sized>(ring: &R, index: usize) -> Result<(u64, SubscriberStats), SubscribeError> {
    let record = ring.records().get(index).ok_or(SubscribeError::TooManySubscribers { max: ring.records().len() })?;
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    if !owners::lock_record(ring, record, true) {
        return Err(SubscribeError::RecordInUse { index });
    }
    // Acquire: pairs with the Release in `park` and `activate`, so the position and
    // counters below are the ones the previous handle (or the reservation) stored.
    if record.held.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        owners::unlock_record(record);
        return Err(SubscribeError::RecordInUse { index });
    }
    let position = record.position.load(Ordering::Acquire);
    if position == FREE {
        record.held.store(false, Ordering::Release);
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        owners::unlock_record(record);
        return Err(SubscribeError::NotReserved { index });
    }
    Ok((position - 1, record.stats()))
}

/// Detaches the handle of a reserved record and keeps the place: its cursor and counters
/// stay in the record for the next [`attach`].
pub(crate) fn park<R: AnyRing + ?Sized>(ring: &R, index: usize, cursor: u64, counts: &SubscriberStats) {
    let record = &ring.records()[index];
    store_counts(record, counts);
    // Release: pairs with the Acquire in `gate_limit` (backpressure: our reads before the
    // cursor are complete) and in `attach`.
    record.position.store(cursor + 1, Ordering::Release);
    // Release: pairs with the Acquire swap in `attach`.
    record.held.store(false, Ordering::Release);
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    owners::unlock_record(record);
}

/// Copies a handle's counters to its record.
pub(crate) fn store_counts(record: &Record, counts: &SubscriberStats) {
    record.received.store(counts.received, Ordering::Relaxed);
    record.lagged.store(counts.lagged, Ordering::Relaxed);
    record.skipped.store(counts.skipped, Ordering::Relaxed);
    record.torn_reads.store(counts.torn_reads, Ordering::Relaxed);
    record.invalid.store(counts.invalid, Ordering::Relaxed);
}

/// Frees a subscriber's record; on a backpressure ring, wakes publishers it held back.
pub(crate) fn deregister<R: AnyRing + ?Sized>(ring: &R, index: usize) {
    let lossless = <R::Overflow as Overflow>::LOSSLESS;
    let record = &ring.records()[index];
    if !(lossless && mutant::NO_DEREGISTER) {
        // Release: pairs with the Acquire in `gate_limit`; our last reads are complete.
        record.position.store(FREE, Ordering::Release);
    }
    record.held.store(false, Ordering::Release);
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    owners::unlock_record(record);
    if lossless {
        ring.control().writers.notify_exact();
    }
}

/// Byte offsets of what `shm::inspect` reads from a ring it has no type for, in order:
/// the head, the start sequence, the live-publisher count, the closed flag, the first
/// record, the distance between records, and in a record: its position, held flag, first
/// sequence, received, lagged and skipped counters, and owner (`owners`).
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) const PROBE_WORDS: usize = 13;

#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> Ring<T, CAP, O, SUBS> {
    pub(crate) const PROBE: [u64; PROBE_WORDS] = {
        let control = core::mem::offset_of!(Self, control);
        [
            core::mem::offset_of!(Self, head) as u64,
            (control + core::mem::offset_of!(Control, start)) as u64,
            (control + core::mem::offset_of!(Control, publishers)) as u64,
            (control + core::mem::offset_of!(Control, closed)) as u64,
            core::mem::offset_of!(Self, records) as u64,
            size_of::<CachePadded<Record>>() as u64,
            core::mem::offset_of!(Record, position) as u64,
            core::mem::offset_of!(Record, held) as u64,
            core::mem::offset_of!(Record, joined) as u64,
            core::mem::offset_of!(Record, received) as u64,
            core::mem::offset_of!(Record, lagged) as u64,
            core::mem::offset_of!(Record, skipped) as u64,
            core::mem::offset_of!(Record, owner) as u64,
        ]
    };
}

/// `Control::publishers` once the ring is closed, for `shm::inspect`.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) const CLOSED_PUBLISHERS: u64 = CLOSED;

/// Releases what processes that are not `alive` held of a ring in shared memory: their
/// publisher handles are dropped as their process would have dropped them, and the records
/// their handles held are freed, or kept with their cursor for the next [`attach`] if the
/// handle would have kept it (one that resumed a reserved record); a record a dead process
/// was still taking or had given back is just unlocked. Publisher handles nobody recorded
/// (a process that died between taking and recording, or more processes than
/// `owners::SLOTS`) are left alone. Dead processes' claim entries are freed. Safe to run
/// from several threads and processes at once: each dead entry is claimed by one
/// compare-and-swap. Returns how many handles and records it released.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) fn reap<R: AnyRing + ?Sized>(ring: &R, alive: &dyn Fn(u32) -> bool) -> u64 {
    let mut released = 0;
    owners::free_dead_claims(ring.claims(), alive);
    for count in ring.control().owners.take_dead(alive) {
        // A dead single producer may have committed the slot of `head` and died before
        // storing `head + 1`. The event is whole (its stamp says committed), and readers,
        // which go by stamps, will read it; so the head moves past it, and `published`
        // counts it.
        if ring.control().taken.load(Ordering::Acquire) == SINGLE {
            let head = ring.head().load(Ordering::Acquire);
            if head < SEQUENCE_LIMIT && ring.slot(head, INSIDE).holds_committed(head, true) {
                // Release: as the producer's own head store would have been.
                ring.head().store(head + 1, Ordering::Release);
            }
        }
        for _ in 0..count {
            release_counted(ring);
        }
        released += u64::from(count);
    }
    for (index, record) in ring.records().iter().enumerate() {
        let owner = record.owner.load(Ordering::Acquire);
        if owner == 0 || owner == owners::RELEASING || alive(owner & !owners::KEEPS) {
            continue;
        }
        // The claim to release it: one reaper wins, and the record stays locked (so nobody
        // else can take it) until the winner gives it back below.
        if record.owner.compare_exchange(owner, owners::RELEASING, Ordering::AcqRel, Ordering::Relaxed).is_err() {
            continue;
        }
        if !record.held.load(Ordering::Acquire) {
            // The dead process was taking the record and had not taken its flag yet, or
            // was giving it back and had: either way it holds nothing.
            owners::unlock_record(record);
            continue;
        }
        released += 1;
        if owner & owners::KEEPS != 0 {
            // Release: pairs with the Acquire swap in `attach`.
            record.held.store(false, Ordering::Release);
            owners::unlock_record(record);
        } else {
            deregister(ring, index); // unlocks it last
        }
    }
    released
}

/// [`reap`] with liveness from `/proc` (a process that exists and is not a zombie counts as
/// alive): what a waiting publisher or subscriber of a ring in shared memory runs now and
/// then, so that a dead peer blocks it for a bounded time, not until someone opens the
/// segment. Does nothing on a ring in process memory.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) fn reap_dead<R: AnyRing + ?Sized>(ring: &R) -> u64 {
    if !owners::shared(ring) {
        return 0;
    }
    reap(ring, &owners::process_alive)
}

/// Counts the polls of a handle that found its ring not ready (no event for a subscriber,
/// no room for a publisher), and runs [`reap_dead`] at most every 100 ms of such polls on a
/// ring in shared memory, so that a dead peer cannot block a live handle for good, whether
/// it blocks, polls with `try_*` or awaits. Each handle keeps one (a subscriber's in its
/// reader, a publisher's in the handle): the clock is read every 16 polls, about 1.5 ns a
/// poll while spinning, and a dead peer is found within about a second once the waiter
/// sleeps (16 backstops of at most 64 ms; an async waiter is woken as often by its
/// process's reactor thread). Nothing at all without feature `shm`.
#[derive(Debug, Default)]
pub(crate) struct DeadWatch {
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    polls: u32,
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    since: Option<std::time::Instant>,
}

impl DeadWatch {
    /// One poll that found the ring not ready.
    #[inline]
    pub(crate) fn tick<R: AnyRing + ?Sized>(&mut self, ring: &R) {
        self.tick_at(ring, None);
    }

    /// One poll that found the ring not ready at sequence `waits_at`, which a subscriber
    /// waits to read or a publisher waits to see done (the slot's previous lap): past
    /// [`reap_dead`], it also asks whether a dead producer abandoned that sequence's claim
    /// ([`abandon_dead_claim`]).
    #[inline]
    pub(crate) fn tick_at<R: AnyRing + ?Sized>(&mut self, ring: &R, waits_at: Option<u64>) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        {
            self.polls = self.polls.wrapping_add(1);
            if self.polls % 16 == 0 && owners::shared(ring) {
                let now = std::time::Instant::now();
                let since = *self.since.get_or_insert(now);
                if now.duration_since(since) >= std::time::Duration::from_millis(100) {
                    self.since = Some(now);
                    reap_dead(ring);
                    if let Some(seq) = waits_at.filter(|_| !mutant::NO_ABANDON) {
                        abandon_dead_claim(ring, seq, &owners::process_alive);
                    }
                }
            }
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        let _ = (ring, waits_at);
    }
}

/// Marks `seq` abandoned (`slot.rs`) if its claim belongs to no producer that is `alive`
/// and it was never committed: a multi-producer publisher whose process died between
/// claiming `seq` and committing it. Readers then pass it, counted as skipped, and the
/// slot's next writer goes on. Returns whether it marked it.
///
/// Why a claim it marks is a dead one. `seq < head` (read with Acquire): some handle's claim
/// returned `seq`. Every multi-producer handle of a shared ring has an entry in [`Claims`]
/// (or counts in `unrecorded`, and then nothing is marked), and stores
/// [`owners::CLAIMING`] in it, then a Release fence, before its claim's read-modify-write of
/// the head; every later change of the head is a read-modify-write too (single producers,
/// whose head stores are plain, never share a ring with multi-producer ones), so the
/// Acquire load synchronizes with that fence and each entry below reads that handle's
/// `CLAIMING` or a later value. While the handle holds `seq` its entry says so (`CLAIMING`,
/// or one more than a first uncommitted sequence at or below `seq`); every value it stores
/// after that comes after its commit of `seq`, with Release, so reading one makes the
/// commit visible to the compare-and-swap that marks: it then fails. So if no live entry
/// covers `seq` and the stamp still shows it unwritten when the mark is made, the handle
/// that claimed it is in a process that is not alive, which will never write it. A
/// lossless ring marks only once no subscriber can still be reading the slot's previous
/// lap ([`has_room`]): the mark changes the stamp such a reader relies on. The dead
/// process's own stores into the slot (a write it had begun) all precede its death, which
/// this process learned from the kernel (`/proc`) before marking; the slot's next writer
/// sees the mark with Acquire, after the marking side's accesses, and overwrites them.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) fn abandon_dead_claim<R: AnyRing + ?Sized>(ring: &R, seq: u64, alive: &dyn Fn(u32) -> bool) -> bool {
    if !owners::shared(ring) || seq >= ring.head().load(Ordering::Acquire) {
        return false;
    }
    let slot = ring.slot(seq, INSIDE);
    let seen = slot.stamp();
    let claims = ring.claims();
    if !Slot::<R::Payload>::awaits(seen, seq) || claims.unrecorded.load(Ordering::Acquire) != 0 {
        return false;
    }
    for entry in &claims.entries {
        let owner = entry.owner.load(Ordering::Acquire);
        if owner == 0 || owner == owners::RELEASING || !alive(owner) {
            continue;
        }
        let held = entry.held.load(Ordering::Acquire);
        if held == owners::CLAIMING || (held != 0 && held - 1 <= seq) {
            return false;
        }
    }
    if <R::Overflow as Overflow>::LOSSLESS && !has_room(ring, seq) && !mutant::MARK_WITHOUT_GATE {
        return false;
    }
    slot.mark_abandoned(seq, seen)
}

/// A multi-producer handle's entry in its ring's claim table ([`Claims`]), which lets a
/// claim whose process died be told from a live one ([`abandon_dead_claim`]). Costs a
/// predictable branch per publish on a ring in process memory, and nothing at all without
/// feature `shm`.
#[derive(Debug)]
pub(crate) struct ClaimMark {
    /// The entry's index, [`owners::LOCAL`] or [`owners::UNRECORDED`].
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    entry: u8,
}

impl ClaimMark {
    /// Takes a free entry for a new handle of `ring` (none on a ring in process memory).
    pub(crate) fn take<R: AnyRing + ?Sized>(ring: &R) -> Self {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        {
            if !owners::shared(ring) {
                return Self { entry: owners::LOCAL };
            }
            let claims = ring.claims();
            let pid = std::process::id();
            for (index, entry) in claims.entries.iter().enumerate() {
                // Acquire: the entry's last holder stored `held = 0` before freeing it.
                if entry.owner.compare_exchange(0, pid, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    return Self { entry: index as u8 };
                }
            }
            // Before the handle can claim anything: `abandon_dead_claim` must see it.
            claims.unrecorded.fetch_add(1, Ordering::AcqRel);
            Self { entry: owners::UNRECORDED }
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        {
            let _ = ring;
            Self {}
        }
    }

    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    #[inline(always)]
    fn held<'r, R: AnyRing + ?Sized>(&self, ring: &'r R) -> Option<&'r AtomicU64> {
        if self.entry >= owners::UNRECORDED || mutant::UNRECORDED_CLAIMS {
            return None;
        }
        ring.claims().entries.get(usize::from(self.entry)).map(|entry| &entry.held)
    }

    /// The handle is about to claim: the entry says so before the claim can be seen.
    #[inline(always)]
    pub(crate) fn claiming<R: AnyRing + ?Sized>(&self, ring: &R) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        if let Some(held) = self.held(ring) {
            held.store(owners::CLAIMING, Ordering::Relaxed);
            // Release fence before the claim's read-modify-write of the head: whoever sees
            // the claim through an Acquire load of the head sees `CLAIMING` (or later).
            crate::sync::fence(Ordering::Release);
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        let _ = ring;
    }

    /// The handle's first claimed sequence not yet committed is `seq` (it claimed it, or
    /// committed the one before it in a batch). Release: after the commits before `seq`.
    #[inline(always)]
    pub(crate) fn holds<R: AnyRing + ?Sized>(&self, ring: &R, seq: u64) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        if let Some(held) = self.held(ring) {
            held.store(seq + 1, Ordering::Release);
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        let _ = (ring, seq);
    }

    /// The handle holds no claim (all committed, or none made). Release: after the commits.
    #[inline(always)]
    pub(crate) fn done<R: AnyRing + ?Sized>(&self, ring: &R) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        if let Some(held) = self.held(ring) {
            held.store(0, Ordering::Release);
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        let _ = ring;
    }

    /// Gives the entry back: the handle is going, holding no claim.
    pub(crate) fn release<R: AnyRing + ?Sized>(&self, ring: &R) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        {
            if self.entry == owners::UNRECORDED {
                ring.claims().unrecorded.fetch_sub(1, Ordering::AcqRel);
            } else if let Some(entry) = ring.claims().entries.get(usize::from(self.entry)) {
                entry.held.store(0, Ordering::Release);
                entry.owner.store(0, Ordering::Release);
            }
        }
        #[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
        let _ = ring;
    }
}

/// Who holds what, on a ring in shared memory (`shm`).
///
/// A process that dies never drops its handles, so the ring records which process took
/// each: a record's `owner` (the record's lock across processes: set before a handle takes
/// the record's `held` flag, cleared after the flag is given back, so a process that dies
/// anywhere in between is on record), and for publishers a small table of (process id,
/// handles) pairs in [`Control`]. Only rings whose wait route is [`SHARED_ROUTE`] record
/// anything: in one process there is nobody to recover for. A publisher handle that is not
/// recorded (its process died between taking it and recording it, or the table was full)
/// is not recovered: it stays, as if alive.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub(crate) mod owners {
    use super::*;
    use crate::wait::SHARED_ROUTE;

    /// Processes whose publisher handles one ring records.
    pub(crate) const SLOTS: usize = 6;

    /// A slot's pid (or a claim entry's owner) while a reaper releases it.
    pub(crate) const RELEASING: u32 = u32::MAX;

    /// Multi-producer publisher handles whose claims one ring records ([`Claims`]): as
    /// many as fit beside the head in its padding, 7 where `CachePadded` pads to 128 bytes
    /// (x86-64, aarch64), 3 where it pads to 64. A handle beyond them is not recorded.
    pub(crate) const CLAIM_ENTRIES: usize = (core::mem::align_of::<CachePadded<u8>>() - 16) / 16;

    /// A claim entry's `held` from just before its handle claims until it knows what.
    pub(crate) const CLAIMING: u64 = u64::MAX;

    /// [`ClaimMark`] of a handle of a ring in process memory: it records nothing.
    pub(crate) const LOCAL: u8 = u8::MAX;

    /// [`ClaimMark`] of a handle that found no free entry (counted in `Claims::unrecorded`).
    pub(crate) const UNRECORDED: u8 = u8::MAX - 1;

    const _: () = assert!(CLAIM_ENTRIES < UNRECORDED as usize);

    /// Frees the claim entries of handles whose process is not `alive` (so the table does
    /// not fill with the dead). A dead entry is claimed by swapping its owner for
    /// [`RELEASING`], so only one reaper clears it, and no handle takes it meanwhile.
    pub(super) fn free_dead_claims(claims: &Claims, alive: &dyn Fn(u32) -> bool) {
        for entry in &claims.entries {
            let owner = entry.owner.load(Ordering::Acquire);
            if owner == 0 || owner == RELEASING || alive(owner) {
                continue;
            }
            if entry.owner.compare_exchange(owner, RELEASING, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
                entry.held.store(0, Ordering::Relaxed);
                // Release: the next taker (Acquire) sees `held = 0`.
                entry.owner.store(0, Ordering::Release);
            }
        }
    }

    /// Publisher handles per process.
    pub(crate) struct Publishers {
        pids: [AtomicU32; SLOTS],
        counts: [AtomicU32; SLOTS],
    }

    impl Publishers {
        pub(crate) const fn new() -> Self {
            Self { pids: [const { AtomicU32::new(0) }; SLOTS], counts: [const { AtomicU32::new(0) }; SLOTS] }
        }

        /// The slot of process `pid`, claiming a free one if `claim`.
        fn slot(&self, pid: u32, claim: bool) -> Option<usize> {
            if let Some(slot) = self.pids.iter().position(|p| p.load(Ordering::Acquire) == pid) {
                return Some(slot);
            }
            if !claim {
                return None;
            }
            self.pids.iter().position(|p| p.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire).is_ok())
        }

        /// Clears the slots of processes that are not `alive`; returns their handle counts.
        /// A slot is claimed by swapping its pid for [`RELEASING`] first, so two reapers never
        /// both release it, and no process can claim it until its count is taken.
        pub(super) fn take_dead(&self, alive: &dyn Fn(u32) -> bool) -> impl Iterator<Item = u32> + '_ {
            let dead: [Option<u32>; SLOTS] = core::array::from_fn(|slot| {
                let pid = self.pids[slot].load(Ordering::Acquire);
                if pid == 0 || pid == RELEASING || alive(pid) {
                    return None;
                }
                self.pids[slot].compare_exchange(pid, RELEASING, Ordering::AcqRel, Ordering::Relaxed).ok()?;
                let count = self.counts[slot].swap(0, Ordering::AcqRel);
                self.pids[slot].store(0, Ordering::Release);
                Some(count)
            });
            dead.into_iter().flatten()
        }
    }

    pub(crate) fn shared<R: AnyRing + ?Sized>(ring: &R) -> bool {
        ring.control().readers.route == SHARED_ROUTE
    }

    /// Whether process `pid` exists and is not a zombie (`shm`'s reading of `/proc/PID/stat`;
    /// a status that cannot be read counts as alive: never release what might be live).
    pub(crate) fn process_alive(pid: u32) -> bool {
        crate::shm::started(pid).is_some()
    }

    /// A publisher handle of this process was taken or cloned.
    pub(crate) fn publisher_added<R: AnyRing + ?Sized>(ring: &R) {
        if !shared(ring) {
            return;
        }
        let owners = &ring.control().owners;
        if let Some(slot) = owners.slot(std::process::id(), true) {
            owners.counts[slot].fetch_add(1, Ordering::AcqRel);
        }
    }

    /// A publisher handle of this process is going.
    pub(crate) fn publisher_leaving<R: AnyRing + ?Sized>(ring: &R) {
        if !shared(ring) {
            return;
        }
        let owners = &ring.control().owners;
        if let Some(slot) = owners.slot(std::process::id(), false) {
            let _ = owners.counts[slot].fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        }
    }

    /// A record's `owner` bit saying its handle keeps the place when it goes (it resumed
    /// a reserved record) rather than freeing it. Process ids are below 2^22.
    pub(crate) const KEEPS: u32 = 1 << 31;

    /// Locks `record` for a handle of this process that is about to take it, on a ring in
    /// shared memory (`true` at once on others): the owner is set before the `held` flag is
    /// taken and cleared after it is given back ([`unlock_record`]), so a process that dies
    /// at any point of taking, holding or giving back a record has its process id there
    /// for [`reap`]. `false` if another handle has it locked.
    pub(crate) fn lock_record<R: AnyRing + ?Sized>(ring: &R, record: &Record, keeps: bool) -> bool {
        if !shared(ring) {
            return true;
        }
        let owner = std::process::id() | if keeps { KEEPS } else { 0 };
        // Acquire: after the previous holder's (or reaper's) release of the record.
        record.owner.compare_exchange(0, owner, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// The last step of giving a record back (a no-op store of `0` on a ring in process
    /// memory, whose records are never locked).
    pub(crate) fn unlock_record(record: &Record) {
        // Release: after the record's flag and position were given back.
        record.owner.store(0, Ordering::Release);
    }

    const _: () = assert!(size_of::<Control>() <= 128, "Control must fit the cache-line pair it is padded to");
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn zeroed_box_is_a_new_ring() {
        let boxed = Ring::<[u64; 4], 1024, Backpressure, 4>::new_boxed();
        let fresh = Ring::<[u64; 4], 1024, Backpressure, 4>::new();
        assert_eq!(format!("{boxed:?}"), format!("{fresh:?}"));
        assert_eq!(boxed.published(), 0);
        assert_eq!(boxed.subscriber_count(), 0);
        let mut publisher = boxed.publisher().unwrap();
        let mut subscriber = boxed.subscribe().unwrap();
        publisher.publish([1, 2, 3, 4]);
        assert_eq!(subscriber.try_recv(), Ok([1, 2, 3, 4]));
    }

    #[test]
    fn boxed_start_sequence_is_honoured() {
        let ring = Ring::<u64, 4>::boxed_with_start_sequence(1 << 40);
        let mut subscriber = ring.subscribe().unwrap();
        let mut publisher = ring.publisher().unwrap();
        publisher.publish(9);
        assert_eq!(subscriber.try_recv(), Ok(9));
        assert_eq!(ring.published(), 1);
    }

    #[test]
    fn a_one_mebibyte_ring_fits_a_small_thread_stack() {
        // Debug builds copy by-value returns through the stack; the heap constructor must
        // not. 1 MiB of slots on a 256 KiB stack overflows if anything is built there.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let ring = Ring::<[u64; 4], 32768>::new_boxed();
                const { assert!(Ring::<[u64; 4], 32768>::MEMORY_BYTES >= 1 << 20) };
                let arc = Ring::<[u64; 4], 32768>::new_arc();
                (ring.capacity(), arc.capacity())
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn memory_bytes_is_the_exact_size() {
        type R = Ring<u64, 64, Overwrite, 2>;
        assert_eq!(R::MEMORY_BYTES, size_of::<R>());
        // 64 slots of 16 bytes; head, control, registrations and two records, each padded
        // to `CachePadded`'s alignment (128 bytes on x86-64, 64 on i686); the whole rounded
        // up to the slot array's 128-byte alignment.
        let padded = core::mem::align_of::<CachePadded<u8>>();
        assert_eq!(R::MEMORY_BYTES, (64 * 16 + padded * 5).next_multiple_of(128));
    }

    #[test]
    fn single_producer_is_taken_once_multi_producer_until_closed() {
        let ring = Ring::<u64, 2>::new();
        let first = ring.multi_publisher().unwrap();
        assert_eq!(ring.publisher().err(), Some(AlreadyTaken));
        let second = ring.multi_publisher().unwrap();
        let third = first.clone();
        drop(first);
        drop(second);
        assert!(!ring.is_closed());
        drop(third);
        assert!(ring.is_closed());
        assert_eq!(ring.multi_publisher().err(), Some(AlreadyTaken), "a closed ring stays closed");

        let single = Ring::<u64, 2>::new();
        let publisher = single.publisher().unwrap();
        assert_eq!(single.publisher().err(), Some(AlreadyTaken));
        assert_eq!(single.multi_publisher().err(), Some(AlreadyTaken));
        drop(publisher);
        assert!(single.is_closed());
        assert_eq!(single.publisher().err(), Some(AlreadyTaken));
    }

    #[test]
    fn too_many_subscribers_is_an_error() {
        let ring = Ring::<u64, 2, Overwrite, 2>::new();
        let _a = ring.subscribe().unwrap();
        let b = ring.subscribe().unwrap();
        assert_eq!(ring.subscribe().err(), Some(SubscribeError::TooManySubscribers { max: 2 }));
        drop(b);
        assert!(ring.subscribe().is_ok(), "a dropped subscriber frees its record");
    }

    /// What a killed process leaves (claims it never committed, records it was taking),
    /// simulated in one process with a process id Linux never gives, so the rules of
    /// `abandon_dead_claim` and `reap` can each be checked (`runtime/tests/shm.rs` kills
    /// real processes).
    #[cfg(all(feature = "shm", target_os = "linux"))]
    mod dead_processes {
        use super::*;
        use crate::wait::SHARED_ROUTE;

        /// Not a process id: Linux's `pid_max` is at most 2^22.
        const DEAD: u32 = 1 << 22;

        fn dead(pid: u32) -> bool {
            pid == DEAD
        }

        fn shared<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize>(
            reserved: usize,
        ) -> alloc::boxed::Box<Ring<T, CAP, O, SUBS>> {
            let mut ring = Ring::<T, CAP, O, SUBS>::new_boxed();
            ring.__prepare_for_bus(reserved, SHARED_ROUTE);
            ring
        }

        /// What a multi-producer handle of process `DEAD` leaves when it is killed after
        /// claiming a sequence and before committing it: its entry, and the claimed head.
        fn claim_and_die<R: AnyRing + ?Sized>(ring: &R) -> u64 {
            let entry = ring
                .claims()
                .entries
                .iter()
                .find(|entry| entry.owner.compare_exchange(0, DEAD, Ordering::AcqRel, Ordering::Relaxed).is_ok());
            let entry = entry.expect("a free claim entry");
            entry.held.store(owners::CLAIMING, Ordering::Relaxed);
            let seq = ring.head().fetch_add(1, Ordering::Release);
            entry.held.store(seq + 1, Ordering::Release);
            seq
        }

        fn own_entry<R: AnyRing + ?Sized>(ring: &R) -> &ClaimEntry {
            let me = std::process::id();
            ring.claims().entries.iter().find(|entry| entry.owner.load(Ordering::Relaxed) == me).unwrap()
        }

        #[test]
        fn a_dead_claim_is_marked_only_when_no_live_handle_may_hold_it() {
            let ring = shared::<u64, 4, Backpressure, 2>(1);
            let mut live = ring.multi_publisher().unwrap();
            let mut subscriber = Subscriber::resume(&*ring, 0).unwrap();
            live.publish(1);
            let hole = claim_and_die(&*ring);
            live.publish(3);
            assert_eq!(subscriber.try_recv(), Ok(1));
            assert_eq!(subscriber.try_recv(), Err(crate::TryRecvError::Empty), "waits at the hole");

            assert!(!abandon_dead_claim(&*ring, hole, &|_| true), "its holder's process is alive");
            ring.claims().unrecorded.fetch_add(1, Ordering::Relaxed);
            assert!(!abandon_dead_claim(&*ring, hole, &|pid| !dead(pid)), "an unrecorded handle might hold it");
            ring.claims().unrecorded.fetch_sub(1, Ordering::Relaxed);
            own_entry(&*ring).held.store(owners::CLAIMING, Ordering::Relaxed);
            assert!(!abandon_dead_claim(&*ring, hole, &|pid| !dead(pid)), "a live handle is claiming");
            own_entry(&*ring).held.store(hole + 1, Ordering::Relaxed);
            assert!(!abandon_dead_claim(&*ring, hole, &|pid| !dead(pid)), "a live handle holds it");
            own_entry(&*ring).held.store(hole + 2, Ordering::Relaxed);
            assert!(!abandon_dead_claim(&*ring, hole + 1, &|pid| !dead(pid)), "committed, not abandoned");
            assert!(!abandon_dead_claim(&*ring, hole + 2, &|pid| !dead(pid)), "not claimed yet");
            assert!(abandon_dead_claim(&*ring, hole, &|pid| !dead(pid)), "a live handle past it, the holder dead");
            own_entry(&*ring).held.store(0, Ordering::Relaxed);
            assert!(!abandon_dead_claim(&*ring, hole, &|pid| !dead(pid)), "marked once");

            assert_eq!(subscriber.try_recv(), Ok(3), "passed, counted as skipped");
            // The hole's slot's next lap is written without waiting (seq 5 is slot 1 again).
            (4..7).for_each(|n| live.publish(n));
            assert_eq!([(); 3].map(|()| subscriber.try_recv()), [Ok(4), Ok(5), Ok(6)]);
            assert_eq!(subscriber.stats().received, 5);
            assert_eq!(subscriber.stats().skipped, 1);
        }

        #[test]
        fn a_lossless_hole_waits_for_readers_of_its_slots_previous_lap() {
            let ring = shared::<u64, 4, Backpressure, 2>(2);
            let mut live = ring.multi_publisher().unwrap();
            let mut ahead = Subscriber::resume(&*ring, 0).unwrap();
            let mut behind = Subscriber::resume(&*ring, 1).unwrap();
            (0..4).for_each(|n| live.publish(n));
            (0..4).for_each(|n| assert_eq!(ahead.try_recv(), Ok(n)));
            let hole = claim_and_die(&*ring);
            assert_eq!(hole, 4);
            assert!(!abandon_dead_claim(&*ring, hole, &dead_is_dead), "`behind` may still read slot 0's seq 0");
            (0..4).for_each(|n| assert_eq!(behind.try_recv(), Ok(n)));
            assert!(abandon_dead_claim(&*ring, hole, &dead_is_dead));
            live.publish(5);
            assert_eq!((ahead.try_recv(), behind.try_recv()), (Ok(5), Ok(5)));
        }

        fn dead_is_dead(pid: u32) -> bool {
            !dead(pid)
        }

        /// A record's owner is set before its `held` flag is taken and cleared after it is
        /// given back, so a process killed at any step of taking or giving back a record is
        /// on record, and the reaper leaves the record as the step left it.
        #[test]
        fn a_process_killed_while_taking_a_record_leaves_it_recoverable() {
            let ring = shared::<u64, 4, Backpressure, 2>(1);
            let record = &ring.records()[0];
            let me = std::process::id();
            let held = Subscriber::resume(&*ring, 0).unwrap();
            assert_eq!(record.owner.load(Ordering::Relaxed), me | owners::KEEPS, "locked while held");
            drop(held);
            assert_eq!(record.owner.load(Ordering::Relaxed), 0, "unlocked once given back");

            // Killed after locking the reserved record, before taking its flag.
            record.owner.store(DEAD | owners::KEEPS, Ordering::Relaxed);
            assert_eq!(Subscriber::resume(&*ring, 0).err(), Some(SubscribeError::RecordInUse { index: 0 }));
            assert_eq!(reap(&*ring, &dead_is_dead), 0, "nothing was held");
            assert_eq!(record.owner.load(Ordering::Relaxed), 0);
            // Killed holding it (or just after taking its flag): kept, for the next resume.
            record.owner.store(DEAD | owners::KEEPS, Ordering::Relaxed);
            record.held.store(true, Ordering::Relaxed);
            assert_eq!(reap(&*ring, &dead_is_dead), 1);
            assert!(ring.records()[0].position.load(Ordering::Relaxed) != FREE, "the place is kept");
            assert!(Subscriber::resume(&*ring, 0).is_ok());

            // A dynamic subscriber's process killed between taking a free record's flag and
            // claiming its position: the record is freed.
            let spare = &ring.records()[1];
            spare.owner.store(DEAD, Ordering::Relaxed);
            spare.held.store(true, Ordering::Relaxed);
            assert_eq!(ring.subscribe().err(), Some(SubscribeError::TooManySubscribers { max: 2 }));
            assert_eq!(reap(&*ring, &dead_is_dead), 1);
            assert!(ring.subscribe().is_ok());
        }

        /// A live handle that claimed a sequence and waits to write it (its slot's previous
        /// lap is a dead claim) holds it: the sequence it waits for may be marked, not its own.
        #[test]
        fn a_live_claim_is_never_judged_dead() {
            let ring: std::sync::Arc<Ring<u64, 4, Overwrite, 1>> = shared::<u64, 4, Overwrite, 1>(0).into();
            let mut live = MultiPublisher::new(std::sync::Arc::clone(&ring)).unwrap();
            let hole = claim_and_die(&*ring);
            (1..4).for_each(|n| live.publish(n));
            let publishing = std::thread::spawn(move || live.publish(4)); // waits on the hole's slot
            while ring.head().load(Ordering::Acquire) < 5 {
                std::thread::yield_now();
            }
            // The waiting publisher finds the dead claim only after ~100 ms of waiting; until
            // it has written seq 4, seq 4 is a live claim.
            assert!(!abandon_dead_claim(&*ring, 4, &dead_is_dead), "a live handle's claim was judged dead");
            publishing.join().unwrap();
            assert!(ring.slot(hole, INSIDE).holds_committed(4, true));
        }

        /// On an overwrite ring nobody gates: the publisher that wraps around to the dead
        /// claim's slot waits for its previous lap, finds the claim dead itself (through
        /// `/proc`, as in production), and goes on. A subscriber passes the hole.
        #[test]
        fn a_publisher_waiting_on_a_dead_claims_slot_goes_on() {
            let ring: std::sync::Arc<Ring<u64, 4, Overwrite, 1>> = shared::<u64, 4, Overwrite, 1>(0).into();
            let mut subscriber = Subscriber::new(std::sync::Arc::clone(&ring)).unwrap();
            let mut live = MultiPublisher::new(std::sync::Arc::clone(&ring)).unwrap();
            let hole = claim_and_die(&*ring);
            let (done, finished) = std::sync::mpsc::channel();
            let publishing = std::thread::spawn(move || {
                (1..=4).for_each(|n| live.publish(n)); // seq 4 is the hole's slot, a lap later
                done.send(()).unwrap();
            });
            let waited = finished.recv_timeout(std::time::Duration::from_secs(20));
            assert!(waited.is_ok(), "the publisher waited on the dead claim for good");
            publishing.join().unwrap();
            assert_eq!(ring.slot(hole, INSIDE).stamp(), 4 * 4 + 2, "seq 4 committed over the mark");
            // The reader at seq 0 finds seq 4 in its slot: lapped, it resumes at seq 1.
            let got: std::vec::Vec<_> = core::iter::from_fn(|| match subscriber.try_recv() {
                Ok(value) => Some(Some(value)),
                Err(crate::TryRecvError::Lagged { .. }) => Some(None),
                Err(_) => None,
            })
            .flatten()
            .collect();
            assert_eq!(got, [1, 2, 3, 4]);
        }
    }
}
