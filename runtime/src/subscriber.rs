//! The receiving handle, [`Subscriber`].
//!
//! A subscriber reads with its own cursor, a plain local `u64`. On `Overwrite` rings it
//! writes nothing shared per event; it copies its counters and position to its record
//! now and then ([`crate::stats`]). On `Backpressure` rings it stores its position after
//! every read, which is what lets publishers reuse the slot.

use core::ops::Deref;

#[cfg(all(feature = "async", not(loom)))]
use crate::error::{AsyncRecvError, AsyncRecvUntilError};
use crate::error::{RecvError, SubscribeError, TryRecvError};
use crate::mutant;
use crate::ring::{self, AnyRing, Overflow, Record};
use crate::shutdown::Shutdown;
use crate::slot::SlotRead;
use crate::stats::SubscriberStats;
use crate::sync::Ordering;
use crate::wait::{Deadline, Interrupted, WaitStrategy, wait_until};

type PayloadOf<P> = <<P as Deref>::Target as AnyRing>::Payload;

/// Events between two copies of an `Overwrite` subscriber's counters to its record.
const FLUSH_EVERY: u32 = 256;

/// A subscriber's reading state, apart from the pointer to its ring so that a blocking
/// wait can borrow both at once.
struct Reader {
    cursor: u64,
    record: usize,
    counts: SubscriberStats,
    unflushed: u32,
    /// Whether `lagged`, `skipped`, `torn_reads` or `invalid` changed since the last flush
    /// (see `flush_if_dirty`): set wherever one of them grows, on the rare paths, so that
    /// the check on the path that runs dry after every event is one flag.
    rest_dirty: bool,
    wait: WaitStrategy,
    /// What dropping the handle does to its record.
    departure: Departure,
    /// Looks for dead processes now and then while the ring has nothing to read.
    watch: ring::DeadWatch,
}

/// What a [`Subscriber`] does to its record when it goes (ring module docs, "Records and
/// their lifecycle").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Departure {
    /// Free the record: the subscriber stops gating (it joined with `new`/`with_record`,
    /// or called `leave`).
    Free,
    /// Keep the record reserved, with the cursor and counters, for the next `resume`.
    Park,
    /// Already done (`leave`): dropping does nothing more.
    Done,
}

/// What one attempt to read at the cursor found.
enum Next<T> {
    Event(T),
    Empty,
    Closed,
    /// The cursor's slot carries the later sequence `by`; not yet accounted for.
    Lapped {
        by: u64,
    },
}

impl Reader {
    #[inline(always)]
    fn next<R: AnyRing + ?Sized>(&mut self, ring: &R) -> Next<R::Payload> {
        self.next_with(ring, |event| *event)
    }

    /// [`Reader::next`], giving `f` the event (in place on a lossless ring) instead of a
    /// copy. `f` runs at most once per event; the cursor moves past the event only after `f`
    /// returned.
    #[inline(always)]
    fn next_with<R: AnyRing + ?Sized, X>(&mut self, ring: &R, mut f: impl FnMut(&R::Payload) -> X) -> Next<X> {
        // Whether the cursor's slot was read after the ring was seen closed.
        let mut read_after_close = mutant::SKIP_WITHOUT_REREAD;
        loop {
            let seq = self.cursor;
            if mutant::EARLY_POSITION && <R::Overflow as Overflow>::LOSSLESS {
                self.record(ring).position.store(seq + 2, Ordering::Release);
            }
            // SAFETY: on a lossless ring (the only case `read_at` relies on it) this reader's
            // record gates the ring at `seq`: its position is `cursor + 1` (stored by `commit`,
            // or where it registered or parked) and moves past `seq` only in `commit`, after
            // `f` returned; the record is freed or parked only when the handle goes (`leave`
            // consumes it, `Drop`), so a handle that reads always holds a gating record.
            match unsafe { ring::read_at(ring, seq, &mut f) } {
                SlotRead::Ready(event) => {
                    self.cursor = seq + 1;
                    self.counts.received += 1;
                    return Next::Event(event);
                }
                SlotRead::Empty | SlotRead::Busy => {
                    if !ring::is_closed_for_reader(ring) {
                        // A publisher whose process died must not leave a shared ring open
                        // forever, nor its claim of `seq` unwritten, whichever call polls it.
                        self.watch.tick_at(ring, Some(seq));
                        return Next::Empty;
                    }
                    if seq >= ring::head(ring) {
                        return Next::Closed;
                    }
                    if !read_after_close {
                        // The slot was read before `closed` was: read it again, now that every
                        // commit is visible.
                        read_after_close = true;
                        continue;
                    }
                    // Closed, and `seq` was claimed but never committed: every handle commits
                    // its claims before it is released, and the closing release acquires all
                    // of them, so this claim's producer died between claiming and committing
                    // (a process killed mid-publish, `shm`). Nobody will write it.
                    self.pass_unwritten(ring, seq);
                }
                // A producer whose process died claimed `seq` and never wrote it (`shm`;
                // `ring::abandon_dead_claim`).
                SlotRead::Abandoned => self.pass_unwritten(ring, seq),
                SlotRead::Overwritten { by } => return Next::Lapped { by },
                // A writer raced the copy; read the slot again (it now shows the writer).
                SlotRead::Torn => {
                    self.counts.torn_reads += 1;
                    self.rest_dirty = true;
                }
            }
        }
    }

    /// Passes `seq`, a claim whose producer died and that nobody will write, counted as
    /// skipped (as `Subscriber::latest` passes events); a lossless ring may reuse its slot.
    #[cold]
    fn pass_unwritten<R: AnyRing + ?Sized>(&mut self, ring: &R, seq: u64) {
        self.cursor = seq + 1;
        self.counts.skipped += 1;
        self.rest_dirty = true;
        self.commit(ring, 0);
    }

    /// Accounts for a lap (see `ring::resume_after_lag`); returns the events missed.
    #[cold]
    fn skip_lap<R: AnyRing + ?Sized>(&mut self, ring: &R, by: u64) -> u64 {
        let oldest = ring::resume_after_lag(ring, by);
        let missed = oldest - self.cursor - u64::from(mutant::LAG_OFF_BY_ONE);
        self.cursor = oldest;
        self.counts.lagged += missed;
        self.rest_dirty = true;
        missed
    }

    /// Makes the cursor visible where it must be: to gated publishers at once, to stats
    /// readers every `FLUSH_EVERY` events.
    #[inline(always)]
    fn commit<R: AnyRing + ?Sized>(&mut self, ring: &R, events: u32) {
        if <R::Overflow as Overflow>::LOSSLESS {
            // Release: pairs with the publisher's Acquire in `gate_limit`; our reads of the
            // slots before the cursor are complete before it may overwrite them. `Relaxed`
            // would let those loads be satisfied after this store on weakly ordered CPUs.
            self.record(ring).position.store(self.cursor + 1, Ordering::Release);
            ring.control().writers.notify();
        }
        self.unflushed = self.unflushed.saturating_add(events);
        if self.unflushed >= FLUSH_EVERY {
            self.flush(ring);
        }
    }

    fn flush<R: AnyRing + ?Sized>(&mut self, ring: &R) {
        let record = self.record(ring);
        if !<R::Overflow as Overflow>::LOSSLESS {
            record.position.store(self.cursor + 1, Ordering::Relaxed);
        }
        ring::store_counts(record, &self.counts);
        self.unflushed = 0;
        self.rest_dirty = false;
    }

    /// Leaves the record as `departure` says (once).
    fn depart<R: AnyRing + ?Sized>(&mut self, ring: &R, departure: Departure) {
        match departure {
            Departure::Free => {
                ring::store_counts(self.record(ring), &self.counts);
                ring::deregister(ring, self.record);
            }
            Departure::Park => ring::park(ring, self.record, self.cursor, &self.counts),
            Departure::Done => {}
        }
        self.departure = Departure::Done;
    }

    #[inline(always)]
    fn record<'r, R: AnyRing + ?Sized>(&self, ring: &'r R) -> &'r Record {
        &ring.records()[self.record]
    }

    #[inline(always)]
    fn try_recv<R: AnyRing + ?Sized>(&mut self, ring: &R) -> Result<R::Payload, TryRecvError> {
        self.try_recv_with(ring, |event| *event)
    }

    #[inline(always)]
    fn try_recv_with<R: AnyRing + ?Sized, X>(
        &mut self,
        ring: &R,
        f: impl FnMut(&R::Payload) -> X,
    ) -> Result<X, TryRecvError> {
        match self.next_with(ring, f) {
            Next::Event(event) => {
                self.commit(ring, 1);
                Ok(event)
            }
            Next::Lapped { by } => {
                let missed = self.skip_lap(ring, by);
                self.commit(ring, 1);
                Err(TryRecvError::Lagged { missed })
            }
            Next::Empty => {
                self.flush_if_dirty(ring);
                Err(TryRecvError::Empty)
            }
            Next::Closed => {
                self.flush_if_dirty(ring);
                Err(TryRecvError::Closed)
            }
        }
    }

    /// Flushes when a counter the ring cannot tell otherwise has changed. On a lossless ring
    /// that excludes `received`: readers of the record derive it from the position, stored
    /// after every read (`ring::record_counts`), so a subscriber that only received, which
    /// is what runs dry after each event, stores nothing more (measured: 5 to 7 ns per
    /// `poll` that runs dry, on a ring record's five counters).
    #[inline(always)]
    fn flush_if_dirty<R: AnyRing + ?Sized>(&mut self, ring: &R) {
        let events = !<R::Overflow as Overflow>::LOSSLESS && self.unflushed != 0;
        if events || self.rest_dirty {
            self.flush(ring);
        }
    }

    /// Whether the cursor's slot may have changed state or the ring closed, without side
    /// effects (a parked reader re-checks it under the parking lock).
    fn may_progress<R: AnyRing + ?Sized>(ring: &R, seq: u64) -> bool {
        ring.slot(seq, ring::INSIDE).may_be_ready(seq) || ring.control().closed.load(Ordering::Acquire)
    }
}

/// A receiving handle of a ring: every event published after it subscribed, in order.
///
/// Created by [`Ring::subscribe`](crate::Ring::subscribe) or [`Subscriber::new`] (which
/// join at the head and free their record when dropped), or by [`Subscriber::resume`]
/// (which continues a reserved record and keeps it when dropped). On a `Backpressure` ring
/// its record holds publishers back until each event is read; on an `Overwrite` ring it
/// never slows publishers down, and if it falls a full lap behind it is told exactly how
/// many events it missed.
///
/// ```
/// use hardwire_runtime::{Ring, TryRecvError};
///
/// let ring = Ring::<u32, 4>::new();
/// let mut subscriber = ring.subscribe().unwrap();
/// let mut publisher = ring.publisher().unwrap();
/// for i in 0..10 {
///     publisher.publish(i); // overwrite: never waits
/// }
/// // Events 0..6 were overwritten; the subscriber resumes at the oldest one still there.
/// assert_eq!(subscriber.try_recv(), Err(TryRecvError::Lagged { missed: 6 }));
/// assert_eq!(subscriber.drain().collect::<Vec<_>>(), [6, 7, 8, 9]);
/// let stats = subscriber.stats();
/// assert_eq!(stats.received + stats.lagged, 10);
/// ```
pub struct Subscriber<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    ring: P,
    reader: Reader,
}

impl<P> Subscriber<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    /// Registers a subscriber of the ring `ring` points to. It receives every event
    /// published from now on, gates a `Backpressure` ring while it lives, and frees its
    /// record when dropped.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::TooManySubscribers`] if all of the ring's `SUBS` records are in use.
    pub fn new(ring: P) -> Result<Self, SubscribeError> {
        let (record, cursor) = ring::register(&*ring)?;
        Ok(Self::with_parts(ring, record, cursor, SubscriberStats::default(), Departure::Free))
    }

    /// [`Subscriber::new`] in a chosen free record, so that [`AnyRing::record_stats`] finds
    /// this subscriber's counters by index. Generated buses use it for subscribers declared
    /// `optional`.
    ///
    /// # Errors
    ///
    /// [`SubscribeError::RecordInUse`] if record `index` is not free, and
    /// [`SubscribeError::TooManySubscribers`] if `index` is out of range.
    pub fn with_record(ring: P, index: usize) -> Result<Self, SubscribeError> {
        let cursor = ring::claim_at(&*ring, index, true)?;
        Ok(Self::with_parts(ring, index, cursor, SubscriberStats::default(), Departure::Free))
    }

    /// Attaches to the reserved record `index` ([`Ring::with_reserved`](crate::Ring::with_reserved),
    /// [`Ring::reserve`](crate::Ring::reserve)) and continues exactly where its previous
    /// handle stopped, with its counters: on a `Backpressure` ring nothing published in
    /// between is lost. Dropping the handle keeps the place (the record stays reserved and
    /// keeps gating); [`Subscriber::leave`] gives it up.
    ///
    /// ```
    /// use hardwire_runtime::{Backpressure, Ring, Subscriber};
    ///
    /// let ring = Ring::<u32, 8, Backpressure, 1>::with_reserved(1);
    /// let mut publisher = ring.publisher().unwrap();
    /// publisher.publish(1);
    /// let mut first = Subscriber::resume(&ring, 0).unwrap();
    /// assert_eq!(first.try_recv(), Ok(1));
    /// drop(first);
    /// publisher.publish(2); // kept for the subscriber, though no handle is held
    /// let mut second = Subscriber::resume(&ring, 0).unwrap();
    /// assert_eq!(second.try_recv(), Ok(2));
    /// assert_eq!(second.stats().received, 2);
    /// second.leave(); // no longer gates
    /// (0..20).for_each(|n| publisher.publish(n));
    /// ```
    ///
    /// # Errors
    ///
    /// [`SubscribeError::RecordInUse`] if another handle holds the record,
    /// [`SubscribeError::NotReserved`] if it is free, and
    /// [`SubscribeError::TooManySubscribers`] if `index` is out of range.
    pub fn resume(ring: P, index: usize) -> Result<Self, SubscribeError> {
        let (cursor, counts) = ring::attach(&*ring, index)?;
        Ok(Self::with_parts(ring, index, cursor, counts, Departure::Park))
    }

    fn with_parts(ring: P, record: usize, cursor: u64, counts: SubscriberStats, departure: Departure) -> Self {
        let reader = Reader {
            cursor,
            record,
            counts,
            unflushed: 0,
            rest_dirty: false,
            wait: WaitStrategy::default(),
            departure,
            watch: ring::DeadWatch::default(),
        };
        Self { ring, reader }
    }

    /// Leaves for good: frees the record, so this subscriber no longer holds publishers of
    /// a `Backpressure` ring back, and stores its final counters. Events it had not read
    /// are not delivered to it any more. (Dropping a handle made by
    /// [`Subscriber::new`] or [`Subscriber::with_record`] does the same; dropping one made
    /// by [`Subscriber::resume`] keeps the place instead.)
    pub fn leave(mut self) {
        self.reader.depart(&*self.ring, Departure::Free);
    }

    /// The next event, if one is ready. Never blocks.
    ///
    /// # Errors
    ///
    /// * [`TryRecvError::Empty`]: nothing new yet.
    /// * [`TryRecvError::Lagged`]: the subscriber was lapped on an `Overwrite` ring and
    ///   missed exactly `missed` events; the next call returns the oldest one still there.
    /// * [`TryRecvError::Closed`]: every publisher is gone and every event was received.
    #[inline]
    pub fn try_recv(&mut self) -> Result<PayloadOf<P>, TryRecvError> {
        self.reader.try_recv(&*self.ring)
    }

    /// Calls `f` with the next event, if one is ready, and returns what it returns. Never
    /// blocks. On a `Backpressure` ring `f` reads the event **in place**, in the ring's slot:
    /// no copy, whatever its size (the ring cannot reuse the slot before `f` returns); on an
    /// `Overwrite` ring it gets a checked copy, as from [`Subscriber::try_recv`]. If `f`
    /// panics, the event stays unread and the next receive returns it again.
    ///
    /// ```
    /// use hardwire_runtime::{Backpressure, Ring};
    ///
    /// let ring = Ring::<[u64; 128], 4, Backpressure>::new();
    /// let mut subscriber = ring.subscribe().unwrap();
    /// let mut publisher = ring.publisher().unwrap();
    /// publisher.publish([7; 128]);
    /// // Sums the 1 KiB event where it lies in the ring.
    /// assert_eq!(subscriber.try_recv_with(|words| words.iter().sum::<u64>()), Ok(7 * 128));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Subscriber::try_recv`]; `f` is not called then.
    #[inline]
    pub fn try_recv_with<X>(&mut self, f: impl FnOnce(&PayloadOf<P>) -> X) -> Result<X, TryRecvError> {
        let mut f = Some(f);
        self.reader.try_recv_with(&*self.ring, |event| match f.take() {
            Some(f) => f(event),
            None => unreachable!("a reader calls f once, for the one event it returns"),
        })
    }

    /// The next event, waiting for it with the subscriber's [`WaitStrategy`].
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] as in [`Subscriber::try_recv`], or [`RecvError::Closed`].
    #[inline]
    pub fn recv(&mut self) -> Result<PayloadOf<P>, RecvError> {
        match self.try_recv() {
            Err(TryRecvError::Empty) => self.recv_or_stop(None, Deadline::NEVER),
            done => done.map_err(RecvError::from),
        }
    }

    /// [`Subscriber::recv`], giving up when `shutdown` is triggered.
    ///
    /// # Errors
    ///
    /// As [`Subscriber::recv`], and [`RecvError::Shutdown`].
    pub fn recv_until(&mut self, shutdown: &Shutdown) -> Result<PayloadOf<P>, RecvError> {
        self.recv_or_stop(Some(shutdown), Deadline::NEVER)
    }

    /// [`Subscriber::recv`], giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// As [`Subscriber::recv`], and [`RecvError::Timeout`].
    #[cfg(feature = "std")]
    pub fn recv_timeout(&mut self, timeout: std::time::Duration) -> Result<PayloadOf<P>, RecvError> {
        self.recv_or_stop(None, Deadline::after(timeout))
    }

    fn recv_or_stop(&mut self, shutdown: Option<&Shutdown>, deadline: Deadline) -> Result<PayloadOf<P>, RecvError> {
        let ring = &*self.ring;
        let reader = &mut self.reader;
        // `wait_until` polls before it waits. The cursor only moves when `try_recv` returns
        // something other than `Empty`, which ends the wait, so the readiness check may use
        // its current value.
        let seq = reader.cursor;
        let strategy = reader.wait;
        let waited = wait_until(
            strategy,
            &ring.control().readers,
            shutdown,
            deadline,
            || match reader.try_recv(ring) {
                Err(TryRecvError::Empty) => None,
                done => Some(done),
            },
            || Reader::may_progress(ring, seq),
        );
        match waited {
            Ok(done) => done.map_err(RecvError::from),
            Err(Interrupted::Shutdown) => Err(RecvError::Shutdown),
            Err(Interrupted::Timeout) => Err(RecvError::Timeout),
        }
    }

    /// The next event, waiting for it asynchronously: the task is woken by the publisher,
    /// and no thread spins or blocks. Cancel-safe: dropping the future before it completes
    /// loses no event.
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// use std::sync::Arc;
    /// use hardwire_runtime::{AsyncRecvError, Ring};
    ///
    /// let ring = Arc::new(Ring::<u64, 64>::new());
    /// let mut subscriber = hardwire_runtime::Subscriber::new(ring.clone()).unwrap();
    /// let producer = std::thread::spawn(move || {
    ///     let mut publisher = ring.publisher().unwrap();
    ///     (1..=3).for_each(|n| publisher.publish(n));
    /// }); // dropping the publisher closes the ring
    /// let mut sum = 0;
    /// loop {
    ///     match subscriber.recv_async().await {
    ///         Ok(n) => sum += n,
    ///         Err(AsyncRecvError::Closed) => break,
    ///         Err(AsyncRecvError::Lagged { missed }) => panic!("lost {missed}"),
    ///     }
    /// }
    /// assert_eq!(sum, 6);
    /// producer.join().unwrap();
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`AsyncRecvError::Lagged`] as in [`Subscriber::try_recv`], or
    /// [`AsyncRecvError::Closed`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn recv_async(&mut self) -> Result<PayloadOf<P>, AsyncRecvError> {
        let ring = &*self.ring;
        let reader = &mut self.reader;
        crate::wait::asynchronous::until(&ring.control().readers, || match reader.try_recv(ring) {
            Ok(event) => Some(Ok(event)),
            Err(err) => err.into_async().map(Err),
        })
        .await
    }

    /// [`Subscriber::recv_async`], unless `shutdown` is triggered first: a task awaiting
    /// here is woken by [`Shutdown::trigger`] and returns
    /// [`AsyncRecvUntilError::Shutdown`]. An event that is ready is returned even after
    /// the trigger, as [`Subscriber::recv_until`] does. Cancel-safe.
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// use std::sync::Arc;
    /// use hardwire_runtime::{AsyncRecvUntilError, Ring, Shutdown};
    ///
    /// let ring = Arc::new(Ring::<u64, 64>::new());
    /// let _publisher = ring.publisher().unwrap(); // open, but nothing is published
    /// let mut subscriber = hardwire_runtime::Subscriber::new(ring.clone()).unwrap();
    /// let stop = Arc::new(Shutdown::new());
    /// let trigger = stop.clone();
    /// let stopper = std::thread::spawn(move || trigger.trigger());
    /// assert_eq!(subscriber.recv_async_until(&stop).await, Err(AsyncRecvUntilError::Shutdown));
    /// stopper.join().unwrap();
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Subscriber::recv_async`], and [`AsyncRecvUntilError::Shutdown`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn recv_async_until(&mut self, shutdown: &Shutdown) -> Result<PayloadOf<P>, AsyncRecvUntilError> {
        let ring = &*self.ring;
        let reader = &mut self.reader;
        // `Shutdown::trigger` wakes every async waiter (wait.rs, `asynchronous`), after
        // which this attempt sees the flag. The flag is read before the receive: an event
        // published before the trigger is then visible to it (the trigger's Release, this
        // Acquire), so it is returned rather than cut off by a racing trigger.
        crate::wait::asynchronous::until(&ring.control().readers, || {
            let stopped = shutdown.is_triggered();
            match reader.try_recv(ring) {
                Ok(event) => Some(Ok(event)),
                Err(err) => match err.into_async() {
                    Some(end) => Some(Err(end.into())),
                    None => stopped.then_some(Err(AsyncRecvUntilError::Shutdown)),
                },
            }
        })
        .await
    }

    /// This subscriber as a [`Stream`](futures_core::Stream) of its events, which ends when
    /// the ring is closed and drained. A lap on an `Overwrite` ring is an `Err(Lagged)` item;
    /// the stream continues after it.
    #[cfg(all(feature = "async", not(loom)))]
    pub fn into_stream(self) -> Events<P> {
        Events { subscriber: self, wait: crate::wait::asynchronous::AsyncWait::new(), done: false }
    }

    /// Waits with the subscriber's [`WaitStrategy`] until an event may be ready or the ring
    /// is closed, without receiving anything. Returns `false` if `shutdown` was triggered
    /// first. For loops that poll with [`Subscriber::try_recv`] and wait in between.
    pub fn wait_ready(&mut self, shutdown: Option<&Shutdown>) -> bool {
        let ring = &*self.ring;
        let seq = self.reader.cursor;
        let ready = || Reader::may_progress(ring, seq);
        wait_until(
            self.reader.wait,
            &ring.control().readers,
            shutdown,
            Deadline::NEVER,
            || ready().then_some(()),
            ready,
        )
        .is_ok()
    }

    /// Fills `out` with the events that are ready, in order; returns how many. The
    /// position is published once for the whole batch.
    ///
    /// # Errors
    ///
    /// Only when no event was copied: [`TryRecvError::Empty`], [`TryRecvError::Closed`], or
    /// [`TryRecvError::Lagged`]. A lap found after some events were copied is reported by
    /// the next call.
    pub fn try_recv_batch(&mut self, out: &mut [PayloadOf<P>]) -> Result<usize, TryRecvError> {
        let ring = &*self.ring;
        let reader = &mut self.reader;
        let mut copied = 0;
        for place in out.iter_mut() {
            match reader.next(ring) {
                Next::Event(event) => {
                    *place = event;
                    copied += 1;
                }
                _ if copied > 0 => break,
                Next::Lapped { by } => {
                    let missed = reader.skip_lap(ring, by);
                    reader.commit(ring, 1);
                    return Err(TryRecvError::Lagged { missed });
                }
                Next::Empty => {
                    reader.flush_if_dirty(ring);
                    return Err(TryRecvError::Empty);
                }
                Next::Closed => {
                    reader.flush_if_dirty(ring);
                    return Err(TryRecvError::Closed);
                }
            }
        }
        if copied > 0 {
            reader.commit(ring, u32::try_from(copied).unwrap_or(u32::MAX));
        }
        Ok(copied)
    }

    /// Waits with the subscriber's [`WaitStrategy`] until an event is ready, then fills
    /// `out` as [`Subscriber::try_recv_batch`] does; returns how many (at least one, unless
    /// `out` is empty).
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] (then the next call continues from the oldest event still in
    /// the ring) and [`RecvError::Closed`] once the ring is closed and drained.
    pub fn recv_batch(&mut self, out: &mut [PayloadOf<P>]) -> Result<usize, RecvError> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match self.try_recv_batch(out) {
                Err(TryRecvError::Empty) => {
                    self.wait_ready(None);
                }
                done => return done.map_err(RecvError::from),
            }
        }
    }

    /// An iterator over the events ready now. It ends when the ring is empty (or closed
    /// and drained). Laps are skipped over; [`Drain::lagged`] and [`Subscriber::stats`]
    /// count the events they cost.
    pub fn drain(&mut self) -> Drain<'_, P> {
        Drain { subscriber: self, lagged: 0 }
    }

    /// Skips to the newest published event and returns it, counting the events passed
    /// over in [`SubscriberStats::skipped`]. For "latest value" consumers such as a GUI
    /// showing a price.
    ///
    /// It never reports a lag: if publishers overwrite the newest event while it is being
    /// read (a fast producer on an `Overwrite` ring can lap it between the two), it skips
    /// ahead again, and those events count as skipped too.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Closed`], as in [`Subscriber::try_recv`];
    /// never `Lagged`. With multiple producers the newest claimed event may still be being
    /// written: `Empty` then, and the next call returns it.
    pub fn latest(&mut self) -> Result<PayloadOf<P>, TryRecvError> {
        let ring = &*self.ring;
        let reader = &mut self.reader;
        let mut newest = ring::head(ring);
        loop {
            if newest > reader.cursor + 1 {
                reader.counts.skipped += newest - 1 - reader.cursor;
                reader.rest_dirty = true;
                reader.cursor = newest - 1;
                reader.commit(ring, 0); // a backpressure ring may reuse the skipped slots now
            }
            match reader.next(ring) {
                Next::Event(event) => {
                    reader.commit(ring, 1);
                    return Ok(event);
                }
                // Lapped while reading: the slot already holds `by`, so the head is past it
                // even if our load of it is not yet. Each retry means a full lap was
                // published, so the loop ends as soon as the publishers pause for one read.
                Next::Lapped { by } => newest = ring::head(ring).max(by + 1),
                Next::Empty => {
                    reader.flush_if_dirty(ring);
                    return Err(TryRecvError::Empty);
                }
                Next::Closed => {
                    reader.flush_if_dirty(ring);
                    return Err(TryRecvError::Closed);
                }
            }
        }
    }

    /// Events published but not yet received (an upper bound on an `Overwrite` ring that
    /// has lapped this subscriber).
    #[must_use]
    pub fn pending(&self) -> u64 {
        ring::head(&*self.ring).saturating_sub(self.reader.cursor)
    }

    /// The sequence of the next event this subscriber will receive.
    #[must_use]
    pub fn next_sequence(&self) -> u64 {
        self.reader.cursor
    }

    /// This subscriber's counters, exact and current.
    #[must_use]
    pub fn stats(&self) -> SubscriberStats {
        self.reader.counts
    }

    /// Copies the counters (and, on `Overwrite` rings, the position) to the ring, where
    /// [`Ring::subscriber_stats`](crate::Ring::subscriber_stats) and
    /// [`Ring::pressure`](crate::Ring::pressure) read them. Done automatically when the
    /// subscriber runs dry and every 256 events.
    pub fn flush_stats(&mut self) {
        self.reader.flush(&*self.ring);
    }

    /// Counts the event just received as invalid ([`SubscriberStats::invalid`]): a generated
    /// subscriber calls it for a wire value that did not decode as its topic's events.
    #[doc(hidden)]
    #[inline]
    pub fn __reject(&mut self) {
        self.reader.counts.invalid += 1;
        self.reader.rest_dirty = true;
    }

    /// The ring this handle reads from.
    #[must_use]
    pub fn ring(&self) -> &P::Target {
        &self.ring
    }

    /// The index of the subscriber record this handle reads through (where
    /// [`AnyRing::record_stats`] finds its counters).
    #[must_use]
    pub fn record_index(&self) -> usize {
        self.reader.record
    }

    /// The strategy [`Subscriber::recv`] waits with.
    pub fn set_wait_strategy(&mut self, strategy: WaitStrategy) {
        self.reader.wait = strategy;
    }

    /// [`Subscriber::set_wait_strategy`], by value.
    #[must_use]
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.reader.wait = strategy;
        self
    }
}

impl<P> Drop for Subscriber<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn drop(&mut self) {
        let departure = self.reader.departure;
        self.reader.depart(&*self.ring, departure);
    }
}

impl<P> crate::wait::WaitSource for Subscriber<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn wait_queue(&self) -> &crate::wait::WaitQueue {
        &self.ring.control().readers
    }

    fn may_progress(&self) -> bool {
        Reader::may_progress(&*self.ring, self.reader.cursor)
    }
}

impl<P> core::fmt::Debug for Subscriber<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Subscriber")
            .field("next", &self.reader.cursor)
            .field("stats", &self.reader.counts)
            .field("wait", &self.reader.wait)
            .finish_non_exhaustive()
    }
}

/// Iterator over the events ready now; see [`Subscriber::drain`].
pub struct Drain<'s, P>
where
    P: Deref,
    P::Target: AnyRing,
{
    subscriber: &'s mut Subscriber<P>,
    lagged: u64,
}

impl<P> Drain<'_, P>
where
    P: Deref,
    P::Target: AnyRing,
{
    /// Events lost to laps during this drain.
    #[must_use]
    pub fn lagged(&self) -> u64 {
        self.lagged
    }
}

impl<P> Iterator for Drain<'_, P>
where
    P: Deref,
    P::Target: AnyRing,
{
    type Item = PayloadOf<P>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.subscriber.try_recv() {
                Ok(event) => return Some(event),
                Err(TryRecvError::Lagged { missed }) => self.lagged += missed,
                Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
            }
        }
    }
}

impl<P> core::fmt::Debug for Drain<'_, P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Drain").field("subscriber", &self.subscriber).field("lagged", &self.lagged).finish()
    }
}

/// A [`Subscriber`] as a [`Stream`](futures_core::Stream); see [`Subscriber::into_stream`].
///
/// ```
/// # futures_executor::block_on(async {
/// use futures_util::StreamExt;
/// use hardwire_runtime::{Lagged, Ring};
///
/// let ring = Ring::<u32, 4>::new();
/// let subscriber = ring.subscribe().unwrap();
/// let mut publisher = ring.publisher().unwrap();
/// (0..6).for_each(|n| publisher.publish(n));
/// drop(publisher);
/// let items: Vec<_> = subscriber.into_stream().collect().await;
/// // A lap costs the oldest events; the stream goes on with those still in the ring.
/// assert_eq!(items, [Err(Lagged { missed: 2 }), Ok(2), Ok(3), Ok(4), Ok(5)]);
/// # });
/// ```
#[cfg(all(feature = "async", not(loom)))]
pub struct Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    subscriber: Subscriber<P>,
    wait: crate::wait::asynchronous::AsyncWait,
    done: bool,
}

#[cfg(all(feature = "async", not(loom)))]
impl<P> Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    /// The subscriber, for its stats or a `try_recv` between items.
    pub fn get_mut(&mut self) -> &mut Subscriber<P> {
        &mut self.subscriber
    }
}

#[cfg(all(feature = "async", not(loom)))]
impl<P> futures_core::Stream for Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    type Item = Result<PayloadOf<P>, crate::error::Lagged>;

    fn poll_next(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<Self::Item>> {
        use core::task::Poll;
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let Subscriber { ring, reader } = &mut this.subscriber;
        let ring = &**ring;
        loop {
            let item = match reader.try_recv(ring) {
                Ok(event) => Some(Ok(event)),
                Err(TryRecvError::Lagged { missed }) => Some(Err(crate::error::Lagged { missed })),
                Err(TryRecvError::Closed) => None,
                Err(TryRecvError::Empty) => {
                    core::task::ready!(this.wait.poll_ready(&ring.control().readers, cx));
                    continue;
                }
            };
            this.wait.release(&ring.control().readers);
            this.done = item.is_none();
            return Poll::Ready(item);
        }
    }
}

// `Events` never pins its fields: `poll_next` only borrows them through `&mut`.
#[cfg(all(feature = "async", not(loom)))]
impl<P> Unpin for Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
}

#[cfg(all(feature = "async", not(loom)))]
impl<P> futures_core::FusedStream for Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn is_terminated(&self) -> bool {
        self.done
    }
}

#[cfg(all(feature = "async", not(loom)))]
impl<P> Drop for Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn drop(&mut self) {
        self.wait.release(&self.subscriber.ring.control().readers);
    }
}

#[cfg(all(feature = "async", not(loom)))]
impl<P> core::fmt::Debug for Events<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Events").field("subscriber", &self.subscriber).field("done", &self.done).finish()
    }
}
