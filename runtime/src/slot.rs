//! The seqlock slot: the only place the runtime's data protocol lives.
//!
//! # Layout
//!
//! A [`Slot`] is a stamp word followed by the payload's words, all `AtomicU64`. Through the
//! seqlock the payload is never stored as its own type: [`Slot::write`] splits the value's
//! bytes into words and [`Slot::read`] reassembles them into a local value, through safe
//! `bytemuck` byte views, one copy each way (lossless rings copy plainly instead: below). The
//! stamp says which sequence the words belong to:
//!
//! | stamp | meaning |
//! |---|---|
//! | `0` | never written |
//! | `4*seq + 1` | the write of `seq` is in progress |
//! | `4*seq + 2` | `seq` is committed |
//! | `4*seq + 3` | `seq` is abandoned: its producer died between claiming and committing it |
//!
//! Sequences live in `0..SEQUENCE_LIMIT` (`2^62 - 1`), so the largest stamp is
//! `2^64 - 5` (an abandoned last sequence) and no stamp arithmetic can wrap. Publishers
//! refuse to go past the limit.
//! Below, `2seq+1` and `2seq+2` stand for the writing and committed stamps.
//!
//! An abandoned stamp is stored only by `Slot::mark_abandoned`, in place of a claim whose
//! producer is proved dead (a multi-producer publisher of a ring in shared memory whose
//! process was killed mid-publish: `ring::abandon_dead_claim`). It carries no data: a
//! reader passes it, counted as skipped, and the slot's next writer takes it for a committed
//! previous lap. It lies between the dead write's stamps and the next lap's, so the stamps
//! of a slot still only grow, which is all the arguments below use.
//!
//! # Protocol (Boehm's fence-based seqlock, HPL-2012-68)
//!
//! ```text
//! write(seq, v):                          read(seq):
//!   stamp.store(2seq+1, Relaxed)            s1 = stamp.load(Acquire)
//!   fence(Release)                          if s1 != 2seq+2: classify, no copy
//!   words[i].store(v[i], Relaxed) ∀i        buf[i] = words[i].load(Relaxed) ∀i
//!   stamp.store(2seq+2, Release)            fence(Acquire)
//!                                           s2 = stamp.load(Relaxed)
//!                                           s2 == s1 ? Ready(from(buf)) : Torn
//! ```
//!
//! # Why an accepted read is never torn
//!
//! Suppose the reader accepts (`s1 == s2 == 2seq+2`) yet some word load `w` read a value
//! stored by a *later* write W' (of `seq + k·cap`, or a second write of `seq`).
//!
//! * W' stored its odd stamp, then `fence(Release)`, then the word `w` reads. The reader
//!   loaded `w`, then `fence(Acquire)`. By the fence-fence rule (a release fence before a
//!   store, read by a load before an acquire fence) W's fence synchronizes with the
//!   reader's fence, so W's odd stamp store happens-before the reader's `s2` load.
//! * By coherence `s2` then reads W's odd stamp or something later in the stamp's
//!   modification order, and every later stamp differs from `2seq+2` (stamps of one slot
//!   only grow, because there is one writer per slot at a time, in sequence order).
//!   So `s2 != s1`, a contradiction.
//!
//! Conversely every word holds at least the value of the write that stored `s1`:
//! `s1` was read with `Acquire` from that write's `Release` store, which comes after its
//! word stores.
//!
//! A length-prefixed payload (`Payload::LENGTH_PREFIXED`: byte payloads of 1 KiB and more)
//! is stored only as far as its count, and read the same way: the reader loads the head
//! word first and reads the words its count covers, zeroing the rest of its copy. Words
//! past the count of the write that stored `s1` keep older writes' values, so the reader
//! must never accept a read that used them: it reads past that count only if its head word
//! came from another write, which by the argument above is a newer one, and then the
//! re-check fails. The count is clamped to the value's size, so a torn one never reads out
//! of bounds (loom model L1 runs a length-prefixed payload; the stress tests a 1 KiB one).
//!
//! What a write stores comes from a `Fill`: a value's bytes, or a byte payload's parts
//! (`publish_bytes`: the count word, the slice, the zeros a `Bytes` value would hold), stored
//! word by word between the same two stamp stores, so nothing above depends on which. The
//! stress tests publish every other 1 KiB byte payload from a slice.
//!
//! # Exclusive access on lossless rings
//!
//! On a `Backpressure` ring the seqlock's re-check is not needed, and neither are atomic
//! words: the ring's gate already keeps every writer out of a slot that a subscriber may
//! still read. So lossless rings store the payload with one plain copy into the slot's
//! words — or build it there, through a `&mut T` into them (`Slot::build_exclusive`,
//! behind `Publisher::publish_with`) — and read it in place through a reference, or with
//! one plain copy out (`Slot::store_exclusive`, `Slot::with_exclusive`, all `pub(crate)`
//! and `unsafe`). The words are `AtomicU64`s, that is `UnsafeCell`s, so
//! writing them through a pointer derived from `&self` is allowed; what must be proved is
//! that no access to them is concurrent with a plain write:
//!
//! ```text
//! store_exclusive(seq, v):                with_exclusive(seq, f):
//!   stamp.store(2seq+1, Relaxed)            s = stamp.load(Acquire)
//!   copy v into the words (plain)           if s != 2seq+2: classify, no access
//!   stamp.store(2seq+2, Release)            f(&words as T) (plain reads)
//! ```
//!
//! * **Reader after writer.** A reader touches the words of `seq` only after its Acquire
//!   load saw `2seq+2`, stored with Release after the plain copy: the copy happens-before
//!   the reader's accesses. `build_exclusive` is the same with the copy replaced by the
//!   builder's plain writes through its `&mut T`, which ends before the commit; a builder
//!   that unwinds leaves the odd stamp `2seq+1`, which no reader accepts, and its
//!   publisher has not advanced, so its next write of `seq` starts from that stamp again.
//! * **Writer after reader** (the slot's next lap, `seq + cap`). Its publisher writes only
//!   below its gate limit, computed from every live subscriber record's position with
//!   Acquire loads (`ring::scan_gates`); a subscriber stores its position past `seq` with
//!   Release only after its read of `seq` is complete (`subscriber.rs`, `Reader::commit`),
//!   and a borrow ends before that store. So the read happens-before the next lap's write.
//!   A subscriber that registers mid-stream starts at the head and is counted by every
//!   publisher before it can write a slot that subscriber may read (the registration
//!   handshake, `ring.rs` "Backpressure gating"); a parked record gates like a held one;
//!   a record is freed (and stops gating) only after its last read.
//! * **Writer after writer.** One writer per slot at a time (invariant 2); a
//!   multi-producer publisher also waits with Acquire for the slot's previous lap to be
//!   committed, so the previous copy happens-before its own.
//! * **Panics.** A borrow handed to `f` ends when `f` returns or unwinds; either way the
//!   subscriber's position has not moved past `seq`, so no writer can have entered the
//!   slot. An unwinding `f` leaves the event unread (it is delivered again).
//! * **Handlers.** A generated subscriber's `poll` runs its handler as `f`
//!   (`TopicSubscriber::poll_with`), so while a handler runs it holds one slot of the
//!   lossless topic it reads. A stage's handler may publish meanwhile; waiting for room on a
//!   lossless topic whose readers wait, in turn, on this stage would deadlock, and the
//!   topology check refuses every such cycle (rule `cycles`, a stage publishing to a topic it
//!   reads included). The handler's reference is lent for the call only (`&T` in a
//!   `for<'a> FnOnce`), so it cannot outlive the borrow.
//!
//! The same bytes never get an atomic access on a lossless ring (its slots are reached only
//! through the ring's crate-private accessor, which routes by overflow mode), so there is no
//! mixed atomic/plain access either. Under `--cfg loom` the plain copies are made with the
//! words' atomics inside `with`/`with_mut` of a `loom::cell::UnsafeCell` beside them, which
//! fails the model on any access not ordered as argued above (`tests/loom_ring.rs` L2, L4,
//! L5 run lossless rings; the gate mutants make them fail). Miri checks the real copies in
//! the threaded tests.
//!
//! # Invariants (review every change against them)
//!
//! 1. On an `Overwrite` ring, writers and readers touch a slot's words **only** through its
//!    `[AtomicU64; N]`, at the same width: no mixed-size access, never a non-atomic view.
//!    On a `Backpressure` ring they touch them **only** with the exclusive methods above.
//! 2. One writer per slot at a time. The stamp detects reader/writer races only. Rings
//!    guarantee it: a single producer by `&mut self`, multiple producers by waiting for
//!    the slot's previous lap to commit (`Ring`'s multi-producer publish).
//! 3. A value read from the words is returned only after the re-check passed (seqlock):
//!    they are copied into a local `T` (valid whatever its bytes, `T` being `Pod`) that a
//!    failed re-check discards. The exclusive reads start only after the committed stamp was
//!    seen.
//! 4. Stamp arithmetic is only done on sequences below [`SEQUENCE_LIMIT`].

use core::marker::PhantomData;
use core::mem::size_of;

use crate::mutant;
use crate::payload::{Payload, Words, carried_bytes, used_words};
use crate::sync::{AtomicU64, Ordering, const_fn_unless_loom, fence};

/// One past the largest sequence a ring can publish: `2^62 - 1`.
///
/// At a billion events per second the sequence space lasts 146 years. Publishers panic
/// rather than wrap when it runs out (see [`Publisher::publish`](crate::Publisher::publish)).
pub const SEQUENCE_LIMIT: u64 = (1 << 62) - 1;

/// The first 8 bytes of a value's bytes, zero-padded when it is shorter.
#[inline(always)]
fn head_of(bytes: &[u8]) -> [u8; 8] {
    let mut head = [0; 8];
    let n = bytes.len().min(8);
    head[..n].copy_from_slice(&bytes[..n]);
    head
}

/// Between a writer's word stores: under `--cfg hardwire_stress_yield`, yields the thread to
/// widen the torn-read window for the stress tests (after every word, whatever the payload's
/// size); otherwise nothing.
#[inline(always)]
fn stress_yield() {
    #[cfg(all(hardwire_stress_yield, feature = "std"))]
    std::thread::yield_now();
}

/// What a store writes into a slot: an event, given as a value (`T` itself) or as parts a
/// value would be built from (a byte payload's bytes, [`crate::bytes::BytesPayload`]), so
/// that the parts go into the slot without being assembled elsewhere first.
pub(crate) trait Fill<T: Payload> {
    /// The seqlock writer's copy: stores the bytes a lossy copy of the event carries
    /// ([`carried_bytes`]) into `words`, with [`store_words`].
    fn store_words(&self, words: &[AtomicU64]);

    /// Writes all `size_of::<T>()` bytes of the event to `dst`, plainly.
    ///
    /// # Safety
    ///
    /// `dst` is valid for writes of `size_of::<T>()` bytes that overlap nothing `self`
    /// refers to, and nothing else accesses them during the call.
    #[cfg(not(loom))]
    unsafe fn copy_to(&self, dst: *mut u8);

    /// The event as a value (loom's model of the plain copy copies a value).
    #[cfg(loom)]
    fn value(&self) -> T;
}

impl<T: Payload> Fill<T> for T {
    #[inline(always)]
    fn store_words(&self, words: &[AtomicU64]) {
        // Straight from the value's bytes: one copy, no intermediate buffer. A
        // length-prefixed value (byte payloads) stores only the bytes its count covers.
        let all = bytemuck::bytes_of(self);
        store_words(words, &all[..carried_bytes::<T>(head_of(all))]);
    }

    #[cfg(not(loom))]
    #[inline(always)]
    unsafe fn copy_to(&self, dst: *mut u8) {
        // SAFETY: `self` is readable for `size_of::<T>()` bytes; `dst` is valid for as many
        // writes, not overlapping `self`, with no concurrent access (the caller's contract).
        unsafe { core::ptr::copy_nonoverlapping(core::ptr::from_ref(self).cast::<u8>(), dst, size_of::<T>()) }
    }

    #[cfg(loom)]
    fn value(&self) -> T {
        *self
    }
}

/// Stores `bytes` into `words` from the first, a word at a time, the last one zero-padded
/// (so no stored byte is uninitialized): the seqlock writer's copy. `words` must have room
/// for them (a slot's words hold its whole payload).
///
/// Four words per step: the compiler does not unroll loops of atomic stores itself, and a
/// step's bookkeeping cost as much as its two moves (1 KiB events, callgrind). The steps
/// go over exact chunks, whose lengths the compiler knows, so no word checks a bound
/// (1,097 → 945 instructions per publish and receive of a 1 KiB event, cachegrind).
#[inline(always)]
pub(crate) fn store_words(words: &[AtomicU64], bytes: &[u8]) {
    debug_assert!(words.len() >= bytes.len().div_ceil(8));
    let word = |chunk: &[u8], k: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&chunk[8 * k..8 * k + 8]);
        u64::from_ne_bytes(word)
    };
    let mut quads = bytes.chunks_exact(32);
    let mut word_quads = words.chunks_exact(4);
    for (to, from) in (&mut word_quads).zip(&mut quads) {
        to[0].store(word(from, 0), Ordering::Relaxed);
        stress_yield();
        to[1].store(word(from, 1), Ordering::Relaxed);
        stress_yield();
        to[2].store(word(from, 2), Ordering::Relaxed);
        stress_yield();
        to[3].store(word(from, 3), Ordering::Relaxed);
        stress_yield();
    }
    let words = &words[bytes.len() / 32 * 4..];
    let mut rest = quads.remainder().chunks_exact(8);
    for (to, from) in words.iter().zip(&mut rest) {
        to.store(word(from, 0), Ordering::Relaxed);
        stress_yield();
    }
    let tail = rest.remainder();
    if !tail.is_empty() {
        let mut last = [0; 8];
        last[..tail.len()].copy_from_slice(tail);
        words[quads.remainder().len() / 8].store(u64::from_ne_bytes(last), Ordering::Relaxed);
    }
}

/// The stamp of a write of `seq` in progress.
#[inline(always)]
const fn writing(seq: u64) -> u64 {
    4 * seq + 1
}

/// The stamp of a committed `seq`.
#[inline(always)]
const fn committed(seq: u64) -> u64 {
    4 * seq + 2
}

/// The stamp of an abandoned `seq` (module docs).
#[inline(always)]
const fn abandoned(seq: u64) -> u64 {
    4 * seq + 3
}

/// The sequence a non-zero stamp belongs to.
#[inline(always)]
const fn sequence_of(stamp: u64) -> u64 {
    (stamp - 1) / 4
}

/// What [`Slot::read`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRead<T> {
    /// The committed value of the sequence asked for.
    Ready(T),
    /// The sequence has not been published yet (or the slot was never written).
    Empty,
    /// The sequence's write is in progress.
    Busy,
    /// A writer touched the slot during the copy; the copy was discarded. Read again.
    Torn,
    /// A later sequence, `by`, has overwritten (or is overwriting) the slot: the reader
    /// has been lapped. `by >= seq + capacity` for a slot of a ring.
    Overwritten {
        /// The sequence whose stamp the slot carries.
        by: u64,
    },
    /// The sequence was claimed by a producer that died before committing it (a process
    /// killed mid-publish, on a ring in shared memory): nothing will ever be written as it.
    /// Readers pass it and count it as skipped.
    Abandoned,
}

/// One seqlock-stamped cell of a ring, holding a `T` as atomic words.
///
/// Rings own their slots; this type is public for users who build their own structures
/// on the protocol. Its guarantees hold for any interleaving of one writer per slot and
/// any number of readers: a [`SlotRead::Ready`] value is always a whole, committed value
/// of the sequence asked for. Two concurrent writers on one slot are a logic error: it
/// cannot cause undefined behaviour (everything is atomic), but readers may then see a
/// mix of the two values.
#[repr(C)]
pub struct Slot<T: Payload> {
    stamp: AtomicU64,
    words: <T::Words as Words>::Atomic,
    /// loom's record of the exclusive (plain) accesses to `words` (module docs).
    #[cfg(loom)]
    access: loom::cell::UnsafeCell<()>,
    _payload: PhantomData<fn() -> T>,
}

impl<T: Payload> Slot<T> {
    /// Words that carry the value; the rest of `T::Words` is padding, never touched.
    const USED: usize = {
        assert!(size_of::<T::Words>() >= size_of::<T>(), "Payload::Words is too small for the payload type");
        used_words(size_of::<T>())
    };

    const_fn_unless_loom! {
        /// An empty slot (stamp 0: never written).
        #[must_use]
        pub fn new() -> Self {
            let _ = Self::USED; // evaluates the size check at compile time
            Self {
                stamp: AtomicU64::new(0),
                #[cfg(not(loom))]
                words: <T::Words as Words>::ATOMIC_ZERO,
                #[cfg(loom)]
                words: <T::Words as Words>::atomic_zero(),
                #[cfg(loom)]
                access: loom::cell::UnsafeCell::new(()),
                _payload: PhantomData,
            }
        }
    }

    /// Stores `value` as sequence `seq`.
    ///
    /// The caller must be the slot's only writer until this returns (invariant 2), and
    /// sequences written to one slot must increase.
    ///
    /// # Panics
    ///
    /// If `seq >= SEQUENCE_LIMIT`. Rings check the limit before they get here.
    #[inline]
    pub fn write(&self, seq: u64, value: &T) {
        assert!(seq < SEQUENCE_LIMIT, "sequence beyond SEQUENCE_LIMIT");
        self.store(seq, value);
    }

    /// [`Slot::write`] for rings, which have checked `seq < SEQUENCE_LIMIT` already.
    #[inline(always)]
    pub(crate) fn store(&self, seq: u64, value: &(impl Fill<T> + ?Sized)) {
        debug_assert!(seq < SEQUENCE_LIMIT);
        self.stamp.store(writing(seq), Ordering::Relaxed);
        if !mutant::WRITER_NO_FENCE {
            // Release: orders the odd stamp before every word store below. Pairs with the
            // reader's fence(Acquire) through any word it loads from this write, which is
            // what makes its re-check see the odd stamp.
            fence(Ordering::Release);
        }
        // A word at a time (the last one zero-padded, so no stored byte is uninitialized).
        value.store_words(<T::Words as Words>::atomics(&self.words));
        let commit = if mutant::RELAXED_COMMIT { Ordering::Relaxed } else { Ordering::Release };
        // Release: publishes the word stores above. Pairs with the Acquire load of `s1` in
        // `read` and with the previous-lap wait of multi-producer publishers.
        self.stamp.store(committed(seq), commit);
    }

    /// Copies out the value of sequence `seq`, if the slot holds it committed.
    ///
    /// Never blocks. The value is assembled only after the stamp re-check passed.
    #[inline]
    pub fn read(&self, seq: u64) -> SlotRead<T> {
        if seq >= SEQUENCE_LIMIT {
            return SlotRead::Empty; // nothing can ever be published there
        }
        // Acquire: pairs with the Release commit in `write`; seeing `committed(seq)` makes
        // all of that write's words visible.
        let s1 = self.stamp.load(Ordering::Acquire);
        if s1 != committed(seq) {
            return Self::classify(s1, seq);
        }
        // Straight into the value to return (discarded if the re-check fails): one copy,
        // into memory not zeroed first (a 1 KiB event's `memset` cost a third of the copy).
        let mut out = core::mem::MaybeUninit::<T>::uninit();
        let dst = out.as_mut_ptr().cast::<u8>();
        let words = <T::Words as Words>::atomics(&self.words);
        let put = |i: usize, word: u64| {
            // SAFETY: every caller passes `i < full`, and `8 * full <= carried <=
            // size_of::<T>()`, so bytes `8i..8i + 8` lie within `out`; `dst` is valid for
            // writes there (from `&mut out`, not aliased) and `write_unaligned` needs no
            // alignment.
            unsafe { dst.add(8 * i).cast::<u64>().write_unaligned(word) }
        };
        // A length-prefixed value (byte payloads): its first word says how many bytes to
        // read. A torn count is harmless: `carried_bytes` keeps it within the value, and
        // the re-check below rejects the read.
        let (carried, mut i) = if T::LENGTH_PREFIXED && size_of::<T>() >= 8 {
            let head = words[0].load(Ordering::Relaxed);
            let carried = carried_bytes::<T>(head.to_ne_bytes());
            put(0, head); // `0 < full`: `carried >= 8`
            (carried, 1)
        } else {
            (size_of::<T>(), 0)
        };
        let full = carried / 8;
        // Four words per step, as in `store_words`, over exact chunks (no bound checked per
        // word).
        let mut quads = words[i..full].chunks_exact(4);
        for quad in &mut quads {
            put(i, quad[0].load(Ordering::Relaxed));
            put(i + 1, quad[1].load(Ordering::Relaxed));
            put(i + 2, quad[2].load(Ordering::Relaxed));
            put(i + 3, quad[3].load(Ordering::Relaxed));
            i += 4;
        }
        for word in quads.remainder() {
            put(i, word.load(Ordering::Relaxed));
            i += 1;
        }
        let len = carried - 8 * full;
        if len != 0 {
            let word = words[full].load(Ordering::Relaxed).to_ne_bytes();
            // SAFETY: bytes `8 * full..carried` (`len < 8` of them) lie within `out`
            // (`carried <= size_of::<T>()`), valid for writes as above; `word` is a separate
            // local, so they do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(word.as_ptr(), dst.add(8 * full), len) };
        }
        if carried < size_of::<T>() {
            // SAFETY: bytes `carried..size_of::<T>()` lie within `out`, valid for writes.
            unsafe { dst.add(carried).write_bytes(0, size_of::<T>() - carried) };
        }
        // SAFETY: every byte of `out` was written above (words `0..full`, the `len` tail
        // bytes up to `carried`, zeros from there to the end), and `T: Pod` makes any
        // initialized bytes a valid `T` (no padding, no invalid bit patterns).
        let out = unsafe { out.assume_init() };
        if !mutant::READER_NO_FENCE {
            // Acquire: orders the word loads above before the re-check below. Pairs with
            // the writer's fence(Release): a word from a newer write implies the re-check
            // sees that write's odd stamp (module docs).
            fence(Ordering::Acquire);
        }
        let s2 = self.stamp.load(Ordering::Relaxed);
        if s2 != s1 && !mutant::SKIP_RECHECK {
            return SlotRead::Torn;
        }
        SlotRead::Ready(out)
    }

    /// Stores `value` as sequence `seq` with one plain copy (lossless rings; module docs,
    /// "Exclusive access on lossless rings").
    ///
    /// # Safety
    ///
    /// Nothing else accesses this slot's words from the start of this call until a reader
    /// has seen the commit with Acquire: every reader of the slot's previous sequence has
    /// completed its read and made that visible with Release (the ring's gate), every
    /// earlier write to the slot happens-before this call, and the slot's words are never
    /// accessed atomically (invariant 1). `seq < SEQUENCE_LIMIT`.
    #[inline(always)]
    pub(crate) unsafe fn store_exclusive(&self, seq: u64, value: &(impl Fill<T> + ?Sized)) {
        debug_assert!(seq < SEQUENCE_LIMIT);
        self.stamp.store(writing(seq), Ordering::Relaxed);
        #[cfg(not(loom))]
        // SAFETY: the words are `size_of::<T::Words>() >= size_of::<T>()` bytes of
        // `UnsafeCell`s (atomics), so a pointer derived from `&self.words` may write them;
        // what `value` refers to does not overlap the slot (a `&` to it and a `&self` into
        // `UnsafeCell` memory cannot alias it while we write, by the caller's exclusivity);
        // and no other access is concurrent (caller).
        unsafe {
            value.copy_to(self.bytes());
        }
        #[cfg(loom)]
        self.access.with_mut(|_| self.copy_in(&value.value()));
        // Release: publishes the copy. Pairs with the Acquire stamp load of readers and
        // with the previous-lap wait of multi-producer publishers.
        self.stamp.store(committed(seq), Ordering::Release);
    }

    /// Stores sequence `seq` as whatever `build` makes of the slot's current contents, in
    /// place (lossless rings; module docs, "Exclusive access on lossless rings"): `build`
    /// gets the slot's bytes as a `&mut T` (a payload aligned to more than 8 bytes is
    /// copied out and back) holding the event of the slot's previous lap, or zeros.
    ///
    /// If `build` unwinds, the stamp is left showing `seq` being written and the slot holds
    /// whatever `build` wrote; the caller must not count `seq` as published, and must write
    /// it again (the stamp only moves forward from there).
    ///
    /// # Safety
    ///
    /// As [`Slot::store_exclusive`].
    #[inline(always)]
    pub(crate) unsafe fn build_exclusive(&self, seq: u64, build: impl FnOnce(&mut T)) {
        debug_assert!(seq < SEQUENCE_LIMIT);
        self.stamp.store(writing(seq), Ordering::Relaxed);
        #[cfg(not(loom))]
        {
            let bytes = self.bytes().cast::<T>();
            if core::mem::align_of::<T>() <= 8 {
                // SAFETY: the words are 8-aligned, `size_of::<T::Words>() >= size_of::<T>()`
                // bytes of `UnsafeCell`s holding initialized bytes (zero, or earlier copies),
                // which are a valid `T` (`Pod`); nothing else accesses them until the commit
                // below (the caller's exclusivity), so this is the only reference to them
                // while it lives.
                build(unsafe { &mut *bytes });
            } else {
                // SAFETY: as above, read and written without assuming `T`'s alignment.
                let mut value = unsafe { core::ptr::read_unaligned(bytes) };
                build(&mut value);
                // SAFETY: as above.
                unsafe { core::ptr::write_unaligned(bytes, value) };
            }
        }
        #[cfg(loom)]
        self.access.with_mut(|_| {
            let mut value = self.copy_out();
            build(&mut value);
            self.copy_in(&value);
        });
        // Release: publishes what `build` wrote. Pairs with the Acquire stamp load of
        // readers, as in `store_exclusive`.
        self.stamp.store(committed(seq), Ordering::Release);
    }

    /// Calls `f` with the value of `seq` in place, if the slot holds it committed (lossless
    /// rings), and returns what it returns as `Ready`; a payload aligned to more than 8 bytes
    /// is copied out first.
    ///
    /// # Safety
    ///
    /// The caller is a reader of the ring that gates it: no writer enters this slot for a
    /// later sequence until the caller has stored a position past `seq` with Release, which
    /// it does only after `f` returned; and the slot's words are never accessed atomically
    /// (invariant 1).
    #[inline(always)]
    pub(crate) unsafe fn with_exclusive<R>(&self, seq: u64, f: impl FnOnce(&T) -> R) -> SlotRead<R> {
        if seq >= SEQUENCE_LIMIT {
            return SlotRead::Empty;
        }
        // Acquire: pairs with the Release commit of `store_exclusive`, so its copy
        // happens-before our accesses below.
        let stamp = self.stamp.load(Ordering::Acquire);
        if stamp != committed(seq) {
            return Self::classify(stamp, seq);
        }
        #[cfg(not(loom))]
        {
            let bytes = self.bytes().cast_const();
            if core::mem::align_of::<T>() <= 8 {
                // SAFETY: the words are 8-aligned and hold `size_of::<T>()` initialized
                // bytes written by `store_exclusive` (or zero), which are a valid `T` (`Pod`);
                // the caller keeps writers out until after `f` returns, so the shared
                // reference's memory is not mutated while it lives.
                SlotRead::Ready(f(unsafe { &*bytes.cast::<T>() }))
            } else {
                // SAFETY: as above, read without assuming `T`'s alignment.
                let value = unsafe { core::ptr::read_unaligned(bytes.cast::<T>()) };
                SlotRead::Ready(f(&value))
            }
        }
        #[cfg(loom)]
        {
            let value = self.access.with(|_| self.copy_out());
            SlotRead::Ready(f(&value))
        }
    }

    /// The words' bytes, for the exclusive accesses.
    #[cfg(not(loom))]
    #[inline(always)]
    fn bytes(&self) -> *mut u8 {
        core::ptr::from_ref(&self.words).cast::<u8>().cast_mut()
    }

    /// Under loom, the exclusive copy in, made of the words' atomics (which loom can
    /// model) while `access` records it as a plain write.
    #[cfg(loom)]
    fn copy_in(&self, value: &T) {
        let mut buf = <T::Words as Words>::ZERO;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(buf.as_mut_slice());
        bytes[..size_of::<T>()].copy_from_slice(bytemuck::bytes_of(value));
        let words = <T::Words as Words>::atomics(&self.words);
        for (word, &value) in words[..Self::USED].iter().zip(&buf.as_slice()[..Self::USED]) {
            word.store(value, Ordering::Relaxed);
        }
    }

    /// Under loom, the exclusive copy out (see `copy_in`).
    #[cfg(loom)]
    fn copy_out(&self) -> T {
        let mut buf = <T::Words as Words>::ZERO;
        let words = <T::Words as Words>::atomics(&self.words);
        for (slot, word) in buf.as_mut_slice()[..Self::USED].iter_mut().zip(&words[..Self::USED]) {
            *slot = word.load(Ordering::Relaxed);
        }
        let bytes: &[u8] = bytemuck::cast_slice(buf.as_slice());
        bytemuck::pod_read_unaligned(&bytes[..size_of::<T>()])
    }

    /// Whether `seq` is committed in this slot (its stamp is exactly `committed(seq)`).
    ///
    /// `Acquire` when `acquire` is true: a `true` answer then makes that write's words
    /// happen-before the caller's next accesses, which the previous-lap wait of
    /// multi-producer publishers relies on.
    #[inline]
    pub(crate) fn holds_committed(&self, seq: u64, acquire: bool) -> bool {
        let order = if acquire { Ordering::Acquire } else { Ordering::Relaxed };
        self.stamp.load(order) == committed(seq)
    }

    /// Whether `seq` is done with in this slot: committed, or abandoned (module docs). What
    /// the slot's next writer waits for; `Acquire` when `acquire`, as [`Slot::holds_committed`].
    #[inline]
    pub(crate) fn holds_done(&self, seq: u64, acquire: bool) -> bool {
        let order = if acquire { Ordering::Acquire } else { Ordering::Relaxed };
        let stamp = self.stamp.load(order);
        stamp == committed(seq) || stamp == abandoned(seq)
    }

    /// Whether the slot's stamp `stamp` (read with [`Slot::stamp`]) shows `seq` neither
    /// committed nor abandoned nor passed by a later sequence: `seq` is still to be written.
    #[cfg_attr(not(all(feature = "shm", target_os = "linux", not(loom))), allow(dead_code))]
    #[inline]
    pub(crate) fn awaits(stamp: u64, seq: u64) -> bool {
        stamp < committed(seq)
    }

    /// Marks `seq` abandoned, if the slot's stamp is still `seen` (one compare-and-swap, so
    /// of several processes finding the same dead claim one marks it).
    ///
    /// The caller has proved that no live producer holds `seq`'s claim and none will write
    /// it (`ring::abandon_dead_claim`) and that `seen` shows it unwritten
    /// ([`Slot::awaits`]). `Release`: a writer of the next lap that sees the mark (with
    /// `Acquire`, [`Slot::holds_done`]) writes after every access of the marking side.
    #[cfg_attr(not(all(feature = "shm", target_os = "linux", not(loom))), allow(dead_code))]
    pub(crate) fn mark_abandoned(&self, seq: u64, seen: u64) -> bool {
        seq < SEQUENCE_LIMIT
            && Self::awaits(seen, seq)
            && self.stamp.compare_exchange(seen, abandoned(seq), Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }

    /// Whether a read of `seq` may now return something other than `Empty`/`Busy`: the
    /// slot holds `seq` committed, or a later sequence. A side-effect-free hint for
    /// parked readers; [`Slot::read`] decides.
    #[inline]
    pub(crate) fn may_be_ready(&self, seq: u64) -> bool {
        seq < SEQUENCE_LIMIT && self.stamp.load(Ordering::Relaxed) >= committed(seq)
    }

    /// The raw stamp (`Acquire`), for diagnostics and tests.
    #[must_use]
    pub fn stamp(&self) -> u64 {
        self.stamp.load(Ordering::Acquire)
    }

    #[cold]
    fn classify<X>(stamp: u64, seq: u64) -> SlotRead<X> {
        if stamp == 0 || stamp < writing(seq) {
            SlotRead::Empty
        } else if stamp == writing(seq) {
            SlotRead::Busy
        } else if stamp == abandoned(seq) {
            SlotRead::Abandoned
        } else {
            // stamp > committed(seq): a later lap.
            SlotRead::Overwritten { by: sequence_of(stamp) }
        }
    }
}

// SAFETY: under loom only. `Slot` is `Sync` through its atomics, except for loom's
// `UnsafeCell<()>` beside them, which holds no data: it only records the exclusive accesses
// so that loom can check they never overlap (module docs), and it is touched only through
// `with`/`with_mut`, which loom itself checks.
#[cfg(loom)]
unsafe impl<T: Payload> Sync for Slot<T> {}

impl<T: Payload> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Payload> core::fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let stamp = self.stamp();
        let mut out = f.debug_struct("Slot");
        out.field("stamp", &stamp);
        match stamp {
            0 => out.field("state", &"never written"),
            s if s % 4 == 1 => out.field("writing", &sequence_of(s)),
            s if s % 4 == 3 => out.field("abandoned", &sequence_of(s)),
            s => out.field("committed", &sequence_of(s)),
        };
        out.finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C)]
    struct Odd([u8; 13]);
    crate::impl_payload!(Odd);

    #[test]
    fn stamps_classify_every_state() {
        let slot = Slot::<u64>::new();
        assert_eq!(slot.read(0), SlotRead::Empty);
        assert_eq!(slot.read(5), SlotRead::Empty);
        slot.write(4, &44);
        assert_eq!(slot.read(4), SlotRead::Ready(44));
        assert_eq!(slot.read(5), SlotRead::Empty, "a later sequence not yet published");
        assert_eq!(slot.read(0), SlotRead::Overwritten { by: 4 });
        slot.stamp.store(writing(8), Ordering::Relaxed);
        assert_eq!(slot.read(8), SlotRead::Busy);
        assert_eq!(slot.read(4), SlotRead::Overwritten { by: 8 });
        assert!(!slot.holds_done(8, true));
        let seen = slot.stamp();
        assert!(!slot.mark_abandoned(8, writing(4)), "the stamp moved on: no mark");
        assert!(slot.mark_abandoned(8, seen));
        assert_eq!(slot.read(8), SlotRead::Abandoned);
        assert!(slot.holds_done(8, true) && !slot.holds_committed(8, true));
        assert_eq!(slot.read(4), SlotRead::Overwritten { by: 8 });
        assert_eq!(slot.read(12), SlotRead::Empty, "the next lap is still to come");
        assert!(!slot.mark_abandoned(8, slot.stamp()), "marked once");
        assert!(format!("{slot:?}").contains("abandoned: 8"));
        slot.write(12, &7);
        assert_eq!(slot.read(12), SlotRead::Ready(7));
    }

    #[test]
    fn odd_sizes_round_trip_with_zeroed_tail() {
        let slot = Slot::<Odd>::new();
        let value = Odd(*b"hello, world!");
        slot.write(0, &value);
        assert_eq!(slot.read(0), SlotRead::Ready(value));
        // The tail of the last word is zero, so no stored byte is uninitialized.
        let words = <<Odd as Payload>::Words as Words>::atomics(&slot.words);
        assert_eq!(words[1].load(Ordering::Relaxed).to_ne_bytes()[5..], [0; 3]);
    }

    #[test]
    fn byte_payloads_cross_as_far_as_their_length_and_read_zero_filler() {
        use crate::BytesM;
        let slot = Slot::<BytesM>::new();
        slot.write(0, &BytesM::new(&[7; 60]).unwrap());
        let words = <<BytesM as Payload>::Words as Words>::atomics(&slot.words);
        // 5 bytes after the head: one word more is stored, the rest keeps the last write's.
        let mut short = BytesM::new(&[1, 2, 3, 4, 5]).unwrap();
        bytemuck::bytes_of_mut(&mut short)[40] = 9; // filler a hand-made value may carry
        slot.write(1, &short);
        assert_eq!(words[2].load(Ordering::Relaxed), u64::from_ne_bytes([7; 8]), "filler was stored");
        let SlotRead::Ready(read) = slot.read(1) else { panic!("not ready") };
        assert_eq!(read.as_slice(), [1, 2, 3, 4, 5]);
        assert!(bytemuck::bytes_of(&read)[13..].iter().all(|&b| b == 0), "filler not read as zeros");
        // A count larger than the class (a hand-made value) is clamped, never read past.
        let mut long = BytesM::empty();
        bytemuck::bytes_of_mut(&mut long)[..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        slot.write(2, &long);
        assert!(
            matches!(slot.read(2), SlotRead::Ready(value) if bytemuck::bytes_of(&value) == bytemuck::bytes_of(&long))
        );
    }

    #[test]
    fn the_last_sequence_has_the_largest_stamp() {
        let slot = Slot::<u64>::new();
        slot.write(SEQUENCE_LIMIT - 1, &7);
        assert_eq!(slot.stamp(), u64::MAX - 5);
        assert_eq!(abandoned(SEQUENCE_LIMIT - 1), u64::MAX - 4, "no stamp can wrap");
        assert_eq!(slot.read(SEQUENCE_LIMIT - 1), SlotRead::Ready(7));
        assert_eq!(slot.read(SEQUENCE_LIMIT), SlotRead::Empty);
    }

    #[test]
    #[should_panic(expected = "sequence beyond SEQUENCE_LIMIT")]
    fn writing_past_the_limit_panics() {
        Slot::<u64>::new().write(SEQUENCE_LIMIT, &0);
    }
}
