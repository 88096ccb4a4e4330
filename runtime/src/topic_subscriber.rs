//! [`TopicSubscriber`]: how a generated subscriber handle reads each of its ring topics — one
//! generic type, rather than one set of generated methods per subscriber and topic.
//!
//! It wraps the runtime [`Subscriber`] of the topic's ring and decodes every wire value it
//! reads into `D`: the topic's event enum, or the narrowed enum of a subscriber that reads
//! only some of the topic's events (through `Receives`, which the generated bus implements).
//! A wire value that is no event of the topic is counted
//! ([`SubscriberStats::invalid`](crate::SubscriberStats::invalid)) and never returned as an
//! event; an event of the topic that `D` does not hold is passed over. A generated handle's
//! `try_recv_<topic>`, `recv_<topic>`, ... are these methods, and its `poll` steps through
//! [`TopicSubscriber::poll_with`], which hands the handler each event where it lies (in the
//! ring's slot, on a lossless topic). [`SubscriberState`] is the rest of the handle's state.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

#[cfg(all(feature = "async", not(loom)))]
use crate::error::{AsyncRecvError, AsyncRecvUntilError};
use crate::error::{RecvError, TryRecvError};
use crate::event::{Once, TakeError, WireError};
use crate::part::Part;
use crate::subscriber::Subscriber;
use crate::topic::{PartOf, RingTopic, WireOf};
use crate::wait::{WaitQueue, WaitSource, WaitStrategy};

/// What a subscriber of ring topic `E` receives: `E` itself, or the enum of the events a
/// filtered subscriber reads. Implemented by the generated bus. Not part of the API.
#[doc(hidden)]
pub trait Receives<E: RingTopic>: Sized {
    /// The value `wire` holds: `Ok(None)` for an event of the topic this type does not
    /// hold, `Err` for a wire value that is no event of the topic.
    ///
    /// # Errors
    ///
    /// [`WireError`] from the event's checked decoding.
    fn receive(wire: &WireOf<E>) -> Result<Option<Self>, WireError>;
}

/// A subscriber that reads all of a topic receives its event enum.
impl<E: RingTopic> Receives<E> for E {
    #[inline(always)]
    fn receive(wire: &WireOf<E>) -> Result<Option<Self>, WireError> {
        E::decode(wire).map(Some)
    }
}

/// How a generated subscriber handle reads ring topic `E` (its event enum), receiving `D`:
/// `E`, or the enum of the events a filtered subscriber reads. The handle's
/// `try_recv_<topic>`, `recv_<topic>`, `recv_<topic>_timeout`, `drain_<topic>` and the
/// async receives are this type's methods of the same names.
///
/// It derefs to the runtime [`Subscriber`] it wraps, for its counters and waiting; the
/// receive methods here shadow that type's, and return decoded events instead of wire
/// values.
pub struct TopicSubscriber<'a, E: RingTopic, D = E> {
    inner: Subscriber<PartOf<'a, E::Ring, E>>,
    _decodes: PhantomData<fn() -> D>,
}

impl<'a, E: RingTopic, D: Receives<E>> TopicSubscriber<'a, E, D> {
    /// Decodes one wire value; counts an invalid one.
    #[inline(always)]
    fn decode(&mut self, wire: &WireOf<E>) -> Option<D> {
        D::receive(wire).unwrap_or_else(|_| {
            self.inner.__reject();
            None
        })
    }

    /// One step of a generated `poll`: calls `f` with the next event of the topic, if one is
    /// ready, as a view of the event enum ([`RingTopic::View`]), or with the error that a
    /// wire value which is no event of the topic decodes to (counted in
    /// [`SubscriberStats::invalid`](crate::SubscriberStats::invalid) after `f` returns);
    /// returns what `f` returns, or why nothing was read (`f` is not called then).
    ///
    /// On a lossless topic `f` runs while the event lies in its ring slot, and the view
    /// borrows it there: the event is not copied, whatever its size (the publishers cannot
    /// reuse the slot until `f` returns, see [`Subscriber::try_recv_with`]). If `f` panics
    /// the event stays unread, and the next receive returns it again. On a lossy topic `f`
    /// views a checked copy. Not part of the API.
    ///
    /// # Errors
    ///
    /// [`TryRecvError`], as [`Subscriber::try_recv`].
    #[doc(hidden)]
    #[inline(always)]
    pub fn poll_with<R>(&mut self, f: impl FnOnce(Result<E::View<'_>, WireError>) -> R) -> Result<R, TryRecvError> {
        let mut invalid = false;
        let read = self.inner.try_recv_with(|wire| {
            let view = E::view(wire);
            invalid = view.is_err();
            f(view)
        });
        if invalid {
            self.inner.__reject();
        }
        read
    }

    /// The next event this subscriber reads, if one is ready; never blocks. Wire values that
    /// are no event of the topic are counted and passed over, as are the topic's events a
    /// filtered subscriber does not read.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] (on a lossy topic: exactly how many
    /// events this subscriber missed) or [`TryRecvError::Closed`] (every publisher gone, every
    /// event read), as [`Subscriber::try_recv`].
    #[inline(always)]
    pub fn try_recv(&mut self) -> Result<D, TryRecvError> {
        loop {
            let wire = self.inner.try_recv()?;
            if let Some(event) = self.decode(&wire) {
                return Ok(event);
            }
        }
    }

    /// The next event this subscriber reads, waiting for it with the handle's wait strategy.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] or [`RecvError::Closed`], as [`Subscriber::recv`].
    pub fn recv(&mut self) -> Result<D, RecvError> {
        loop {
            let wire = self.inner.recv()?;
            if let Some(event) = self.decode(&wire) {
                return Ok(event);
            }
        }
    }

    /// [`TopicSubscriber::recv`], giving up after `timeout` (feature `std`).
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`], [`RecvError::Closed`] or [`RecvError::Timeout`].
    #[cfg(feature = "std")]
    pub fn recv_timeout(&mut self, timeout: core::time::Duration) -> Result<D, RecvError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let wire = self.inner.recv_timeout(left)?;
            if let Some(event) = self.decode(&wire) {
                return Ok(event);
            }
        }
    }

    /// The events ready now, in order; laps are skipped (counted in `stats()`).
    pub fn drain(&mut self) -> impl Iterator<Item = D> + '_ {
        core::iter::from_fn(move || {
            loop {
                match self.try_recv() {
                    Ok(event) => return Some(event),
                    Err(TryRecvError::Lagged { .. }) => {}
                    Err(_) => return None,
                }
            }
        })
    }

    /// The next event this subscriber reads, awaited (feature `async`). Cancel-safe:
    /// dropping the future loses no event.
    ///
    /// # Errors
    ///
    /// [`AsyncRecvError::Lagged`] or [`AsyncRecvError::Closed`], as [`Subscriber::recv_async`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn recv_async(&mut self) -> Result<D, AsyncRecvError> {
        loop {
            let wire = self.inner.recv_async().await?;
            if let Some(event) = self.decode(&wire) {
                return Ok(event);
            }
        }
    }

    /// [`TopicSubscriber::recv_async`], unless `shutdown` is triggered first: a task
    /// awaiting here is woken by [`Shutdown::trigger`](crate::Shutdown::trigger). Cancel-safe.
    ///
    /// # Errors
    ///
    /// As [`TopicSubscriber::recv_async`], and [`AsyncRecvUntilError::Shutdown`].
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn recv_async_until(&mut self, shutdown: &crate::Shutdown) -> Result<D, AsyncRecvUntilError> {
        loop {
            let wire = self.inner.recv_async_until(shutdown).await?;
            if let Some(event) = self.decode(&wire) {
                return Ok(event);
            }
        }
    }
}

impl<E: RingTopic, D> TopicSubscriber<'_, E, D> {
    /// Leaves the topic for good, as [`Subscriber::leave`]: the record is freed.
    pub fn leave(self) {
        self.inner.leave();
    }
}

impl<'a, E: RingTopic, D> From<Subscriber<PartOf<'a, E::Ring, E>>> for TopicSubscriber<'a, E, D> {
    fn from(inner: Subscriber<PartOf<'a, E::Ring, E>>) -> Self {
        Self { inner, _decodes: PhantomData }
    }
}

impl<'a, E: RingTopic, D> Deref for TopicSubscriber<'a, E, D> {
    type Target = Subscriber<PartOf<'a, E::Ring, E>>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<E: RingTopic, D> DerefMut for TopicSubscriber<'_, E, D> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl<E: RingTopic, D> WaitSource for TopicSubscriber<'_, E, D> {
    fn wait_queue(&self) -> &WaitQueue {
        self.inner.wait_queue()
    }

    fn may_progress(&self) -> bool {
        self.inner.may_progress()
    }
}

impl<E: RingTopic, D> fmt::Debug for TopicSubscriber<'_, E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicSubscriber").field("topic", &E::NAME).field("inner", &self.inner).finish()
    }
}

/// Attaches a generated subscriber to its record `record` of a topic's ring: resumes its
/// reserved place (a declared subscriber, `resume`), or joins at the head in that record (an
/// `optional` one). Not part of the API.
///
/// # Errors
///
/// [`TakeError::AlreadyTaken`] naming `subscriber` if the record cannot be had.
#[doc(hidden)]
pub fn attach<'a, E: RingTopic, D>(
    ring: PartOf<'a, E::Ring, E>,
    record: usize,
    resume: bool,
    subscriber: &'static str,
) -> Result<TopicSubscriber<'a, E, D>, TakeError> {
    let attached = if resume { Subscriber::resume(ring, record) } else { Subscriber::with_record(ring, record) };
    attached.map(TopicSubscriber::from).map_err(|_| TakeError::AlreadyTaken { name: subscriber })
}

/// A generated subscriber handle's own state: its claim on the handle (given back when the
/// handle is dropped, or given up for good after `leave`), the strategy `run` waits with, and
/// which of its topics are closed and drained. The handle declares it as its last field, so
/// that its readers park their records before the claim is released: the next take resumes
/// exactly where this handle stopped. Not part of the API.
#[doc(hidden)]
pub struct SubscriberState<'a, B, const N: usize> {
    /// Which topics `poll` found closed and drained.
    pub closed: [bool; N],
    /// What `run` waits with.
    pub strategy: WaitStrategy,
    claim: Part<'a, Once, B>,
    leaving: bool,
}

impl<'a, B, const N: usize> SubscriberState<'a, B, N> {
    /// Claims the handle of subscriber `name` (its `Once` on the bus).
    ///
    /// # Errors
    ///
    /// As [`Once::take`].
    pub fn take(claim: Part<'a, Once, B>, name: &'static str) -> Result<Self, TakeError> {
        claim.take(name)?;
        Ok(Self { closed: [false; N], strategy: WaitStrategy::default(), claim, leaving: false })
    }

    /// Whether every topic is closed and drained.
    #[must_use]
    pub fn all_closed(&self) -> bool {
        self.closed.iter().all(|closed| *closed)
    }

    /// One turn of a generated `run` after a `poll` that made `progress`: whether to poll
    /// again. `false` once every topic is closed and drained; after a `poll` that found
    /// nothing, it first waits with the handle's strategy until one of `sources` (its
    /// readers) may have an event, or `shutdown` is triggered. (An associated function, so
    /// that the `poll` that borrows the handle mutably is done before the state is borrowed.)
    pub fn proceed(progress: usize, state: &Self, shutdown: &crate::Shutdown, sources: &[&dyn WaitSource]) -> bool {
        if progress > 0 {
            true
        } else if state.all_closed() {
            false
        } else {
            crate::wait::wait_any(state.strategy, Some(shutdown), sources);
            true
        }
    }

    /// [`SubscriberState::proceed`] for `run_async`: awaits a publish to any of `sources`
    /// (or the trigger) instead of waiting.
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn proceed_async<const S: usize>(
        progress: usize,
        state: &Self,
        shutdown: &crate::Shutdown,
        sources: [&(dyn WaitSource + Sync); S],
    ) -> bool {
        if progress > 0 {
            true
        } else if state.all_closed() {
            false
        } else {
            crate::wait::wait_any_async(Some(shutdown), sources).await;
            true
        }
    }

    /// Gives the claim up for good (the handle's readers have left first).
    pub fn leave(mut self) {
        self.leaving = true;
    }
}

impl<B, const N: usize> Drop for SubscriberState<'_, B, N> {
    fn drop(&mut self) {
        if self.leaving {
            self.claim.leave();
        } else {
            self.claim.release();
        }
    }
}

impl<B, const N: usize> fmt::Debug for SubscriberState<'_, B, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriberState")
            .field("closed", &self.closed)
            .field("strategy", &self.strategy)
            .field("leaving", &self.leaving)
            .finish_non_exhaustive()
    }
}
