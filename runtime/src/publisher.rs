//! Publishing handles: [`Publisher`] (one producer) and [`MultiPublisher`] (many).
//!
//! Both keep a cached `limit`, the first sequence they may not publish without looking at
//! the ring again, so the hot path has a single comparison for the end of the sequence
//! space and, on `Backpressure` rings, for the slowest subscriber's gate
//! ([`crate::ring`], "Backpressure gating").

use core::ops::Deref;

use crate::bytes::{BytesPayload, Parts, TooLong};
use crate::error::{AlreadyTaken, Full, Stopped};
use crate::mutant;
use crate::ring::{self, AnyRing, Lossless, Overflow};
use crate::shutdown::Shutdown;
use crate::slot::{Fill, SEQUENCE_LIMIT};
use crate::sync::{Ordering, spin_hint};
use crate::wait::{Deadline, Interrupted, WaitStrategy, wait_until};

type PayloadOf<P> = <<P as Deref>::Target as AnyRing>::Payload;

/// Panics for a ring whose sequence space is used up.
#[cold]
#[inline(never)]
#[track_caller]
fn exhausted() -> ! {
    panic!(
        "hardwire: sequence space exhausted: a ring publishes at most SEQUENCE_LIMIT (2^62 - 1) events; \
         nothing was written"
    )
}

/// The first limit of a new single-producer handle: it may publish a full lap before it
/// must look at the gates (it starts at `head`, and no subscriber can be further behind
/// than `head`). Multi-producer handles start at 0 instead (see `MultiPublisher::with_parts`).
fn initial_limit<R: AnyRing + ?Sized>(next: u64) -> u64 {
    if <R::Overflow as Overflow>::LOSSLESS {
        next.saturating_add(R::CAPACITY as u64).min(SEQUENCE_LIMIT)
    } else {
        SEQUENCE_LIMIT
    }
}

/// Waits until `seq` is below the ring's gate limit; returns the new limit.
fn wait_for_room<R: AnyRing + ?Sized>(
    ring: &R,
    seq: u64,
    strategy: WaitStrategy,
    watch: &mut ring::DeadWatch,
    shutdown: Option<&Shutdown>,
    deadline: Deadline,
) -> Result<u64, Interrupted> {
    // A subscriber whose process died must not hold a shared ring's publisher back forever.
    wait_until(
        strategy,
        &ring.control().writers,
        shutdown,
        deadline,
        || {
            if !ring::has_room(ring, seq) {
                watch.tick(ring);
                return None;
            }
            let limit = ring::gate_limit(ring, seq);
            (seq < limit).then_some(limit)
        },
        || ring::has_room(ring, seq),
    )
}

/// Writes `event` at `seq` (the single producer's next sequence) and publishes it. Every
/// caller has checked `seq` against the handle's limit first (`initial_limit`, then
/// `gate_limit`), which is what makes the write exclusive on a lossless ring.
#[inline(always)]
fn commit_one<R: AnyRing + ?Sized>(ring: &R, next: &mut u64, seq: u64, event: &(impl Fill<R::Payload> + ?Sized)) {
    // SAFETY: the single producer is the only writer of every slot (`&mut` handle, taken
    // once), and `seq` is below the gate limit its caller checked (`ring::store_at`).
    unsafe { ring::store_at(ring, seq, event) };
    *next = seq + 1;
    publish_head(ring, *next);
}

#[inline(always)]
fn publish_head<R: AnyRing + ?Sized>(ring: &R, next: u64) {
    // Release: pairs with the Acquire head loads of readers (lag recovery, `latest`,
    // drained-after-close). Data visibility comes from the slot stamps, not from here.
    ring.head().store(next, Ordering::Release);
    ring.control().readers.notify();
}

/// The single producer's `try_publish` on a backpressure ring, over the handle's parts so
/// that an async wait can borrow the ring beside them. Returns whether it published.
#[inline(always)]
fn try_commit_one<R: AnyRing<Overflow: Lossless> + ?Sized>(
    ring: &R,
    next: &mut u64,
    limit: &mut u64,
    watch: &mut ring::DeadWatch,
    event: &(impl Fill<R::Payload> + ?Sized),
) -> bool {
    let seq = *next;
    if seq >= *limit {
        if seq >= SEQUENCE_LIMIT {
            exhausted();
        }
        *limit = ring::gate_limit(ring, seq);
        if seq >= *limit {
            // A subscriber whose process died must not keep a shared ring full for good.
            watch.tick(ring);
            return false;
        }
    }
    commit_one(ring, next, seq, event);
    true
}

/// The single-producer publishing handle of a ring. Taken once per ring; `!Clone`.
///
/// Publishing is wait-free on `Overwrite` rings: a few plain stores, no read-modify-write.
/// On `Backpressure` rings [`publish`](Self::publish) waits with the handle's
/// [`WaitStrategy`] while the slowest subscriber is a full lap behind, and
/// [`try_publish`](Self::try_publish) gives the event back instead.
///
/// Dropping the publisher closes the ring: subscribers receive what is left, then
/// [`TryRecvError::Closed`](crate::TryRecvError::Closed).
pub struct Publisher<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    ring: P,
    next: u64,
    limit: u64,
    wait: WaitStrategy,
    /// Looks for dead processes now and then while the ring has no room.
    watch: ring::DeadWatch,
}

impl<P> Publisher<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    /// Takes the publisher of the ring `ring` points to.
    ///
    /// # Errors
    ///
    /// [`AlreadyTaken`] if the ring's publisher (of either kind) was taken before.
    pub fn new(ring: P) -> Result<Self, AlreadyTaken> {
        ring::take_publisher(&*ring, false)?;
        Ok(Self::__claimed(ring))
    }

    /// The publisher of a ring whose single-producer claim was already made with a
    /// [`PublisherClaim`](crate::__private::PublisherClaim) (generated stages claim all
    /// their outputs before they build any). Not part of the API.
    #[doc(hidden)]
    pub fn __claimed(ring: P) -> Self {
        // Relaxed: we are the only writer of a single-producer head from now on, and the
        // `taken` swap (Acquire) ordered us after the ring's construction.
        let next = ring.head().load(Ordering::Relaxed);
        let limit = initial_limit::<P::Target>(next);
        Self { ring, next, limit, wait: WaitStrategy::default(), watch: ring::DeadWatch::default() }
    }

    /// Publishes `event` to every subscriber.
    ///
    /// Never blocks on `Overwrite` rings. On `Backpressure` rings, waits while the
    /// slowest subscriber is a full lap behind (see [`Publisher::try_publish`] and
    /// [`Publisher::publish_until`] for the forms that give up).
    ///
    /// # Panics
    ///
    /// When the ring's sequence space is exhausted ([`SEQUENCE_LIMIT`] events: 146 years
    /// at a billion events per second). Nothing is written, and sequences never wrap.
    #[inline]
    pub fn publish(&mut self, event: PayloadOf<P>) {
        self.publish_from(&event);
    }

    /// Publishes a copy of `bytes` as one byte payload, written straight into its slot (no
    /// [`Bytes`](crate::Bytes) value is built first); otherwise as [`Publisher::publish`].
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` exceeds the payload's capacity; nothing is published then.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[inline]
    pub fn publish_bytes(&mut self, bytes: &[u8]) -> Result<(), TooLong>
    where
        PayloadOf<P>: BytesPayload,
    {
        self.publish_from(&Parts::<PayloadOf<P>>::new(bytes)?);
        Ok(())
    }

    #[inline(always)]
    fn publish_from(&mut self, event: &(impl Fill<PayloadOf<P>> + ?Sized)) {
        let seq = self.next;
        if seq >= self.limit {
            self.make_room(seq, None, Deadline::NEVER).unwrap_or_else(|_| unreachable!("no shutdown, no deadline"));
        }
        self.commit_one(seq, event);
    }

    /// Publishes every event of `events`, in order, with one head update and one wake-up
    /// check for the whole batch.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`], before writing the first event past the limit.
    #[inline]
    pub fn publish_batch(&mut self, events: &[PayloadOf<P>]) {
        self.publish_iter(events.iter().copied());
    }

    /// [`Publisher::publish_batch`] for any iterator: events are written as it yields them,
    /// and subscribers see the head move once, at the end (or when the ring fills and the
    /// publisher must wait).
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`]. If the iterator itself panics, the events it yielded
    /// before are published (the head moves past them as the panic unwinds), and the ring
    /// stays consistent and usable.
    #[inline]
    pub fn publish_iter(&mut self, events: impl IntoIterator<Item = PayloadOf<P>>) {
        /// Publishes the head however the loop ends, so that a panicking iterator cannot
        /// leave committed slots ahead of a stale head.
        struct Batch<'p, P: Deref<Target: AnyRing>>(&'p mut Publisher<P>);
        impl<P: Deref<Target: AnyRing>> Drop for Batch<'_, P> {
            #[inline]
            fn drop(&mut self) {
                self.0.publish_head();
            }
        }
        let batch = Batch(self);
        for event in events {
            let publisher = &mut *batch.0;
            let seq = publisher.next;
            if seq >= publisher.limit {
                publisher
                    .make_room(seq, None, Deadline::NEVER)
                    .unwrap_or_else(|_| unreachable!("no shutdown, no deadline"));
            }
            // SAFETY: as in `commit_one`: the only writer, and `seq` is below the limit
            // (`make_room` just above when it was not).
            unsafe { ring::store_at(&*publisher.ring, seq, &event) };
            publisher.next = seq + 1;
        }
    }

    /// The sequence the next event will get.
    #[must_use]
    pub fn next_sequence(&self) -> u64 {
        self.next
    }

    /// How many more events this ring can publish before its sequence space is exhausted.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        SEQUENCE_LIMIT.saturating_sub(self.next)
    }

    /// The ring this handle publishes to.
    #[must_use]
    pub fn ring(&self) -> &P::Target {
        &self.ring
    }

    /// The strategy [`Publisher::publish`] waits with on a full `Backpressure` ring.
    pub fn set_wait_strategy(&mut self, strategy: WaitStrategy) {
        self.wait = strategy;
    }

    /// [`Publisher::set_wait_strategy`], by value.
    #[must_use]
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.wait = strategy;
        self
    }

    #[inline(always)]
    fn commit_one(&mut self, seq: u64, event: &(impl Fill<PayloadOf<P>> + ?Sized)) {
        commit_one(&*self.ring, &mut self.next, seq, event);
    }

    #[inline(always)]
    fn publish_head(&self) {
        publish_head(&*self.ring, self.next);
    }

    /// The slow path when `seq` reached the cached limit: exhaustion, or backpressure.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, seq: u64, shutdown: Option<&Shutdown>, deadline: Deadline) -> Result<(), Interrupted> {
        if seq >= SEQUENCE_LIMIT {
            exhausted();
        }
        // Readers may be parked on events of a batch in progress: let them drain it.
        self.publish_head();
        self.limit = wait_for_room(&*self.ring, seq, self.wait, &mut self.watch, shutdown, deadline)?;
        Ok(())
    }
}

impl<P> Publisher<P>
where
    P: Deref,
    P::Target: AnyRing<Overflow: Lossless>,
{
    /// Publishes `event` if the ring has room now; otherwise gives it back.
    ///
    /// # Errors
    ///
    /// [`Full`] with the event when the slowest subscriber is a full lap behind.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[inline]
    pub fn try_publish(&mut self, event: PayloadOf<P>) -> Result<(), Full<PayloadOf<P>>> {
        if try_commit_one(&*self.ring, &mut self.next, &mut self.limit, &mut self.watch, &event) {
            Ok(())
        } else {
            Err(Full(event))
        }
    }

    /// [`Publisher::publish_bytes`] if the ring has room now: `Ok(true)` if it published,
    /// `Ok(false)` (nothing published) if the slowest subscriber is a full lap behind.
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` exceeds the payload's capacity; nothing is published then.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[inline]
    pub fn try_publish_bytes(&mut self, bytes: &[u8]) -> Result<bool, TooLong>
    where
        PayloadOf<P>: BytesPayload,
    {
        let parts = Parts::<PayloadOf<P>>::new(bytes)?;
        Ok(try_commit_one(&*self.ring, &mut self.next, &mut self.limit, &mut self.watch, &parts))
    }

    /// Publishes an event built in its ring slot: waits for room as
    /// [`Publisher::publish`] does, then calls `build` with the slot's payload, which
    /// holds the event published to that slot one lap earlier (zeros on the first lap),
    /// and publishes what `build` leaves there. The event is never copied: for large
    /// events on a lossless ring this is the fastest way in, and with
    /// [`Subscriber::try_recv_with`](crate::Subscriber::try_recv_with) (or a generated
    /// handler) on the other side, the way out is a reference into the same slot.
    ///
    /// `build` must set every field its subscribers read: the slot is reused, not cleared.
    /// If `build` panics, nothing is published (the sequence is written again by the next
    /// publish) and the panic propagates.
    ///
    /// ```
    /// use hardwire_runtime::{Backpressure, Ring};
    ///
    /// #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
    /// #[repr(C)]
    /// struct Frame { id: u64, pixels: [u8; 1024] }
    /// hardwire_runtime::impl_payload!(Frame);
    ///
    /// let ring = Ring::<Frame, 4, Backpressure>::new_boxed();
    /// let mut subscriber = ring.subscribe().unwrap();
    /// let mut publisher = ring.publisher().unwrap();
    /// publisher.publish_with(|frame| {
    ///     frame.id = 7;
    ///     frame.pixels.fill(255);
    /// });
    /// let seen = subscriber.try_recv_with(|frame| (frame.id, frame.pixels[1023])).unwrap();
    /// assert_eq!(seen, (7, 255));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`], before calling `build`.
    #[inline]
    pub fn publish_with(&mut self, build: impl FnOnce(&mut PayloadOf<P>)) {
        let seq = self.next;
        if seq >= self.limit {
            self.make_room(seq, None, Deadline::NEVER).unwrap_or_else(|_| unreachable!("no shutdown, no deadline"));
        }
        // SAFETY: the single producer is the only writer of every slot (`&mut` handle,
        // taken once), and `seq` is below the gate limit checked just above.
        unsafe { ring::build_at(&*self.ring, seq, build) };
        self.next = seq + 1;
        publish_head(&*self.ring, self.next);
    }

    /// Publishes `event`, waiting asynchronously for room: the task is woken by the
    /// subscriber that makes room, and no thread spins or blocks. Dropping the future
    /// before it completes drops the event unpublished.
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// use hardwire_runtime::{Backpressure, Ring};
    ///
    /// let ring = Ring::<u32, 2, Backpressure>::new();
    /// let mut subscriber = ring.subscribe().unwrap();
    /// let mut publisher = ring.publisher().unwrap();
    /// publisher.publish_async(1).await;
    /// publisher.publish_async(2).await; // the ring is full now
    /// assert_eq!(subscriber.recv_async().await, Ok(1));
    /// publisher.publish_async(3).await; // room again
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async(&mut self, event: PayloadOf<P>) {
        let Self { ring, next, limit, watch, .. } = self;
        let ring: &P::Target = ring;
        if try_commit_one(ring, next, limit, watch, &event) {
            return;
        }
        crate::wait::asynchronous::until(&ring.control().writers, || {
            try_commit_one(ring, next, limit, watch, &event).then_some(())
        })
        .await;
    }

    /// [`Publisher::publish_async`], unless `shutdown` is triggered while the ring is full:
    /// a task awaiting room is woken by [`Shutdown::trigger`] and gets the event back.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async_until(
        &mut self,
        event: PayloadOf<P>,
        shutdown: &Shutdown,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        let Self { ring, next, limit, watch, .. } = self;
        let ring: &P::Target = ring;
        if try_commit_one(ring, next, limit, watch, &event) {
            return Ok(());
        }
        crate::wait::asynchronous::until(&ring.control().writers, || {
            if try_commit_one(ring, next, limit, watch, &event) {
                Some(Ok(()))
            } else {
                shutdown.is_triggered().then_some(Err(Stopped(event)))
            }
        })
        .await
    }

    /// Publishes `event`, waiting for room unless `shutdown` is triggered first.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    pub fn publish_until(&mut self, event: PayloadOf<P>, shutdown: &Shutdown) -> Result<(), Stopped<PayloadOf<P>>> {
        self.publish_or_stop(event, Some(shutdown), Deadline::NEVER)
    }

    /// Publishes `event`, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if the ring stayed full for `timeout`.
    ///
    /// # Panics
    ///
    /// As [`Publisher::publish`].
    #[cfg(feature = "std")]
    pub fn publish_timeout(
        &mut self,
        event: PayloadOf<P>,
        timeout: std::time::Duration,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        self.publish_or_stop(event, None, Deadline::after(timeout))
    }

    fn publish_or_stop(
        &mut self,
        event: PayloadOf<P>,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        let seq = self.next;
        if seq >= self.limit && self.make_room(seq, shutdown, deadline).is_err() {
            return Err(Stopped(event));
        }
        self.commit_one(seq, &event);
        Ok(())
    }
}

impl<P> Drop for Publisher<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn drop(&mut self) {
        ring::release_publisher(&*self.ring);
    }
}

impl<P> core::fmt::Debug for Publisher<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Publisher")
            .field("next", &self.next)
            .field("overflow", &<<P::Target as AnyRing>::Overflow as Overflow>::NAME)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// A multi-producer publishing handle: created with [`MultiPublisher::new`] (any number of
/// times) or cloned, one per producing thread. Each publish claims a sequence with one
/// `fetch_add`.
///
/// A clone counts as a publisher: the ring closes when the last clone is dropped.
///
/// ```
/// use hardwire_runtime::{Backpressure, Ring};
///
/// let ring = Ring::<u64, 64, Backpressure>::new();
/// let mut subscriber = ring.subscribe().unwrap();
/// let publisher = ring.multi_publisher().unwrap();
/// std::thread::scope(|s| {
///     for t in 0..3u64 {
///         let mut publisher = publisher.clone();
///         s.spawn(move || (0..100).for_each(|i| publisher.publish(t * 1000 + i)));
///     }
///     drop(publisher);
///     let sum: u64 = std::iter::from_fn(|| subscriber.recv().ok()).sum();
///     assert_eq!(sum, (0..3).map(|t| t * 100_000 + 4950).sum());
/// });
/// ```
pub struct MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing,
{
    ring: P,
    limit: u64,
    /// `start + CAPACITY`: sequences below it have no previous lap in this ring.
    first_lap_end: u64,
    wait: WaitStrategy,
    /// Looks for dead processes now and then while the ring has no room.
    watch: ring::DeadWatch,
    /// This handle's entry in a shared ring's claim table (nothing in process memory).
    mark: ring::ClaimMark,
}

impl<P> MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing,
{
    /// A multi-producer publisher of the ring `ring` points to. Can be called any number
    /// of times (and the handle cloned) until every handle is dropped and the ring closes.
    ///
    /// # Errors
    ///
    /// [`AlreadyTaken`] if the ring's single-producer publisher was taken, or the ring
    /// has closed.
    pub fn new(ring: P) -> Result<Self, AlreadyTaken> {
        ring::take_publisher(&*ring, true)?;
        Ok(Self::__claimed(ring))
    }

    /// [`Publisher::__claimed`] for a multi-producer claim. Not part of the API.
    #[doc(hidden)]
    pub fn __claimed(ring: P) -> Self {
        let first_lap_end = ring.control().start.saturating_add(<P::Target as AnyRing>::CAPACITY as u64);
        Self::with_parts(ring, first_lap_end, WaitStrategy::default())
    }

    /// A handle whose first `Backpressure` publish rescans the gates (limit 0): a clone may
    /// run on another thread than the rescans its original made, so it trusts none of them.
    fn with_parts(ring: P, first_lap_end: u64, wait: WaitStrategy) -> Self {
        let limit = if <<P::Target as AnyRing>::Overflow as Overflow>::LOSSLESS { 0 } else { SEQUENCE_LIMIT };
        let mark = ring::ClaimMark::take(&*ring);
        Self { ring, limit, first_lap_end, wait, watch: ring::DeadWatch::default(), mark }
    }

    /// Publishes `event` to every subscriber. Never blocks on `Overwrite` rings, except
    /// for the moment it takes another producer to finish writing the same slot one lap
    /// earlier. On `Backpressure` rings, waits while the slowest subscriber is a full lap
    /// behind.
    ///
    /// # Panics
    ///
    /// When the ring's sequence space is exhausted (see [`Publisher::publish`]). The claim
    /// is undone first, so the claim counter never runs away or wraps.
    #[inline]
    pub fn publish(&mut self, event: PayloadOf<P>) {
        self.publish_from(&event);
    }

    /// Publishes a copy of `bytes` as one byte payload, written straight into its slot (no
    /// [`Bytes`](crate::Bytes) value is built first); otherwise as
    /// [`MultiPublisher::publish`].
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` exceeds the payload's capacity; nothing is published (or
    /// claimed) then.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`].
    #[inline]
    pub fn publish_bytes(&mut self, bytes: &[u8]) -> Result<(), TooLong>
    where
        PayloadOf<P>: BytesPayload,
    {
        self.publish_from(&Parts::<PayloadOf<P>>::new(bytes)?);
        Ok(())
    }

    #[inline(always)]
    fn publish_from(&mut self, event: &(impl Fill<PayloadOf<P>> + ?Sized)) {
        self.mark.claiming(&*self.ring);
        // Relaxed: the claim only has to be unique; slot stamps carry the data ordering.
        let seq = self.ring.head().fetch_add(1, Ordering::Relaxed);
        self.mark.holds(&*self.ring, seq);
        if seq >= self.limit {
            self.claimed_past_limit(seq, 1, None, Deadline::NEVER)
                .unwrap_or_else(|_| unreachable!("no shutdown, no deadline"));
        }
        self.write_claimed(seq, event);
        self.mark.done(&*self.ring);
        self.ring.control().readers.notify();
    }

    /// Publishes every event of `events` under one claim of consecutive sequences, so a
    /// batch is never interleaved with other producers' events.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`]; a batch that does not fit in the remaining
    /// sequence space is not written, and claims nothing.
    pub fn publish_batch(&mut self, events: &[PayloadOf<P>]) {
        if events.is_empty() {
            return;
        }
        let count = events.len() as u64;
        // A compare-and-swap rather than a `fetch_add`, so a batch never claims past the
        // limit: nothing to undo, and no batch size can push the counter towards wrapping.
        let head = self.ring.head();
        let mut first = head.load(Ordering::Relaxed);
        self.mark.claiming(&*self.ring);
        loop {
            if count > SEQUENCE_LIMIT.saturating_sub(first) {
                self.mark.done(&*self.ring);
                exhausted();
            }
            match head.compare_exchange_weak(first, first + count, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break,
                Err(current) => first = current,
            }
        }
        for (seq, event) in (first..).zip(events) {
            self.mark.holds(&*self.ring, seq);
            if seq >= self.limit {
                self.ring.control().readers.notify(); // let readers drain what we wrote
                self.claimed_past_limit(seq, 0, None, Deadline::NEVER)
                    .unwrap_or_else(|_| unreachable!("no shutdown, no deadline"));
            }
            self.write_claimed(seq, event);
        }
        self.mark.done(&*self.ring);
        self.ring.control().readers.notify();
    }

    /// The ring this handle publishes to.
    #[must_use]
    pub fn ring(&self) -> &P::Target {
        &self.ring
    }

    /// The strategy this handle waits with on a full `Backpressure` ring.
    pub fn set_wait_strategy(&mut self, strategy: WaitStrategy) {
        self.wait = strategy;
    }

    /// [`MultiPublisher::set_wait_strategy`], by value.
    #[must_use]
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.wait = strategy;
        self
    }

    /// Writes a claimed sequence once its slot's previous lap is committed. Every caller has
    /// waited for `seq` to be below the gate limit first.
    #[inline(always)]
    fn write_claimed(&self, seq: u64, event: &(impl Fill<PayloadOf<P>> + ?Sized)) {
        let slot = self.ring.slot(seq, ring::INSIDE);
        if seq >= self.first_lap_end && !mutant::NO_LAP_WAIT {
            let previous = seq - <P::Target as AnyRing>::CAPACITY as u64;
            // Acquire: pairs with the previous writer's Release commit, so its word stores
            // precede ours in every word's modification order (one writer per slot).
            let acquire = !mutant::RELAXED_LAP_WAIT;
            if !slot.holds_committed(previous, acquire) {
                Self::wait_previous_lap(&*self.ring, slot, previous, acquire);
            }
        }
        // SAFETY: `seq` was claimed by this handle alone (`fetch_add`), its previous lap is
        // committed and seen with Acquire (just above; a first-lap slot was never written),
        // and the caller waited for `seq` to be below the gate limit (`ring::store_at`).
        unsafe { ring::store_at(&*self.ring, seq, event) };
    }

    /// Waits until the slot's `previous` lap is done: committed, or abandoned by a producer
    /// whose process died (`slot.rs`); the wait asks now and then whether that is so
    /// (`ring::abandon_dead_claim`), so a dead claim holds no publisher for good.
    #[cold]
    #[inline(never)]
    fn wait_previous_lap(ring: &P::Target, slot: &crate::Slot<PayloadOf<P>>, previous: u64, acquire: bool) {
        let mut spins = 0u32;
        let mut watch = ring::DeadWatch::default();
        while !slot.holds_done(previous, acquire) {
            watch.tick_at(ring, Some(previous));
            // The other producer is mid-write; it finishes in nanoseconds unless it was
            // preempted, so spin briefly, then give it the core.
            spins = spins.wrapping_add(1);
            if spins < 64 {
                spin_hint();
            } else {
                #[cfg(feature = "std")]
                crate::sync::yield_now();
                #[cfg(not(feature = "std"))]
                spin_hint();
            }
        }
    }

    /// The slow path for a claimed `seq` at or past the cached limit: undo `undo` claims
    /// and panic if the sequence space is exhausted, otherwise wait for room.
    #[cold]
    #[inline(never)]
    fn claimed_past_limit(
        &mut self,
        seq: u64,
        undo: u64,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
    ) -> Result<(), Interrupted> {
        if seq >= SEQUENCE_LIMIT {
            // Undo the claim so the counter stays within a few of the limit, however many
            // times publishers try; it can never approach `u64::MAX` and wrap.
            self.ring.head().fetch_sub(undo, Ordering::Relaxed);
            self.mark.done(&*self.ring);
            exhausted();
        }
        self.limit = wait_for_room(&*self.ring, seq, self.wait, &mut self.watch, shutdown, deadline)?;
        Ok(())
    }
}

impl<P> MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing<Overflow: Lossless>,
{
    /// Publishes `event` if the ring has room now; otherwise gives it back. Claims with a
    /// compare-and-swap, so a full ring never consumes a sequence.
    ///
    /// # Errors
    ///
    /// [`Full`] with the event when the slowest subscriber is a full lap behind.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`].
    pub fn try_publish(&mut self, event: PayloadOf<P>) -> Result<(), Full<PayloadOf<P>>> {
        if self.try_publish_from(&event) { Ok(()) } else { Err(Full(event)) }
    }

    /// [`MultiPublisher::publish_bytes`] if the ring has room now: `Ok(true)` if it
    /// published, `Ok(false)` (nothing published or claimed) if the slowest subscriber is a
    /// full lap behind.
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` exceeds the payload's capacity; nothing is published then.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`].
    pub fn try_publish_bytes(&mut self, bytes: &[u8]) -> Result<bool, TooLong>
    where
        PayloadOf<P>: BytesPayload,
    {
        Ok(self.try_publish_from(&Parts::<PayloadOf<P>>::new(bytes)?))
    }

    /// Whether it published `event`.
    fn try_publish_from(&mut self, event: &(impl Fill<PayloadOf<P>> + ?Sized)) -> bool {
        let head = self.ring.head();
        let mut seq = head.load(Ordering::Relaxed);
        self.mark.claiming(&*self.ring);
        loop {
            if seq >= SEQUENCE_LIMIT {
                self.mark.done(&*self.ring);
                exhausted();
            }
            if seq >= self.limit {
                self.limit = ring::gate_limit(&*self.ring, seq);
                if seq >= self.limit {
                    self.mark.done(&*self.ring);
                    // A subscriber whose process died must not keep a shared ring full.
                    self.watch.tick(&*self.ring);
                    return false;
                }
            }
            match head.compare_exchange_weak(seq, seq + 1, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break,
                Err(current) => seq = current,
            }
        }
        self.mark.holds(&*self.ring, seq);
        self.write_claimed(seq, event);
        self.mark.done(&*self.ring);
        self.ring.control().readers.notify();
        true
    }

    /// Publishes `event`, waiting for room unless `shutdown` is triggered first. The
    /// sequence is claimed only once there is room for it.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    pub fn publish_until(&mut self, event: PayloadOf<P>, shutdown: &Shutdown) -> Result<(), Stopped<PayloadOf<P>>> {
        self.claim_when_room(event, Some(shutdown), Deadline::NEVER)
    }

    /// Publishes `event`, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if the ring stayed full for `timeout`.
    #[cfg(feature = "std")]
    pub fn publish_timeout(
        &mut self,
        event: PayloadOf<P>,
        timeout: std::time::Duration,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        self.claim_when_room(event, None, Deadline::after(timeout))
    }

    /// Publishes `event`, waiting asynchronously for room: the task is woken by the
    /// subscriber that makes room, and no thread spins or blocks. The sequence is claimed
    /// only once there is room for it; dropping the future before then drops the event
    /// unpublished.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async(&mut self, event: PayloadOf<P>) {
        let Err(Full(event)) = self.try_publish(event) else { return };
        // A handle of our own for the waiter, so that it does not borrow `self`.
        let ring = self.ring.clone();
        crate::wait::asynchronous::until(&ring.control().writers, || self.try_publish(event).ok()).await;
    }

    /// [`MultiPublisher::publish_async`], unless `shutdown` is triggered while the ring is
    /// full: a task awaiting room is woken by [`Shutdown::trigger`] and gets the event back.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    ///
    /// # Panics
    ///
    /// As [`MultiPublisher::publish`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async_until(
        &mut self,
        event: PayloadOf<P>,
        shutdown: &Shutdown,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        let Err(Full(event)) = self.try_publish(event) else { return Ok(()) };
        let ring = self.ring.clone();
        crate::wait::asynchronous::until(&ring.control().writers, || match self.try_publish(event) {
            Ok(()) => Some(Ok(())),
            Err(Full(event)) => shutdown.is_triggered().then_some(Err(Stopped(event))),
        })
        .await
    }

    fn claim_when_room(
        &mut self,
        mut event: PayloadOf<P>,
        shutdown: Option<&Shutdown>,
        deadline: Deadline,
    ) -> Result<(), Stopped<PayloadOf<P>>> {
        loop {
            match self.try_publish(event) {
                Ok(()) => return Ok(()),
                Err(Full(back)) => event = back,
            }
            let seq = self.ring.head().load(Ordering::Relaxed);
            match wait_for_room(&*self.ring, seq, self.wait, &mut self.watch, shutdown, deadline) {
                Ok(limit) => self.limit = limit,
                Err(_) => return Err(Stopped(event)),
            }
        }
    }
}

impl<P> Clone for MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing,
{
    fn clone(&self) -> Self {
        ring::add_publisher(&*self.ring);
        Self::with_parts(self.ring.clone(), self.first_lap_end, self.wait)
    }
}

impl<P> Drop for MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing,
{
    fn drop(&mut self) {
        self.mark.release(&*self.ring);
        ring::release_publisher(&*self.ring);
    }
}

impl<P> core::fmt::Debug for MultiPublisher<P>
where
    P: Deref + Clone,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MultiPublisher")
            .field("overflow", &<<P::Target as AnyRing>::Overflow as Overflow>::NAME)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}
