//! Shared-memory segments: rings that processes on one machine share (feature `shm`, Linux).
//!
//! A [`Segment`] is a POSIX shared-memory object (`/dev/shm/hardwire-NAME`) holding a header
//! and the rings of a [`SegmentLayout`]. Every process that opens it with the same layout
//! maps it, and takes handles to its rings through [`SharedRing`]: the same
//! [`Publisher`], [`MultiPublisher`] and [`Subscriber`] as in one process, with the same
//! guarantees, because a ring is all atomics and position-independent.
//!
//! ```
//! use hardwire_runtime::shm::{Segment, SegmentLayout};
//! use hardwire_runtime::{Backpressure, Overwrite, Ring};
//!
//! type Ticks = Ring<u64, 1024, Overwrite, 8>;
//! type Orders = Ring<[u64; 4], 256, Backpressure, 2>;
//! let layout = SegmentLayout::new(0x7ade)
//!     .ring::<Ticks>("ticks", 0)
//!     .ring::<Orders>("orders", 1); // one declared subscriber: gates from the first publish
//!
//! // Any process, any order: the first creates the segment, the others attach.
//! # let market = format!("doc-market-{}", std::process::id());
//! # let market = market.as_str();
//! let segment = Segment::open(market, &layout)?;
//! let ticks = segment.ring::<Ticks>(0)?;
//! let mut publisher = ticks.publisher()?; // taken once across all processes
//! let mut reader = ticks.subscribe()?;
//! publisher.publish(42);
//! assert_eq!(reader.try_recv(), Ok(42));
//! assert!(ticks.publisher().is_err(), "this process, or any other, cannot take it again");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the segment says about itself
//!
//! The header starts with a magic number and a format version, then a platform word
//! (pointer width, byte order, cache-line padding), the topology hash the caller gives, a
//! hash of every ring's description, and the segment's size. Each ring is described by its
//! name, its payload's layout fingerprint ([`Payload`]: for `#[derive(Event)]` types a hash
//! of the type's name and every field's name, type, offset and size), payload size and
//! alignment, capacity, subscriber records, overflow mode, reserved records and the ring's
//! size and alignment. Attaching compares all of it with what the attaching process
//! computed from its own types, and refuses any difference with [`ShmError::Incompatible`],
//! naming the first field that differs: a process never reads a ring laid out for another
//! type. Offsets into the segment are computed by the attaching process from its own layout
//! once the comparison proved the segment was laid out the same way; no offset is read from
//! the segment.
//!
//! # Opening, closing and stale segments
//!
//! Opening and detaching take an exclusive `flock` on the segment's file, so they are
//! serialised across processes (the kernel releases the lock of a process that dies). The
//! creator initialises the header and rings while holding it, then marks the segment
//! ready; an attacher waits for the lock, so it never sees a half-built segment. Each
//! process registers itself in a table of [`MAX_USERS`] users (process id and start time,
//! so a reused process id is not mistaken for the old process). When the last live user
//! detaches, the segment is marked removed and unlinked. A segment whose users are all dead
//! (a crashed run) is *stale*: [`Segment::open`] and [`Segment::create`] replace it,
//! [`Segment::attach`] reports [`ShmError::Stale`].
//!
//! # Crashes
//!
//! A ring in a segment records which process holds each of its handles, in the ring
//! itself: a subscriber record keeps its holder's process id (set before the handle takes
//! the record and cleared after it gives it back, so no moment of either is unrecorded),
//! and the ring keeps a small
//! table of (process id, publisher handles) (`ring::owners`, up to six processes per
//! ring). What dead processes held is released by whoever finds them dead: opening a
//! segment and [`Segment::reap`] (processes that are no longer live users), and any
//! handle of a shared ring that has found it not ready (no event to receive, no room to
//! publish) for about 100 ms of polls, however it polls: blocking calls, `try_recv`,
//! `try_publish`, `poll`, async waits (processes that no longer exist; the clock is read
//! every 16 such polls, so within about a second once a waiter sleeps, and an async waiter
//! is woken every 64 ms for it while it waits). Releasing means:
//!
//! * their publisher handles are dropped as the process would have dropped them: the last
//!   one closes the ring, so subscribers drain it and see it closed. A single producer that
//!   died between committing an event and advancing the head has its event counted (the
//!   slot's stamp says it is whole, and readers read it); one that died in the middle of a
//!   write had not advanced the head, so nobody reads the half-written slot.
//! * the records their handles held are freed, or, for reserved records they had resumed
//!   (declared subscribers, [`SharedRing::resume`]), kept with their cursor, still gating a
//!   lossless ring: the next process to resume the record continues where the dead one stopped. Its
//!   counters are those the dead handle last flushed. An event the dead handle had read
//!   with `try_recv` is gone with it; one it was reading in place (`try_recv_with`) when it
//!   died is delivered again, since the cursor moves only when the closure returns.
//!
//! A multi-producer publisher that dies between claiming a sequence and committing it
//! (killed mid-write, or while it waited for room) leaves a claim nobody will write. Each
//! multi-producer handle of a shared ring records what it has claimed and not committed in
//! a table in the padding beside the ring's head (7 entries on x86-64 and aarch64,
//! `ring::Claims`); a subscriber waiting at such a sequence,
//! or a publisher waiting to reuse its slot, asks on the same 100 ms cadence whether any
//! live handle may hold it, and if none does, marks it abandoned in the slot's stamp
//! (`ring::abandon_dead_claim`, with its proof). Subscribers pass it, counted in `skipped`,
//! and the slot's next lap is written as usual. On a lossless ring the mark waits until no
//! subscriber can still be reading the slot's previous lap. A multi-producer handle
//! beyond those entries is not recorded, and while one lives no claim is
//! judged dead (readers wait at a dead claim then, until the ring closes, as they all did
//! before). Once a ring is closed (all its publishers gone), readers pass unwritten claims
//! as before, counted the same way.
//!
//! Not yet handled: a process that dies
//! between taking a publisher handle and recording itself (a few instructions), or a
//! seventh process holding publishers of one ring, is not recorded, and its publisher
//! handles are never released; a dead handle's process id reused by a new process makes
//! the dead handle look alive.
//!
//! # Waiting across processes
//!
//! A ring in a segment parks its waiters on a futex in the ring itself, so a publish in
//! one process wakes a subscriber blocked in another (`wait.rs`, "Parking on a queue in
//! shared memory"); a `Shutdown` triggered in the waiter's own process wakes it too. Async
//! waits (`recv_async`, `publish_async`; features `async` and `shm`) on a shared ring are
//! woken across processes by a thread this process starts for the ring while it has async
//! waiters, which sleeps on the ring's futex and wakes them.
//!
//! # Trust
//!
//! Segments are created with mode `0600` (owner only) unless [`OpenOptions::mode`] widens
//! them; a process without permission gets [`ShmError::PermissionDenied`]. Every process
//! that maps a segment writable is trusted to run this crate's code on it: the rings'
//! atomics tolerate any value (indices are masked, byte counts clamped, payloads are
//! plain data), but a process writing the header or a ring's immutable fields with plain
//! stores could still break another's assumptions.
//!
//! [`Payload`]: crate::Payload

use core::fmt;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::fs::File;
use std::io;
use std::string::String;
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::vec::Vec;

use rustix::fs::{FlockOperation, Mode};
use rustix::shm as posix;

use crate::payload::Payload;
use crate::ring::{self, AnyRing, Overflow, PROBE_WORDS, Ring};
use crate::wait::SHARED_ROUTE;
use crate::{AlreadyTaken, MultiPublisher, Publisher, RingStats, SubscribeError, Subscriber, SubscriberStats};

/// The most processes that can have a segment open at once.
pub const MAX_USERS: usize = 64;
/// The segment format this build writes and accepts.
pub const FORMAT_VERSION: u32 = 2;
/// The longest segment name, in bytes.
pub const MAX_NAME: usize = 200;
/// The longest ring name, in bytes.
pub const MAX_RING_NAME: usize = 48;

const MAGIC: u64 = u64::from_le_bytes(*b"hardwire");
const INITIALISING: u32 = 0;
const READY: u32 = 1;
const REMOVED: u32 = 2;
/// How long an open waits for a segment another process is creating.
const OPEN_PATIENCE: Duration = Duration::from_secs(2);

/// The first bytes of a segment.
#[repr(C)]
struct Header {
    magic: AtomicU64,
    format: AtomicU32,
    /// `INITIALISING`, `READY` or `REMOVED`.
    state: AtomicU32,
    platform: AtomicU64,
    topology: AtomicU64,
    layout: AtomicU64,
    total_bytes: AtomicU64,
    rings: AtomicU64,
    users: [User; MAX_USERS],
}

/// A process that has the segment open: `pid == 0` is a free entry.
#[repr(C)]
struct User {
    pid: AtomicU32,
    _reserved: AtomicU32,
    /// The process's start time (`/proc/PID/stat`, field 22), so a reused pid is not the
    /// same user.
    started: AtomicU64,
}

/// Words describing one ring in the header: its name, then [`RingSpec::words`].
#[repr(C)]
struct Entry {
    name: [AtomicU64; MAX_RING_NAME / 8],
    words: [AtomicU64; SPEC_WORDS],
}

/// The description's words: nine of the ring's parameters, then its internal offsets.
const SPEC_WORDS: usize = 9 + PROBE_WORDS;

/// A ring type that can live in a segment: [`Ring`] with any parameters. Sealed.
pub trait ShmRing: AnyRing + bytemuck::Zeroable + 'static {
    /// The ring's `SUBS`.
    #[doc(hidden)]
    const SUBSCRIBERS: usize;
    /// Readies a zeroed ring in a new segment: `reserved` records reserved at sequence 0,
    /// waits routed through futexes.
    #[doc(hidden)]
    fn prepare_shared(&mut self, reserved: usize);
    /// Where `inspect` finds the counters (`ring::Ring::PROBE`).
    #[doc(hidden)]
    const PROBE: [u64; PROBE_WORDS];
}

impl<T: Payload, const CAP: usize, O: Overflow, const SUBS: usize> ShmRing for Ring<T, CAP, O, SUBS> {
    const SUBSCRIBERS: usize = SUBS;
    const PROBE: [u64; PROBE_WORDS] = Ring::<T, CAP, O, SUBS>::PROBE;
    fn prepare_shared(&mut self, reserved: usize) {
        self.__prepare_for_bus(reserved, SHARED_ROUTE);
    }
}

/// What a segment records about one ring, compared on attach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingSpec {
    /// The ring's name (at most [`MAX_RING_NAME`] bytes).
    pub name: String,
    /// The payload's layout fingerprint ([`Payload`]'s hidden `LAYOUT`).
    pub payload_layout: u64,
    /// `size_of` the payload.
    pub payload_size: u64,
    /// `align_of` the payload.
    pub payload_align: u64,
    /// The ring's capacity.
    pub capacity: u64,
    /// The ring's subscriber records (`SUBS`).
    pub subscribers: u64,
    /// Whether the ring is `Backpressure` (lossless).
    pub lossless: bool,
    /// Records reserved from the first sequence (declared subscribers).
    pub reserved: u64,
    /// `size_of` the ring.
    pub ring_bytes: u64,
    /// `align_of` the ring.
    pub ring_align: u64,
    /// Offsets inside the ring (`ring::Ring::PROBE`).
    probe: [u64; PROBE_WORDS],
}

impl RingSpec {
    fn of<R: ShmRing>(name: &str, reserved: usize) -> Self {
        Self {
            name: name.into(),
            payload_layout: <R::Payload as Payload>::LAYOUT,
            payload_size: size_of::<R::Payload>() as u64,
            payload_align: align_of::<R::Payload>() as u64,
            capacity: R::CAPACITY as u64,
            subscribers: R::SUBSCRIBERS as u64,
            lossless: <R::Overflow as Overflow>::LOSSLESS,
            reserved: reserved as u64,
            ring_bytes: size_of::<R>() as u64,
            ring_align: align_of::<R>() as u64,
            probe: R::PROBE,
        }
    }

    fn words(&self) -> [u64; SPEC_WORDS] {
        let head = [
            self.payload_layout,
            self.payload_size,
            self.payload_align,
            self.capacity,
            self.subscribers,
            u64::from(self.lossless),
            self.reserved,
            self.ring_bytes,
            self.ring_align,
        ];
        core::array::from_fn(|i| if i < head.len() { head[i] } else { self.probe[i - head.len()] })
    }

    /// The spec a segment describes by `name` and `words` (for `inspect`: unchecked).
    fn from_words(name: &[u64], words: &[u64; SPEC_WORDS]) -> Self {
        let bytes: Vec<u8> = name.iter().flat_map(|word| word.to_le_bytes()).take_while(|&b| b != 0).collect();
        Self {
            name: String::from_utf8_lossy(&bytes).into_owned(),
            payload_layout: words[0],
            payload_size: words[1],
            payload_align: words[2],
            capacity: words[3],
            subscribers: words[4],
            lossless: words[5] != 0,
            reserved: words[6],
            ring_bytes: words[7],
            ring_align: words[8],
            probe: core::array::from_fn(|i| words[9 + i]),
        }
    }

    fn name_words(&self) -> [u64; MAX_RING_NAME / 8] {
        let mut bytes = [0u8; MAX_RING_NAME];
        bytes[..self.name.len()].copy_from_slice(self.name.as_bytes());
        core::array::from_fn(|i| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8])))
    }

    /// The first difference between this (the process's) spec and the segment's words,
    /// in words.
    fn difference(&self, name: &[u64], words: &[u64; SPEC_WORDS]) -> Option<String> {
        if name != self.name_words() {
            let bytes: Vec<u8> = name.iter().flat_map(|word| word.to_le_bytes()).take_while(|&b| b != 0).collect();
            return Some(format!(
                "the segment names it `{}`, this process `{}`",
                String::from_utf8_lossy(&bytes),
                self.name
            ));
        }
        let ours = self.words();
        let labels = [
            "payload layout fingerprint",
            "payload size",
            "payload alignment",
            "capacity",
            "subscriber records (SUBS)",
            "lossless (1 = Backpressure, 0 = Overwrite)",
            "reserved records (declared subscribers)",
            "ring size in bytes",
            "ring alignment",
        ];
        (0..SPEC_WORDS).find(|&i| ours[i] != words[i]).map(|i| {
            let shown = |value: u64| if i == 0 { format!("{value:#018x}") } else { value.to_string() };
            let label = labels.get(i).copied().unwrap_or("the ring's internal layout (another hardwire version?)");
            format!("{label}: the segment has {}, this process {}", shown(words[i]), shown(ours[i]))
        })
    }
}

type Prepare = fn(NonNull<u8>, usize);
type Reap = fn(NonNull<u8>, &dyn Fn(u32) -> bool) -> u64;

#[derive(Clone)]
struct RingEntry {
    spec: RingSpec,
    prepare: Prepare,
    reap: Reap,
}

/// The rings a segment holds, in order, and the topology they belong to. Every process
/// opening a segment builds the same layout from its own types; [`Segment::open`] checks
/// that the segment was laid out the same way.
#[derive(Clone)]
pub struct SegmentLayout {
    topology: u64,
    rings: Vec<RingEntry>,
}

impl SegmentLayout {
    /// An empty layout for a topology whose hash is `topology` (a generated bus passes its
    /// topology's hash; any value both sides agree on works).
    #[must_use]
    pub fn new(topology: u64) -> Self {
        Self { topology, rings: Vec::new() }
    }

    /// Adds a ring of type `R` named `name`, its first `reserved` records reserved from the
    /// first sequence (on a `Backpressure` ring they gate publishers before any process
    /// subscribes; [`SharedRing::resume`] attaches to them).
    #[must_use]
    pub fn ring<R: ShmRing>(mut self, name: &str, reserved: usize) -> Self {
        fn prepare<R: ShmRing>(at: NonNull<u8>, reserved: usize) {
            // SAFETY: `Segment::create_new` calls this once per ring, at an offset aligned
            // for `R` (`Plan::new`) inside the mapping, before the segment is marked ready:
            // the memory is zero (fresh from `ftruncate`), which is a valid `R`
            // (`Zeroable`), and no other reference to it exists in this process while
            // nobody else may touch it (attachers wait for the flock this creator holds).
            let ring = unsafe { at.cast::<R>().as_mut() };
            ring.prepare_shared(reserved);
        }
        fn reap<R: ShmRing>(at: NonNull<u8>, alive: &dyn Fn(u32) -> bool) -> u64 {
            // SAFETY: called with the mapping alive, on a ready segment whose layout matched
            // (the ring at `at` was initialised as an `R`); shared access only.
            let ring = unsafe { at.cast::<R>().as_ref() };
            ring::reap(ring, alive)
        }
        self.rings.push(RingEntry { spec: RingSpec::of::<R>(name, reserved), prepare: prepare::<R>, reap: reap::<R> });
        self
    }

    /// The rings' descriptions, in order.
    pub fn specs(&self) -> impl Iterator<Item = &RingSpec> {
        self.rings.iter().map(|entry| &entry.spec)
    }

    /// The topology hash.
    #[must_use]
    pub fn topology(&self) -> u64 {
        self.topology
    }
}

impl fmt::Debug for SegmentLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentLayout")
            .field("topology", &format_args!("{:#018x}", self.topology))
            .field("rings", &self.specs().collect::<Vec<_>>())
            .finish()
    }
}

/// Where everything of a layout goes in its segment.
struct Plan {
    rings: Vec<Placed>,
    total: usize,
    layout_hash: u64,
    topology: u64,
}

struct Placed {
    entry: RingEntry,
    ring_offset: usize,
}

/// Where the ring of each of `specs` goes, and the segment's size; `None` if a size
/// overflows (only from a corrupt description).
fn place(specs: &[&RingSpec]) -> Option<(Vec<usize>, usize)> {
    let mut offset = size_of::<Header>().checked_add(specs.len().checked_mul(size_of::<Entry>())?)?;
    let mut placed = Vec::new();
    for spec in specs {
        let align = usize::try_from(spec.ring_align).ok()?.max(128);
        let ring_offset = offset.checked_next_multiple_of(align)?;
        offset = ring_offset.checked_add(usize::try_from(spec.ring_bytes).ok()?)?;
        placed.push(ring_offset);
    }
    Some((placed, offset.checked_next_multiple_of(4096)?))
}

impl Plan {
    fn new(layout: &SegmentLayout) -> Result<Self, ShmError> {
        let invalid = |reason: String| ShmError::InvalidLayout { reason };
        for entry in &layout.rings {
            let name = &entry.spec.name;
            if name.is_empty() || name.len() > MAX_RING_NAME || name.contains('\0') {
                return Err(invalid(format!(
                    "ring name `{name}` must be 1 to {MAX_RING_NAME} bytes without NUL characters"
                )));
            }
            if entry.spec.reserved > entry.spec.subscribers {
                return Err(invalid(format!(
                    "ring `{name}` reserves {} records but has only {}",
                    entry.spec.reserved, entry.spec.subscribers
                )));
            }
        }
        let specs: Vec<&RingSpec> = layout.rings.iter().map(|entry| &entry.spec).collect();
        let (offsets, total) = place(&specs).ok_or_else(|| invalid("the segment would be too large".into()))?;
        let rings = layout
            .rings
            .iter()
            .zip(offsets)
            .map(|(entry, ring_offset)| Placed { entry: entry.clone(), ring_offset })
            .collect::<Vec<_>>();
        let mut hash_input = Vec::new();
        for placed in &rings {
            hash_input.extend(placed.entry.spec.name_words());
            hash_input.extend(placed.entry.spec.words());
        }
        let layout_hash = crate::payload::layout_hash(b"hardwire segment", &hash_input, total, rings.len());
        Ok(Self { rings, total, layout_hash, topology: layout.topology })
    }
}

/// The word that says which platform laid a segment out: pointer width, byte order and
/// cache-line padding decide every offset.
fn platform() -> u64 {
    let width = usize::BITS as u64;
    let little = u64::from(cfg!(target_endian = "little"));
    let padding = align_of::<crossbeam_utils::CachePadded<u8>>() as u64;
    width | little << 8 | padding << 16
}

/// Why a segment could not be opened, or a ring or handle taken from it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ShmError {
    /// The segment name is empty, too long, or has characters other than ASCII letters,
    /// digits, `-`, `_` and `.`.
    InvalidName {
        /// The name given.
        name: String,
    },
    /// The layout cannot be placed in a segment (a ring name too long, more reserved
    /// records than a ring has).
    InvalidLayout {
        /// What is wrong.
        reason: String,
    },
    /// [`Segment::attach`]: no segment of that name exists.
    NotFound {
        /// The segment name.
        name: String,
    },
    /// [`Segment::create`]: a segment of that name is in use.
    AlreadyExists {
        /// The segment name.
        name: String,
    },
    /// The segment exists, but this process may not open it (another user created it with
    /// mode `0600`, or a group it is not in).
    PermissionDenied {
        /// The segment name.
        name: String,
    },
    /// The segment was laid out differently: another format, platform, topology or ring.
    Incompatible {
        /// The segment name.
        name: String,
        /// The first difference, in words.
        difference: String,
    },
    /// [`Segment::attach`]: the segment is left over from a run whose processes all died.
    Stale {
        /// The segment name.
        name: String,
    },
    /// Another process began creating the segment and did not finish in time.
    NotReady {
        /// The segment name.
        name: String,
    },
    /// [`MAX_USERS`] live processes have the segment open.
    TooManyUsers {
        /// The segment name.
        name: String,
    },
    /// [`Segment::ring`] with an index past the layout's rings.
    NoSuchRing {
        /// The index asked for.
        index: usize,
        /// The layout's rings.
        rings: usize,
    },
    /// [`Segment::ring`] with a type other than the one the layout has at that index.
    WrongRingType {
        /// The ring's name.
        ring: String,
        /// The first difference.
        difference: String,
    },
    /// A handle could not be taken ([`AlreadyTaken`], in any process).
    Taken(AlreadyTaken),
    /// A subscriber could not be registered.
    Subscribe(SubscribeError),
    /// The operating system refused an operation.
    Io {
        /// The segment name.
        name: String,
        /// What was attempted (`shm_open`, `ftruncate`, `mmap`, …).
        operation: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for ShmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName { name } => write!(
                f,
                "invalid segment name `{name}`: use 1 to {MAX_NAME} ASCII letters, digits, `-`, `_` or `.`, not starting with `.`"
            ),
            Self::InvalidLayout { reason } => write!(f, "invalid segment layout: {reason}"),
            Self::NotFound { name } => {
                write!(
                    f,
                    "no shared-memory segment `{name}`: start the process that creates it first, or open with Segment::open"
                )
            }
            Self::AlreadyExists { name } => write!(f, "shared-memory segment `{name}` exists and is in use"),
            Self::PermissionDenied { name } => write!(
                f,
                "permission denied opening shared-memory segment `{name}`: it belongs to another user (segments are created with mode 0600 unless OpenOptions::mode widens them)"
            ),
            Self::Incompatible { name, difference } => write!(
                f,
                "shared-memory segment `{name}` was laid out differently ({difference}); rebuild both processes from the same topology, or remove the segment"
            ),
            Self::Stale { name } => write!(
                f,
                "shared-memory segment `{name}` is left over from a run whose processes all died; open it with Segment::open or Segment::create to replace it"
            ),
            Self::NotReady { name } => write!(
                f,
                "shared-memory segment `{name}` was being created by another process that did not finish within {} s",
                OPEN_PATIENCE.as_secs()
            ),
            Self::TooManyUsers { name } => {
                write!(f, "shared-memory segment `{name}` already has {MAX_USERS} processes attached")
            }
            Self::NoSuchRing { index, rings } => write!(f, "no ring {index} in the segment: its layout has {rings}"),
            Self::WrongRingType { ring, difference } => {
                write!(f, "ring `{ring}` is not of the type asked for ({difference})")
            }
            Self::Taken(err) => write!(f, "{err}"),
            Self::Subscribe(err) => write!(f, "{err}"),
            Self::Io { name, operation, source } => {
                write!(f, "{operation} failed for shared-memory segment `{name}`: {source}")
            }
        }
    }
}

impl std::error::Error for ShmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Taken(err) => Some(err),
            Self::Subscribe(err) => Some(err),
            _ => None,
        }
    }
}

impl From<AlreadyTaken> for ShmError {
    fn from(err: AlreadyTaken) -> Self {
        Self::Taken(err)
    }
}

impl From<SubscribeError> for ShmError {
    fn from(err: SubscribeError) -> Self {
        Self::Subscribe(err)
    }
}

/// Whether [`OpenOptions::open`] may create the segment, attach to it, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    CreateOrAttach,
    Create,
    Attach,
}

/// How to open a segment: [`Segment::open`], [`Segment::create`] and [`Segment::attach`]
/// with the defaults; this for a wider file mode.
///
/// ```
/// use hardwire_runtime::shm::{OpenOptions, SegmentLayout};
/// let layout = SegmentLayout::new(1).ring::<hardwire_runtime::Ring<u64, 64>>("ticks", 0);
/// # let telemetry = format!("doc-telemetry-{}", std::process::id());
/// # let telemetry = telemetry.as_str();
/// let segment = OpenOptions::new().mode(0o660).open(telemetry, &layout)?; // group may attach
/// # Ok::<(), hardwire_runtime::shm::ShmError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct OpenOptions {
    how: How,
    mode: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// Create or attach, mode `0600`.
    #[must_use]
    pub const fn new() -> Self {
        Self { how: How::CreateOrAttach, mode: 0o600 }
    }

    /// The permission bits a created segment gets (`0o600` by default; `0o660` lets the
    /// owner's group attach). Only the read and write bits are used.
    #[must_use]
    pub const fn mode(mut self, mode: u32) -> Self {
        self.mode = mode & 0o666;
        self
    }

    /// Only attach: never create the segment ([`Segment::attach`]).
    #[must_use]
    pub const fn attach_only(mut self) -> Self {
        self.how = How::Attach;
        self
    }

    /// Opens segment `name` laid out as `layout`, creating it if it does not exist (unless
    /// [`OpenOptions::attach_only`]).
    ///
    /// # Errors
    ///
    /// See [`ShmError`].
    pub fn open(self, name: &str, layout: &SegmentLayout) -> Result<Segment, ShmError> {
        Segment::open_as(name, layout, self)
    }
}

/// Everything a process's mapping of a segment needs, shared by the [`Segment`] and every
/// ring and handle taken from it: the mapping lives until the last of them is dropped.
struct Mapping {
    map: memmap2::MmapRaw,
    file: File,
    name: String,
    path: String,
    /// This process's entry in the user table.
    user: usize,
    plan: Plan,
}

/// An exclusive `flock` on a segment's file, released on drop. It holds a duplicate of the
/// file's descriptor (the lock belongs to the open file, which both share), so the file
/// itself can move while the lock is held.
struct Locked(File);

impl Locked {
    fn new(file: &File, name: &str) -> Result<Self, ShmError> {
        let file = file.try_clone().map_err(|source| ShmError::Io { name: name.into(), operation: "dup", source })?;
        loop {
            match rustix::fs::flock(&file, FlockOperation::LockExclusive) {
                Ok(()) => return Ok(Self(file)),
                Err(rustix::io::Errno::INTR) => continue,
                Err(err) => return Err(io_error(name, "flock", err)),
            }
        }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = rustix::fs::flock(&self.0, FlockOperation::Unlock);
    }
}

fn io_error(name: &str, operation: &'static str, err: rustix::io::Errno) -> ShmError {
    if err == rustix::io::Errno::ACCESS || err == rustix::io::Errno::PERM {
        return ShmError::PermissionDenied { name: name.into() };
    }
    ShmError::Io { name: name.into(), operation, source: err.into() }
}

/// A process's identity for the user table: its start time, if it is alive (not a zombie).
/// `None` means dead; a process whose status cannot be read counts as alive (never reap
/// what might be live).
pub(crate) fn started(pid: u32) -> Option<u64> {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return match std::fs::metadata(format!("/proc/{pid}")) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            _ => Some(u64::MAX),
        };
    };
    // The command name (field 2) may contain spaces and parentheses: fields resume after
    // the last `)`. Then field 3 is the state and field 22 the start time.
    let rest = &stat[stat.rfind(')').map_or(0, |at| at + 1)..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    Some(fields.nth(18).and_then(|field| field.parse().ok()).unwrap_or(u64::MAX))
}

fn user_is_live(user: &User) -> bool {
    let pid = user.pid.load(Ordering::Acquire);
    if pid == 0 {
        return false;
    }
    match started(pid) {
        None => false,
        Some(u64::MAX) => true,
        Some(start) => start == user.started.load(Ordering::Relaxed),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Mapping {
    fn base(&self) -> NonNull<u8> {
        // A successful mapping is never null.
        NonNull::new(self.map.as_mut_ptr()).unwrap_or(NonNull::dangling())
    }

    fn header(&self) -> &Header {
        // SAFETY: every mapping is at least `size_of::<Header>()` long (checked before
        // mapping an existing segment, and the plan's total includes the header), page
        // aligned, and lives as long as `self`. `Header` is all atomics, valid for any
        // bytes, and only accessed through shared references.
        unsafe { self.base().cast::<Header>().as_ref() }
    }

    fn entries(&self) -> &[Entry] {
        let count = self.plan.rings.len();
        // SAFETY: the entries follow the header (`Plan::new`). A created mapping is the
        // plan's total long, which includes them; an attached one is read here only after
        // `check_layout` checked its length covers them. `Entry` is all atomics; shared
        // access only.
        unsafe { core::slice::from_raw_parts(self.base().add(size_of::<Header>()).cast::<Entry>().as_ptr(), count) }
    }

    fn ring_at(&self, ring: usize) -> NonNull<u8> {
        // SAFETY: the ring's offset is inside the mapping (`Plan::new`; length checked).
        unsafe { self.base().add(self.plan.rings[ring].ring_offset) }
    }

    /// Releases what dead processes held (`ring::reap`) and clears their user entries;
    /// returns how many handles and records it released. Called with the segment's lock held.
    fn reap_locked(&self) -> u64 {
        let header = self.header();
        let live: Vec<u32> = header
            .users
            .iter()
            .filter(|user| user_is_live(user))
            .map(|user| user.pid.load(Ordering::Relaxed))
            .collect();
        let alive = |pid: u32| live.contains(&pid);
        let mut released = 0;
        for (index, placed) in self.plan.rings.iter().enumerate() {
            released += (placed.entry.reap)(self.ring_at(index), &alive);
        }
        for user in &header.users {
            let pid = user.pid.load(Ordering::Relaxed);
            if pid != 0 && !alive(pid) {
                user.pid.store(0, Ordering::Release);
            }
        }
        released
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.user >= MAX_USERS {
            return; // never registered: nothing to detach
        }
        let Ok(_lock) = Locked::new(&self.file, &self.name) else { return };
        let header = self.header();
        header.users[self.user].pid.store(0, Ordering::Release);
        let others = header.users.iter().any(user_is_live);
        if !others && header.state.load(Ordering::Acquire) == READY {
            header.state.store(REMOVED, Ordering::Release);
            let _ = posix::unlink(self.path.as_str());
        }
    }
}

/// A process's view of a shared-memory segment (module docs). Dropping it (and every
/// ring and handle taken from it) detaches; the last process to detach removes the segment.
pub struct Segment {
    mapping: Arc<Mapping>,
    created: bool,
}

impl Segment {
    /// Opens segment `name` laid out as `layout`: attaches if it exists (replacing a stale
    /// one), creates it (mode `0600`) if not.
    ///
    /// # Errors
    ///
    /// [`ShmError::Incompatible`] if the segment was laid out differently; see
    /// [`ShmError`] for the rest.
    pub fn open(name: &str, layout: &SegmentLayout) -> Result<Self, ShmError> {
        Self::open_as(name, layout, OpenOptions::new())
    }

    /// Creates segment `name`, replacing a stale one.
    ///
    /// # Errors
    ///
    /// [`ShmError::AlreadyExists`] if live processes use a segment of that name.
    pub fn create(name: &str, layout: &SegmentLayout) -> Result<Self, ShmError> {
        Self::open_as(name, layout, OpenOptions { how: How::Create, ..OpenOptions::new() })
    }

    /// Attaches to segment `name`, which another process created.
    ///
    /// # Errors
    ///
    /// [`ShmError::NotFound`], [`ShmError::Stale`], [`ShmError::Incompatible`], …
    pub fn attach(name: &str, layout: &SegmentLayout) -> Result<Self, ShmError> {
        Self::open_as(name, layout, OpenOptions { how: How::Attach, ..OpenOptions::new() })
    }

    /// Removes segment `name` if it exists (its name; processes that have it open keep
    /// their mapping). Returns whether there was one.
    ///
    /// # Errors
    ///
    /// [`ShmError::InvalidName`], or the operating system's refusal.
    pub fn remove(name: &str) -> Result<bool, ShmError> {
        if !valid_name(name) {
            return Err(ShmError::InvalidName { name: name.into() });
        }
        match posix::unlink(path_of(name).as_str()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(err) => Err(io_error(name, "shm_unlink", err)),
        }
    }

    fn open_as(name: &str, layout: &SegmentLayout, options: OpenOptions) -> Result<Self, ShmError> {
        if !valid_name(name) {
            return Err(ShmError::InvalidName { name: name.into() });
        }
        let path = path_of(name);
        let mut give_up = Instant::now() + OPEN_PATIENCE;
        loop {
            let plan = Plan::new(layout)?;
            if options.how != How::Attach {
                let flags = posix::OFlags::CREATE | posix::OFlags::EXCL | posix::OFlags::RDWR;
                match posix::open(path.as_str(), flags, Mode::from_raw_mode(options.mode)) {
                    Ok(fd) => return Self::create_new(name, &path, File::from(fd), plan, options.mode),
                    Err(rustix::io::Errno::EXIST) => {}
                    Err(err) => return Err(io_error(name, "shm_open", err)),
                }
            }
            let fd = match posix::open(path.as_str(), posix::OFlags::RDWR, Mode::empty()) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::NOENT) if options.how == How::Attach => {
                    return Err(ShmError::NotFound { name: name.into() });
                }
                // Removed between our two opens: try creating again.
                Err(rustix::io::Errno::NOENT) => continue,
                Err(err) => return Err(io_error(name, "shm_open", err)),
            };
            match Self::attach_existing(name, &path, File::from(fd), plan, options.how)? {
                Outcome::Open(segment) => return Ok(segment),
                Outcome::Retry if Instant::now() < give_up => std::thread::sleep(Duration::from_millis(1)),
                Outcome::Retry if options.how == How::Attach => return Err(ShmError::NotReady { name: name.into() }),
                Outcome::Retry => {
                    // Never sized in all that time: its creator died between `shm_open` and
                    // taking the lock. Stale: replace it.
                    let _ = posix::unlink(path.as_str());
                    give_up = Instant::now() + OPEN_PATIENCE;
                }
                Outcome::Replaced => {}
            }
        }
    }

    fn create_new(name: &str, path: &str, file: File, plan: Plan, mode: u32) -> Result<Self, ShmError> {
        // Held until the segment is ready: an attacher takes it first, so it never sees a
        // half-built segment (and if we die, the kernel releases it and the attacher finds
        // the segment still `INITIALISING`: stale).
        let lock = Locked::new(&file, name)?;
        let fail = |operation, err| {
            let _ = posix::unlink(path);
            io_error(name, operation, err)
        };
        // The umask may have narrowed the mode `shm_open` was given.
        rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(|err| fail("fchmod", err))?;
        rustix::fs::ftruncate(&file, plan.total as u64).map_err(|err| fail("ftruncate", err))?;
        let map = memmap2::MmapOptions::new().len(plan.total).map_raw(&file).map_err(|err| {
            let _ = posix::unlink(path);
            ShmError::Io { name: name.into(), operation: "mmap", source: err }
        })?;
        let mut mapping = Mapping { map, file, name: name.into(), path: path.into(), user: usize::MAX, plan };
        let header = mapping.header();
        header.magic.store(MAGIC, Ordering::Relaxed);
        header.format.store(FORMAT_VERSION, Ordering::Relaxed);
        header.platform.store(platform(), Ordering::Relaxed);
        header.topology.store(mapping.plan.topology, Ordering::Relaxed);
        header.layout.store(mapping.plan.layout_hash, Ordering::Relaxed);
        header.total_bytes.store(mapping.plan.total as u64, Ordering::Relaxed);
        header.rings.store(mapping.plan.rings.len() as u64, Ordering::Relaxed);
        for (entry, placed) in mapping.entries().iter().zip(&mapping.plan.rings) {
            for (word, value) in entry.name.iter().zip(placed.entry.spec.name_words()) {
                word.store(value, Ordering::Relaxed);
            }
            for (word, value) in entry.words.iter().zip(placed.entry.spec.words()) {
                word.store(value, Ordering::Relaxed);
            }
        }
        for (index, placed) in mapping.plan.rings.iter().enumerate() {
            (placed.entry.prepare)(mapping.ring_at(index), placed.entry.spec.reserved as usize);
        }
        let me = register_user(header, name)?;
        // Release: an attacher that loads READY (Acquire) sees everything above.
        header.state.store(READY, Ordering::Release);
        mapping.user = me;
        drop(lock);
        Ok(Self { mapping: Arc::new(mapping), created: true })
    }

    fn attach_existing(name: &str, path: &str, file: File, plan: Plan, how: How) -> Result<Outcome, ShmError> {
        let lock = Locked::new(&file, name)?;
        let size = rustix::fs::fstat(&file).map_err(|err| io_error(name, "fstat", err))?.st_size as u64;
        if size < size_of::<Header>() as u64 {
            // Created but not sized: its creator is between `shm_open` and its lock (then
            // we retry), or died there (then it stays so: stale once patience runs out).
            drop(lock);
            return Ok(Outcome::Retry);
        }
        let map = memmap2::MmapOptions::new().len(size as usize).map_raw(&file).map_err(|err| ShmError::Io {
            name: name.into(),
            operation: "mmap",
            source: err,
        })?;
        let mut mapping = Mapping { map, file, name: name.into(), path: path.into(), user: usize::MAX, plan };
        let header = mapping.header();
        let incompatible = |difference: String| ShmError::Incompatible { name: name.into(), difference };
        match header.state.load(Ordering::Acquire) {
            // We hold the lock its creator held until it was ready: the creator died.
            INITIALISING => return stale(name, path, &mapping, lock, how),
            READY if header.magic.load(Ordering::Relaxed) == MAGIC => {}
            // Unlinked by whoever marked it so; the name may already be a new segment.
            REMOVED => return Ok(Outcome::Replaced),
            _ => return Err(incompatible("it is not a hardwire segment".into())),
        }
        let format = header.format.load(Ordering::Relaxed);
        if format != FORMAT_VERSION {
            return Err(incompatible(format!("segment format {format}, this build reads format {FORMAT_VERSION}")));
        }
        let theirs = header.platform.load(Ordering::Relaxed);
        if theirs != platform() {
            return Err(incompatible(format!(
                "platform word {theirs:#x}, this process {:#x} (pointer width, byte order or cache-line padding)",
                platform()
            )));
        }
        if !header.users.iter().any(user_is_live) {
            return stale(name, path, &mapping, lock, how);
        }
        if how == How::Create {
            return Err(ShmError::AlreadyExists { name: name.into() });
        }
        check_layout(&mapping, size)?;
        mapping.reap_locked();
        let me = register_user(mapping.header(), name)?;
        mapping.user = me;
        drop(lock);
        Ok(Outcome::Open(Self { mapping: Arc::new(mapping), created: false }))
    }

    /// A handle to ring `index` of the layout, of type `R`.
    ///
    /// # Errors
    ///
    /// [`ShmError::NoSuchRing`], or [`ShmError::WrongRingType`] if the layout's ring there
    /// is not an `R`.
    pub fn ring<R: ShmRing>(&self, index: usize) -> Result<SharedRing<R>, ShmError> {
        let rings = self.mapping.plan.rings.len();
        let placed = self.mapping.plan.rings.get(index).ok_or(ShmError::NoSuchRing { index, rings })?;
        let spec = &placed.entry.spec;
        let asked = RingSpec::of::<R>(&spec.name, spec.reserved as usize);
        if let Some(difference) = asked.difference(&spec.name_words(), &spec.words()) {
            return Err(ShmError::WrongRingType { ring: spec.name.clone(), difference });
        }
        let ring = self.mapping.ring_at(index).cast::<R>();
        Ok(SharedRing { ring: Attached { mapping: Arc::clone(&self.mapping), ring }, index })
    }

    /// Whether this process created the segment (rather than attaching to it).
    #[must_use]
    pub fn created(&self) -> bool {
        self.created
    }

    /// The segment's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.mapping.name
    }

    /// The segment's size in bytes.
    #[must_use]
    pub fn size(&self) -> usize {
        self.mapping.plan.total
    }

    /// Processes that have the segment open now (this one included).
    #[must_use]
    pub fn users(&self) -> usize {
        self.mapping.header().users.iter().filter(|user| user_is_live(user)).count()
    }

    /// Releases what dead processes held (module docs, "Crashes"); returns how many
    /// publisher handles and subscriber records it released. Opening a segment does this too.
    ///
    /// # Errors
    ///
    /// The operating system's refusal to lock the segment.
    pub fn reap(&self) -> Result<u64, ShmError> {
        let _lock = Locked::new(&self.mapping.file, &self.mapping.name)?;
        Ok(self.mapping.reap_locked())
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("name", &self.mapping.name)
            .field("size", &self.mapping.plan.total)
            .field("rings", &self.mapping.plan.rings.len())
            .field("created", &self.created)
            .finish()
    }
}

enum Outcome {
    Open(Segment),
    Retry,
    Replaced,
}

fn path_of(name: &str) -> String {
    format!("/hardwire-{name}")
}

/// The segment's users are all dead (or its creator died mid-creation): replace it, or
/// report it to an attach-only open.
fn stale(name: &str, path: &str, mapping: &Mapping, lock: Locked, how: How) -> Result<Outcome, ShmError> {
    if how == How::Attach {
        return Err(ShmError::Stale { name: name.into() });
    }
    mapping.header().state.store(REMOVED, Ordering::Release);
    let _ = posix::unlink(path);
    drop(lock);
    Ok(Outcome::Replaced)
}

/// Compares the segment's description with this process's plan.
fn check_layout(mapping: &Mapping, size: u64) -> Result<(), ShmError> {
    let header = mapping.header();
    let plan = &mapping.plan;
    let incompatible = |difference: String| ShmError::Incompatible { name: mapping.name.clone(), difference };
    let rings = header.rings.load(Ordering::Relaxed);
    if rings != plan.rings.len() as u64 {
        return Err(incompatible(format!("the segment has {rings} rings, this process {}", plan.rings.len())));
    }
    let described = size_of::<Header>() + plan.rings.len() * size_of::<Entry>();
    if size < described as u64 {
        return Err(incompatible(format!("the segment is {size} bytes, too short for its {rings} ring descriptions")));
    }
    for (index, (entry, placed)) in mapping.entries().iter().zip(&plan.rings).enumerate() {
        let name: Vec<u64> = entry.name.iter().map(|word| word.load(Ordering::Relaxed)).collect();
        let words: [u64; SPEC_WORDS] = core::array::from_fn(|i| entry.words[i].load(Ordering::Relaxed));
        if let Some(difference) = placed.entry.spec.difference(&name, &words) {
            return Err(incompatible(format!("ring {index} `{}`: {difference}", placed.entry.spec.name)));
        }
    }
    let total = header.total_bytes.load(Ordering::Relaxed);
    if total != plan.total as u64 || size < total {
        return Err(incompatible(format!(
            "the segment is {total} bytes ({size} mapped), this process's layout {}",
            plan.total
        )));
    }
    let layout = header.layout.load(Ordering::Relaxed);
    if layout != plan.layout_hash {
        return Err(incompatible(format!("layout hash {layout:#018x}, this process {:#018x}", plan.layout_hash)));
    }
    let topology = header.topology.load(Ordering::Relaxed);
    if topology != plan.topology {
        return Err(incompatible(format!("topology hash {topology:#018x}, this process {:#018x}", plan.topology)));
    }
    Ok(())
}

/// Claims a free (or dead) user entry for this process; returns its index.
fn register_user(header: &Header, name: &str) -> Result<usize, ShmError> {
    let pid = std::process::id();
    let start = started(pid).unwrap_or(u64::MAX);
    for (index, user) in header.users.iter().enumerate() {
        if user.pid.load(Ordering::Relaxed) == 0 {
            user.started.store(start, Ordering::Relaxed);
            user.pid.store(pid, Ordering::Release);
            return Ok(index);
        }
    }
    Err(ShmError::TooManyUsers { name: name.into() })
}

/// A pointer to a ring in a segment that keeps the mapping alive: what the handles of a
/// [`SharedRing`] reach their ring through. `Deref`s to the ring.
pub struct Attached<R> {
    mapping: Arc<Mapping>,
    /// Points into `mapping` (invariant of the type: see `Deref`).
    ring: NonNull<R>,
}

// SAFETY: an `Attached` is a shared reference to `R` plus an `Arc<Mapping>`; `R: Sync`
// (every `AnyRing` is) makes sharing the reference across threads sound, and `Mapping`
// (a memory map, a file, plain data) is `Send + Sync`.
unsafe impl<R: Sync> Send for Attached<R> {}
// SAFETY: as for `Send`.
unsafe impl<R: Sync> Sync for Attached<R> {}

impl<R> Clone for Attached<R> {
    fn clone(&self) -> Self {
        Self { mapping: Arc::clone(&self.mapping), ring: self.ring }
    }
}

impl<R> Deref for Attached<R> {
    type Target = R;
    fn deref(&self) -> &R {
        // SAFETY: `ring` was made by `Segment::ring` from the offset of a ring of type `R`
        // (the spec comparison proved the segment placed an `R` there, initialised before
        // the segment was marked ready), inside `mapping`'s memory, which stays mapped
        // while this `Arc` lives. Access is shared only: `R`'s state is atomics, and its
        // plain fields (start sequence, wait routes) are written only by the creator
        // before the segment is ready.
        unsafe { self.ring.as_ref() }
    }
}

impl<R> fmt::Debug for Attached<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attached").field("segment", &self.mapping.name).finish_non_exhaustive()
    }
}

/// A ring in a [`Segment`]: the same handles as a [`Ring`] in one process. A ring in a
/// segment records which process holds each handle (in the ring itself), so that a dead
/// process's handles can be released (module docs, "Crashes"), whichever way the handle was
/// taken.
pub struct SharedRing<R> {
    ring: Attached<R>,
    index: usize,
}

/// A [`Publisher`] of a ring in a segment.
pub type SharedPublisher<R> = Publisher<Attached<R>>;
/// A [`MultiPublisher`] of a ring in a segment.
pub type SharedMultiPublisher<R> = MultiPublisher<Attached<R>>;
/// A [`Subscriber`] of a ring in a segment.
pub type SharedSubscriber<R> = Subscriber<Attached<R>>;

impl<R> Clone for SharedRing<R> {
    fn clone(&self) -> Self {
        Self { ring: self.ring.clone(), index: self.index }
    }
}

impl<R> fmt::Debug for SharedRing<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedRing")
            .field("segment", &self.ring.mapping.name)
            .field("ring", &self.ring.mapping.plan.rings[self.index].entry.spec.name)
            .finish()
    }
}

impl<R: ShmRing> SharedRing<R> {
    /// The single-producer publisher, taken once across every process.
    ///
    /// # Errors
    ///
    /// [`ShmError::Taken`] if any process took a publisher of this ring (or it is closed).
    pub fn publisher(&self) -> Result<SharedPublisher<R>, ShmError> {
        Ok(Publisher::new(self.ring.clone())?)
    }

    /// A multi-producer publisher; every process may take any number until the ring closes.
    ///
    /// # Errors
    ///
    /// [`ShmError::Taken`] if the single-producer publisher was taken or the ring is closed.
    pub fn multi_publisher(&self) -> Result<SharedMultiPublisher<R>, ShmError> {
        Ok(MultiPublisher::new(self.ring.clone())?)
    }

    /// A new subscriber (a free record), freed when dropped or when its process dies.
    ///
    /// # Errors
    ///
    /// [`ShmError::Subscribe`] if every record is in use.
    pub fn subscribe(&self) -> Result<SharedSubscriber<R>, ShmError> {
        Ok(Subscriber::new(self.ring.clone())?)
    }

    /// Attaches to reserved record `index` and continues where its last handle (in any
    /// process, including one that died) stopped. The place is kept when the handle drops.
    ///
    /// # Errors
    ///
    /// [`ShmError::Subscribe`]: the record is held, not reserved, or out of range.
    pub fn resume(&self, index: usize) -> Result<SharedSubscriber<R>, ShmError> {
        Ok(Subscriber::resume(self.ring.clone(), index)?)
    }

    /// The ring, for its counters (`stats`, `published`, `record_stats`, …) and for handles
    /// built directly (`Publisher::new(shared.attached())`).
    #[must_use]
    pub fn attached(&self) -> Attached<R> {
        self.ring.clone()
    }

    /// The ring's counters (published, subscribers, pressure, closed).
    #[must_use]
    pub fn stats(&self) -> RingStats {
        self.ring.stats()
    }

    /// The counters of subscriber record `index`, if it is in use.
    #[must_use]
    pub fn record_stats(&self, index: usize) -> Option<SubscriberStats> {
        self.ring.record_stats(index)
    }

    /// Events published so far.
    #[must_use]
    pub fn published(&self) -> u64 {
        self.ring.published()
    }

    /// Whether every publisher is gone.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.ring.is_closed()
    }

    /// The ring's name in the layout.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.ring.mapping.plan.rings[self.index].entry.spec.name
    }

    /// The ring's address in this process's mapping (valid while the segment is mapped).
    pub(crate) fn as_ptr(&self) -> *const R {
        self.ring.ring.as_ptr()
    }
}

/// What [`inspect`] saw in a segment: its rings' counters and its users, read without
/// attaching (no user entry, no lock, a read-only mapping).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Inspection {
    /// The segment's name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The topology hash its creator gave.
    pub topology: u64,
    /// Process ids of its live users.
    pub users: Vec<u32>,
    /// Its rings, in layout order.
    pub rings: Vec<RingReport>,
}

/// One ring of an [`Inspection`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RingReport {
    /// The ring's description.
    pub spec: RingSpec,
    /// Events published.
    pub published: u64,
    /// Live publisher handles (`None` once the ring is closed).
    pub publishers: Option<u64>,
    /// Its subscriber records in use.
    pub records: Vec<RecordReport>,
}

/// One subscriber record of a [`RingReport`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordReport {
    /// The record's index.
    pub index: usize,
    /// Whether a handle reads through it now (else it is a reserved place).
    pub held: bool,
    /// The process id of the process whose handle holds it (`0`: none recorded).
    pub owner: u32,
    /// The next sequence it reads.
    pub next: u64,
    /// Published events it has not read (on a lossless ring, what it holds back).
    pub pending: u64,
    /// Events received (exact on lossless rings; as last flushed on lossy ones).
    pub received: u64,
    /// Events lost to overwrite, as last flushed.
    pub lagged: u64,
}

/// The names of the segments on this machine (`/dev/shm/hardwire-*`), sorted: live, stale or
/// being created alike ([`inspect`] tells them apart).
///
/// # Errors
///
/// The operating system's refusal to list `/dev/shm`.
pub fn segments() -> io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir("/dev/shm")?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.strip_prefix("hardwire-").map(String::from))
        .filter(|name| valid_name(name))
        .collect();
    names.sort();
    Ok(names)
}

/// Reads segment `name`'s counters through a read-only mapping (the `hardwire stats`
/// command): no lock, no user entry, nothing written. Every value read is checked before it
/// is used as an offset, so a corrupt or foreign segment gives an error, never a crash.
///
/// # Errors
///
/// [`ShmError::NotFound`], [`ShmError::PermissionDenied`], [`ShmError::NotReady`] (being
/// created), [`ShmError::Incompatible`] (not a segment of this format and platform, or
/// inconsistent).
pub fn inspect(name: &str) -> Result<Inspection, ShmError> {
    if !valid_name(name) {
        return Err(ShmError::InvalidName { name: name.into() });
    }
    let fd = match posix::open(path_of(name).as_str(), posix::OFlags::RDONLY, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Err(ShmError::NotFound { name: name.into() }),
        Err(err) => return Err(io_error(name, "shm_open", err)),
    };
    let file = File::from(fd);
    let size = rustix::fs::fstat(&file).map_err(|err| io_error(name, "fstat", err))?.st_size as u64;
    if size < size_of::<Header>() as u64 {
        return Err(ShmError::NotReady { name: name.into() });
    }
    let map = memmap2::MmapOptions::new()
        .len(size as usize)
        .map_raw_read_only(&file)
        .map_err(|source| ShmError::Io { name: name.into(), operation: "mmap", source })?;
    let view = View { base: map.as_ptr(), len: map.len() };
    let corrupt = |what: String| ShmError::Incompatible { name: name.into(), difference: what };
    // Offsets of the header's fields (all `u64`/`u32` words).
    let header = |offset: usize| view.u64(offset).ok_or_else(|| corrupt("header out of bounds".into()));
    if header(core::mem::offset_of!(Header, magic))? != MAGIC {
        return Err(corrupt("it is not a hardwire segment".into()));
    }
    let state_word = view.u32(core::mem::offset_of!(Header, state)).unwrap_or(INITIALISING);
    if state_word != READY {
        return Err(ShmError::NotReady { name: name.into() });
    }
    let format = view.u32(core::mem::offset_of!(Header, format)).unwrap_or(0);
    if format != FORMAT_VERSION || header(core::mem::offset_of!(Header, platform))? != platform() {
        return Err(corrupt(format!("format {format} or platform differs from this build's")));
    }
    let count = header(core::mem::offset_of!(Header, rings))?;
    let described = (size_of::<Header>() as u64).saturating_add(count.saturating_mul(size_of::<Entry>() as u64));
    if described > size {
        return Err(corrupt(format!("{count} ring descriptions do not fit in {size} bytes")));
    }
    let mut specs = Vec::new();
    for index in 0..count as usize {
        let at = size_of::<Header>() + index * size_of::<Entry>();
        let word = |i: usize| view.u64(at + 8 * i).unwrap_or(0);
        let name_words: Vec<u64> = (0..MAX_RING_NAME / 8).map(word).collect();
        let words: [u64; SPEC_WORDS] = core::array::from_fn(|i| word(MAX_RING_NAME / 8 + i));
        specs.push(RingSpec::from_words(&name_words, &words));
    }
    let refs: Vec<&RingSpec> = specs.iter().collect();
    let (offsets, total) = place(&refs).ok_or_else(|| corrupt("ring sizes overflow".into()))?;
    if total as u64 > size {
        return Err(corrupt(format!("its rings need {total} bytes, the segment has {size}")));
    }
    let mut users = Vec::new();
    for index in 0..MAX_USERS {
        let at = core::mem::offset_of!(Header, users) + index * size_of::<User>();
        let pid = view.u32(at).unwrap_or(0);
        let start = view.u64(at + core::mem::offset_of!(User, started)).unwrap_or(0);
        if pid != 0 && started(pid).is_some_and(|now| now == u64::MAX || now == start) {
            users.push(pid);
        }
    }
    let mut rings = Vec::new();
    for (spec, ring_offset) in specs.into_iter().zip(offsets) {
        rings.push(
            ring_report(&view, spec, ring_offset)
                .ok_or_else(|| corrupt("a ring's offsets are out of bounds".into()))?,
        );
    }
    Ok(Inspection { name: name.into(), size, topology: header(core::mem::offset_of!(Header, topology))?, users, rings })
}

fn ring_report(view: &View, spec: RingSpec, at: usize) -> Option<RingReport> {
    let [head, start, publishers, _closed, records, stride, position, held, joined, received, lagged, _skipped, owner] =
        spec.probe.map(|offset| usize::try_from(offset).unwrap_or(usize::MAX));
    let ring_end = at.checked_add(usize::try_from(spec.ring_bytes).ok()?)?;
    let within = |offset: usize, width: usize| offset.checked_add(width).is_some_and(|end| end <= ring_end);
    let word = |offset: usize| at.checked_add(offset).filter(|&o| within(o, 8)).and_then(|o| view.u64(o));
    let head = word(head)?;
    let start = word(start)?;
    let live = word(publishers)?;
    let mut report = RingReport {
        published: head.saturating_sub(start),
        publishers: (live != ring::CLOSED_PUBLISHERS).then_some(live),
        records: Vec::new(),
        spec,
    };
    for index in 0..report.spec.subscribers.min(crate::MAX_SUBSCRIBERS as u64) as usize {
        let record = records.checked_add(index.checked_mul(stride)?)?;
        let field = |offset: usize| word(record.checked_add(offset)?);
        let place = field(position)?;
        if place == 0 {
            continue;
        }
        let next = place - 1;
        let held_byte = at.checked_add(record)?.checked_add(held).filter(|&o| within(o, 1)).and_then(|o| view.u8(o))?;
        let owner = at.checked_add(record)?.checked_add(owner).filter(|&o| within(o, 4)).and_then(|o| view.u32(o))?;
        let (joined, mut received, lagged) = (field(joined)?, field(received)?, field(lagged)?);
        if report.spec.lossless {
            received = next.saturating_sub(joined);
        }
        report.records.push(RecordReport {
            index,
            held: held_byte != 0,
            // Without the bit that says whether the handle keeps its place.
            owner: owner & !ring::owners::KEEPS,
            next,
            pending: head.saturating_sub(next),
            received,
            lagged,
        });
    }
    Some(report)
}

/// Bounds-checked atomic loads from a read-only mapping.
struct View {
    base: *const u8,
    len: usize,
}

impl View {
    fn u64(&self, offset: usize) -> Option<u64> {
        if offset % 8 != 0 || offset.checked_add(8)? > self.len {
            return None;
        }
        // SAFETY: in bounds (checked), 8-aligned (the mapping is page aligned and `offset`
        // a multiple of 8), and the mapping outlives `self` (both live in `inspect`). An
        // atomic load of read-only memory is allowed for a lock-free 8-byte atomic; other
        // processes store to it atomically.
        Some(unsafe { &*self.base.add(offset).cast::<AtomicU64>() }.load(Ordering::Acquire))
    }

    fn u32(&self, offset: usize) -> Option<u32> {
        if offset % 4 != 0 || offset.checked_add(4)? > self.len {
            return None;
        }
        // SAFETY: as in `u64`, for a 4-byte atomic at a multiple of 4.
        Some(unsafe { &*self.base.add(offset).cast::<AtomicU32>() }.load(Ordering::Acquire))
    }

    fn u8(&self, offset: usize) -> Option<u8> {
        if offset >= self.len {
            return None;
        }
        // SAFETY: as in `u64`, for a 1-byte atomic (an `AtomicBool` is stored there).
        Some(unsafe { &*self.base.add(offset).cast::<core::sync::atomic::AtomicU8>() }.load(Ordering::Acquire))
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "segment {}: {} bytes, topology {:#018x}, {} process(es) attached {:?}",
            self.name,
            self.size,
            self.topology,
            self.users.len(),
            self.users
        )?;
        for ring in &self.rings {
            let mode = if ring.spec.lossless { "backpressure" } else { "overwrite" };
            let publishers = ring.publishers.map_or_else(|| "closed".to_string(), |n| format!("{n} publisher(s)"));
            writeln!(
                f,
                "  {:<16} {mode:<12} capacity {:<8} published {:<12} {publishers}",
                ring.spec.name, ring.spec.capacity, ring.published
            )?;
            for record in &ring.records {
                let pressure = record.pending as f64 / ring.spec.capacity.max(1) as f64;
                let holder = match (record.held, record.owner) {
                    (false, _) => "reserved".to_string(),
                    (true, 0) => "held".to_string(),
                    (true, pid) => format!("pid {pid}"),
                };
                writeln!(
                    f,
                    "    record {:<3} {holder:<10} next {:<12} pending {:<8} ({:>5.1} % of the ring) received {:<12} lagged {}",
                    record.index,
                    record.next,
                    record.pending,
                    100.0 * pressure.min(1.0),
                    record.received,
                    record.lagged
                )?;
            }
        }
        Ok(())
    }
}
