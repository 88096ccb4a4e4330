//! [`TopicPublisher`] and [`TopicHandle`]: the publisher and the handle of every ring topic of
//! a generated bus, generic types rather than generated types per topic (the subscriber side
//! is `topic_subscriber.rs`).
//!
//! A generated bus describes each ring topic to them through [`RingTopic`] (implemented by the
//! topic's event enum: its name, ring, publisher kind, and how the ring stores its events) and
//! names them `topic::Publisher<'a>` and `topic::Handle<'a>`, type aliases. What a topic accepts
//! is [`Carries`]: its events, and its event enum. What a topic's settings allow follows from
//! the publisher it wraps: the waiting publishes (`try_publish`, `publish_until`, ...) need a
//! lossless topic ([`LosslessInner`]), the byte publishes a byte topic ([`ByteTopic`]), and
//! `clone` a multi-producer one; calling one elsewhere is a compile error that says which
//! setting to change.

use core::fmt;

use crate::__private::PublisherClaim;
use crate::error::{Full, Stopped};
use crate::event::{TakeError, WireError};
use crate::part::Part;
use crate::publisher::{MultiPublisher, Publisher};
use crate::ring::{AnyRing, Lossless};
use crate::shutdown::Shutdown;
use crate::stats::{RingStats, SubscriberStatus};
use crate::taps::Taps;
use crate::wait::WaitStrategy;

/// The payload of topic `E`'s ring: its wire form.
pub type WireOf<E> = <<E as RingTopic>::Ring as AnyRing>::Payload;

/// A part of topic `E`'s bus: how its handles reach the ring and the taps.
pub type PartOf<'a, T, E> = Part<'a, T, <E as RingTopic>::Bus>;

/// A ring topic of a generated bus, as its handles need it. Implemented by each ring
/// topic's event enum (`Self`, which is also what the topic's taps see). Not part of the API.
#[doc(hidden)]
pub trait RingTopic: Copy + Send + Sync + 'static {
    /// The topic's name as declared.
    const NAME: &'static str;
    /// The bus: what a `SharedBus`'s handles keep alive.
    type Bus: 'static;
    /// The topic's ring.
    type Ring: AnyRing + 'static;
    /// The runtime publisher its [`TopicPublisher`] wraps: [`Publisher`] or
    /// [`MultiPublisher`] of a [`Part`] of the ring.
    type Inner<'a>: TakeInner<'a, Self>;
    /// `Some` for a topic declared `bridge = ".."`.
    const BRIDGE: Option<Bridged> = None;
    /// The subscriber a full ring waits for, and where it stands.
    fn holding_back(ring: &Self::Ring) -> Option<(&'static str, SubscriberStatus)>;
    /// This event's wire form, as the ring stores it.
    fn encode(&self) -> WireOf<Self>;
    /// The event `wire` holds, checked.
    ///
    /// # Errors
    ///
    /// [`WireError`] for a wire value that is no event of the topic.
    fn decode(wire: &WireOf<Self>) -> Result<Self, WireError>;
    /// The event enum's variants, each holding its event as a
    /// [`Viewed`](crate::__private::Viewed): the enum's `EventView::View`, or for a topic of
    /// one event (whose enum is no `Event`) a one-variant enum of the topic's module.
    type View<'a>
    where
        Self: 'a;
    /// The event `wire` holds, as a [`RingTopic::View`]: its event where it lies when the
    /// event's wire form is the event itself.
    ///
    /// # Errors
    ///
    /// As [`RingTopic::decode`].
    fn view(wire: &WireOf<Self>) -> Result<Self::View<'_>, WireError>;
}

/// The engine a bridged topic crosses machines through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BridgeEngine {
    /// NATS: core subjects for a lossy topic, JetStream for a lossless one.
    Nats,
    /// Redis Streams: a capped stream for a lossy topic, a consumer group for a lossless one.
    Redis,
}

/// A topic declared `bridge = ".."`, as the generated bus describes it (`topic::BRIDGE`):
/// what the `hardwire-bridge` crate needs to carry it. Both sides of a bridge are built from
/// the same topology and so agree on every field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Bridged {
    /// The topic's name as declared: the engine's subject or stream is named after it.
    pub topic: &'static str,
    /// The engine.
    pub engine: BridgeEngine,
    /// The engine's address as the topology declares it (`[bridges.nats] url`); the bridge
    /// lets the environment override it, so one binary runs anywhere.
    pub url: &'static str,
    /// `overflow = "backpressure"`: carried with acknowledgements, nothing lost.
    pub lossless: bool,
    /// A hash of the topic's declaration (name, overflow, events): every frame carries it,
    /// and a receiver built from a different declaration rejects the frame.
    pub hash: u64,
    /// The ring record the bridge reads at: reserved from the start, like a declared
    /// subscriber's, so a lossless topic holds its first events for the bridge.
    pub record: usize,
}

impl Bridged {
    /// The description of a bridged topic. Generated code calls it.
    #[doc(hidden)]
    #[must_use]
    pub const fn __new(
        topic: &'static str,
        engine: BridgeEngine,
        url: &'static str,
        lossless: bool,
        hash: u64,
        record: usize,
    ) -> Self {
        Self { topic, engine, url, lossless, hash, record }
    }
}

/// A topic's event enum is what its publisher takes, as well as each of its events.
impl<E: RingTopic> Carries<E> for E {
    #[inline(always)]
    fn into_event(self) -> E {
        self
    }
}

/// The types a topic's publisher accepts: the events its declaration lists, and its event
/// enum `E`. Implemented by the generated bus.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event of topic `{E}`",
    label = "topic `{E}` does not carry this type",
    note = "a topic's publisher takes the events its declaration lists, or its event enum `{E}`"
)]
pub trait Carries<E: RingTopic>: Copy {
    /// This value as the topic's event enum, as taps see it.
    #[doc(hidden)]
    fn into_event(self) -> E;
    /// This value's wire form, as the ring stores it: its event enum's (the enum is built
    /// and matched again inline, so this costs what encoding the event itself costs).
    #[doc(hidden)]
    #[inline(always)]
    fn into_wire(self) -> WireOf<E> {
        self.into_event().encode()
    }
}

/// A byte topic (`payload = "bytes"`): the size class its payloads have. Not part of the API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`publish_bytes` needs a byte topic; `{Self}` carries events",
    label = "not a byte topic",
    note = "declare the topic `payload = \"bytes\"` with a `size` (TOML), or `#[topic(payload = \"bytes\", size = \"M\")]` on a unit struct (Rust)"
)]
pub trait ByteTopic: RingTopic<Ring: AnyRing<Payload: crate::BytesPayload>> {
    /// The topic's payload type: `BytesXS` … `BytesXL`.
    type Bytes: Carries<Self>;
    /// A payload holding a copy of `bytes`.
    ///
    /// # Errors
    ///
    /// [`TooLong`](crate::TooLong) if `bytes` exceeds the size class.
    fn bytes(bytes: &[u8]) -> Result<Self::Bytes, crate::TooLong>;
}

/// The runtime publisher a topic's publisher wraps: [`Publisher`] for a single producer,
/// [`MultiPublisher`] for several. Not part of the API.
#[doc(hidden)]
pub trait TopicInner<E: RingTopic>: Sized {
    /// Publishes one wire value.
    fn publish(&mut self, wire: WireOf<E>);
    /// Publishes several, in order (a single producer: as one batch).
    fn publish_all(&mut self, wires: impl IntoIterator<Item = WireOf<E>>);
    /// The ring.
    fn ring(&self) -> &E::Ring;
    /// The strategy a full lossless ring is waited for with.
    fn set_wait_strategy(&mut self, strategy: WaitStrategy);
    /// Publishes a copy of `bytes` as one byte payload, written straight into its slot.
    ///
    /// # Errors
    ///
    /// [`TooLong`](crate::TooLong), with nothing published.
    fn publish_bytes(&mut self, bytes: &[u8]) -> Result<(), crate::TooLong>
    where
        E: ByteTopic;
}

/// How a [`TopicInner`] is made from a ring whose publisher claim was made (by
/// [`PublisherClaim`]). Not part of the API.
#[doc(hidden)]
pub trait TakeInner<'a, E: RingTopic>: TopicInner<E> {
    /// Whether this is the multi-producer publisher.
    const MULTI: bool;
    /// The publisher of `ring`, whose claim is made.
    fn claimed(ring: PartOf<'a, E::Ring, E>) -> Self;
}

/// The waiting publishes of a lossless topic's publisher. Not part of the API.
#[doc(hidden)]
pub trait LosslessInner<E: RingTopic>: TopicInner<E> {
    /// Publishes if there is room now.
    ///
    /// # Errors
    ///
    /// [`Full`] with the wire value.
    fn try_publish(&mut self, wire: WireOf<E>) -> Result<(), Full<WireOf<E>>>;
    /// Publishes, waiting for room unless `shutdown` is triggered.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the wire value.
    fn publish_until(&mut self, wire: WireOf<E>, shutdown: &Shutdown) -> Result<(), Stopped<WireOf<E>>>;
    /// Publishes a copy of `bytes` if there is room now: whether it did.
    ///
    /// # Errors
    ///
    /// [`TooLong`](crate::TooLong), with nothing published.
    fn try_publish_bytes(&mut self, bytes: &[u8]) -> Result<bool, crate::TooLong>
    where
        E: ByteTopic;
    /// Publishes, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the wire value.
    #[cfg(feature = "std")]
    fn publish_timeout(&mut self, wire: WireOf<E>, timeout: core::time::Duration) -> Result<(), Stopped<WireOf<E>>>;
    /// Publishes, awaiting room.
    #[cfg(all(feature = "async", not(loom)))]
    fn publish_async(&mut self, wire: WireOf<E>) -> impl Future<Output = ()>;
    /// Publishes, awaiting room unless `shutdown` is triggered.
    #[cfg(all(feature = "async", not(loom)))]
    fn publish_async_until(
        &mut self,
        wire: WireOf<E>,
        shutdown: &Shutdown,
    ) -> impl Future<Output = Result<(), Stopped<WireOf<E>>>>;
}

/// [`TopicInner`] and [`LosslessInner`] for the single- and the multi-producer publisher,
/// by delegation to their inherent methods.
macro_rules! inner_impls {
    ($handle:ident, $multi:literal, |$publisher:ident, $wires:ident| $publish_all:block) => {
        impl<'a, E: RingTopic> TakeInner<'a, E> for $handle<PartOf<'a, E::Ring, E>> {
            const MULTI: bool = $multi;
            fn claimed(ring: PartOf<'a, E::Ring, E>) -> Self {
                $handle::__claimed(ring)
            }
        }

        impl<'a, E: RingTopic> TopicInner<E> for $handle<PartOf<'a, E::Ring, E>> {
            #[inline(always)]
            fn publish(&mut self, wire: WireOf<E>) {
                $handle::publish(self, wire);
            }
            #[inline(always)]
            fn publish_all(&mut self, $wires: impl IntoIterator<Item = WireOf<E>>) {
                let $publisher = self;
                $publish_all
            }
            #[inline(always)]
            fn ring(&self) -> &E::Ring {
                $handle::ring(self)
            }
            fn set_wait_strategy(&mut self, strategy: WaitStrategy) {
                $handle::set_wait_strategy(self, strategy);
            }
            #[inline(always)]
            fn publish_bytes(&mut self, bytes: &[u8]) -> Result<(), crate::TooLong>
            where
                E: ByteTopic,
            {
                $handle::publish_bytes(self, bytes)
            }
        }

        impl<'a, E: RingTopic> LosslessInner<E> for $handle<PartOf<'a, E::Ring, E>>
        where
            E::Ring: AnyRing<Overflow: Lossless>,
        {
            #[inline(always)]
            fn try_publish(&mut self, wire: WireOf<E>) -> Result<(), Full<WireOf<E>>> {
                $handle::try_publish(self, wire)
            }
            fn publish_until(&mut self, wire: WireOf<E>, shutdown: &Shutdown) -> Result<(), Stopped<WireOf<E>>> {
                $handle::publish_until(self, wire, shutdown)
            }
            #[inline(always)]
            fn try_publish_bytes(&mut self, bytes: &[u8]) -> Result<bool, crate::TooLong>
            where
                E: ByteTopic,
            {
                $handle::try_publish_bytes(self, bytes)
            }
            #[cfg(feature = "std")]
            fn publish_timeout(
                &mut self,
                wire: WireOf<E>,
                timeout: core::time::Duration,
            ) -> Result<(), Stopped<WireOf<E>>> {
                $handle::publish_timeout(self, wire, timeout)
            }
            #[cfg(all(feature = "async", not(loom)))]
            fn publish_async(&mut self, wire: WireOf<E>) -> impl Future<Output = ()> {
                $handle::publish_async(self, wire)
            }
            #[cfg(all(feature = "async", not(loom)))]
            fn publish_async_until(
                &mut self,
                wire: WireOf<E>,
                shutdown: &Shutdown,
            ) -> impl Future<Output = Result<(), Stopped<WireOf<E>>>> {
                $handle::publish_async_until(self, wire, shutdown)
            }
        }
    };
}

// A single producer publishes a batch under one commit; each of several producers' claims is
// its own `fetch_add`, so for them a batch is a loop.
inner_impls!(Publisher, false, |publisher, wires| { Publisher::publish_iter(publisher, wires) });
inner_impls!(MultiPublisher, true, |publisher, wires| {
    for wire in wires {
        MultiPublisher::publish(publisher, wire);
    }
});

/// The publisher of a ring topic of a generated bus: `topic::Publisher<'a>` is this type.
/// It takes exactly the topic's events and its event enum ([`Carries`]), and calls the topic's
/// taps after each publish.
pub struct TopicPublisher<'a, E: RingTopic, I> {
    inner: I,
    taps: PartOf<'a, Taps<E>, E>,
}

impl<'a, E: RingTopic, I: TakeInner<'a, E>> TopicPublisher<'a, E, I> {
    /// Takes the topic's publisher (from a topic handle, or a `SharedBus`). Generated code
    /// calls it.
    ///
    /// # Errors
    ///
    /// [`TakeError::AlreadyTaken`] when a single-producer topic's publisher was taken before,
    /// or the topic is closed.
    #[doc(hidden)]
    pub fn __take(ring: PartOf<'a, E::Ring, E>, taps: PartOf<'a, Taps<E>, E>) -> Result<Self, TakeError> {
        let claim = PublisherClaim::new(ring, I::MULTI).map_err(|_| TakeError::AlreadyTaken { name: E::NAME })?;
        Ok(Self::__claimed(claim, taps))
    }

    /// The publisher of a claim a stage made. Generated code calls it.
    #[doc(hidden)]
    pub fn __claimed(claim: PublisherClaim<PartOf<'a, E::Ring, E>>, taps: PartOf<'a, Taps<E>, E>) -> Self {
        Self { inner: I::claimed(claim.into_ring()), taps }
    }
}

impl<'a, E: RingTopic, I: TopicInner<E>> TopicPublisher<'a, E, I> {
    /// Publishes `event` to every subscriber of the topic: on a lossless topic, waiting while
    /// the slowest subscriber is a full lap behind (see `try_publish`); on a lossy one never
    /// (a subscriber a full lap behind is told how many events it missed).
    #[inline]
    pub fn publish<C: Carries<E>>(&mut self, event: C) {
        self.inner.publish(event.into_wire());
        self.tap(event);
    }

    /// Publishes a wire value as it is, for bytes that come from outside a typed publisher
    /// (another process, the network, tests); taps are not called. Subscribers decode it
    /// checked: a value that is no event of this topic is counted `invalid` and given to
    /// `on_invalid`, never delivered as an event.
    #[doc(hidden)]
    pub fn __publish_wire(&mut self, wire: WireOf<E>) {
        self.inner.publish(wire);
    }

    /// Publishes every event of `events`, in order.
    #[inline]
    pub fn publish_batch<C: Carries<E>>(&mut self, events: &[C]) {
        self.inner.publish_all(events.iter().map(|event| event.into_wire()));
        if !self.taps.is_empty() {
            for &event in events {
                self.taps.notify(&event.into_event());
            }
        }
    }

    /// Publishes every event `events` yields, in order (with a single producer, the
    /// subscribers see them arrive as one batch, as with `publish_batch`).
    #[inline]
    pub fn publish_iter<C: Carries<E>>(&mut self, events: impl IntoIterator<Item = C>) {
        if self.taps.is_empty() {
            self.inner.publish_all(events.into_iter().map(Carries::into_wire));
        } else {
            for event in events {
                self.publish(event);
            }
        }
    }

    #[inline(always)]
    fn tap<C: Carries<E>>(&self, event: C) {
        if !self.taps.is_empty() {
            self.taps.notify(&event.into_event());
        }
    }

    /// Publishes `event` if the ring has room now; otherwise gives it back (lossless topics).
    ///
    /// # Errors
    ///
    /// [`Full`] with the event when the slowest subscriber is a full lap behind.
    #[inline]
    pub fn try_publish<C: Carries<E>>(&mut self, event: C) -> Result<(), Full<C>>
    where
        I: LosslessInner<E>,
    {
        self.inner.try_publish(event.into_wire()).map_err(|_| Full(event))?;
        self.tap(event);
        Ok(())
    }

    /// Publishes `event`, waiting for room unless `shutdown` is triggered first (lossless
    /// topics).
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    pub fn publish_until<C: Carries<E>>(&mut self, event: C, shutdown: &Shutdown) -> Result<(), Stopped<C>>
    where
        I: LosslessInner<E>,
    {
        self.inner.publish_until(event.into_wire(), shutdown).map_err(|_| Stopped(event))?;
        self.tap(event);
        Ok(())
    }

    /// Publishes `event`, waiting at most `timeout` for room (lossless topics, feature `std`).
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if the ring stayed full for `timeout`; `holding_back()`
    /// names the subscriber it waited for.
    #[cfg(feature = "std")]
    pub fn publish_timeout<C: Carries<E>>(&mut self, event: C, timeout: core::time::Duration) -> Result<(), Stopped<C>>
    where
        I: LosslessInner<E>,
    {
        self.inner.publish_timeout(event.into_wire(), timeout).map_err(|_| Stopped(event))?;
        self.tap(event);
        Ok(())
    }

    /// Publishes `event`, waiting asynchronously for room (lossless topics, feature
    /// `async`): the task is woken when a subscriber makes room. Dropping the future before
    /// it completes drops the event unpublished.
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async<C: Carries<E>>(&mut self, event: C)
    where
        I: LosslessInner<E>,
    {
        self.inner.publish_async(event.into_wire()).await;
        self.tap(event);
    }

    /// [`TopicPublisher::publish_async`], unless `shutdown` is triggered while the topic is
    /// full: the waiting task is woken by the trigger.
    ///
    /// # Errors
    ///
    /// [`Stopped`] with the event if `shutdown` was triggered while the ring was full.
    #[cfg(all(feature = "async", not(loom)))]
    pub async fn publish_async_until<C: Carries<E>>(&mut self, event: C, shutdown: &Shutdown) -> Result<(), Stopped<C>>
    where
        I: LosslessInner<E>,
    {
        self.inner.publish_async_until(event.into_wire(), shutdown).await.map_err(|_| Stopped(event))?;
        self.tap(event);
        Ok(())
    }

    /// Publishes a copy of `bytes` as one event (byte topics), written straight into its
    /// ring slot (through a payload value only if the topic has taps, which get one).
    ///
    /// # Errors
    ///
    /// [`TooLong`](crate::TooLong) if `bytes` exceeds the topic's size class; nothing is
    /// published then.
    #[inline]
    pub fn publish_bytes(&mut self, bytes: &[u8]) -> Result<(), crate::TooLong>
    where
        E: ByteTopic,
    {
        if self.taps.is_empty() {
            return self.inner.publish_bytes(bytes);
        }
        let payload = E::bytes(bytes)?;
        self.publish(payload);
        Ok(())
    }

    /// Publishes a copy of `bytes` if the ring has room now (lossless byte topics).
    ///
    /// # Errors
    ///
    /// [`TooLong`](crate::TooLong) with nothing published; `Ok(false)` when the ring is full
    /// (nothing published either).
    #[inline]
    pub fn try_publish_bytes(&mut self, bytes: &[u8]) -> Result<bool, crate::TooLong>
    where
        E: ByteTopic,
        I: LosslessInner<E>,
    {
        if self.taps.is_empty() {
            return self.inner.try_publish_bytes(bytes);
        }
        let payload = E::bytes(bytes)?;
        Ok(self.try_publish(payload).is_ok())
    }

    /// The ring this publisher publishes to.
    #[must_use]
    pub fn ring(&self) -> &E::Ring {
        self.inner.ring()
    }

    /// When this topic's ring is full for a subscriber (`publish` waits, `try_publish`
    /// fails): that subscriber's name and where it stands — `Parked` means no handle of it is
    /// held. See [`TopicStats::holding_back`](crate::TopicStats::holding_back).
    #[must_use]
    pub fn holding_back(&self) -> Option<(&'static str, SubscriberStatus)> {
        E::holding_back(self.inner.ring())
    }

    /// The strategy `publish` waits with on a full lossless ring.
    pub fn set_wait_strategy(&mut self, strategy: WaitStrategy) {
        self.inner.set_wait_strategy(strategy);
    }

    /// [`TopicPublisher::set_wait_strategy`], by value.
    #[must_use]
    pub fn with_wait_strategy(mut self, strategy: WaitStrategy) -> Self {
        self.set_wait_strategy(strategy);
        self
    }
}

impl<'a, E: RingTopic> TopicPublisher<'a, E, Publisher<PartOf<'a, E::Ring, E>>> {
    /// Not available: this topic has a single producer. Declare it `producers = "multi"` for
    /// a publisher that can be cloned.
    #[doc(hidden)]
    #[allow(clippy::should_implement_trait)]
    #[must_use]
    pub fn clone(&self) -> Self
    where
        Self: crate::__private::SingleProducer,
    {
        unreachable!("no type implements SingleProducer")
    }
}

/// A multi-producer topic's publisher: clone it for every producing thread.
impl<E: RingTopic, I: Clone> Clone for TopicPublisher<'_, E, I> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), taps: self.taps.clone() }
    }
}

impl<E: RingTopic, I: fmt::Debug> fmt::Debug for TopicPublisher<'_, E, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicPublisher").field("topic", &E::NAME).field("inner", &self.inner).finish_non_exhaustive()
    }
}

/// The handle of a ring topic of a generated bus, from the bus's accessor: `topic::Handle<'a>`
/// is this type. It takes the topic's publisher, and reads its taps and counters.
pub struct TopicHandle<'a, E: RingTopic> {
    ring: &'a E::Ring,
    taps: &'a Taps<E>,
}

impl<'a, E: RingTopic> TopicHandle<'a, E> {
    /// The handle of the topic with this ring and taps. Generated code calls it.
    #[doc(hidden)]
    pub const fn __new(ring: &'a E::Ring, taps: &'a Taps<E>) -> Self {
        Self { ring, taps }
    }

    /// This topic's taps: register handlers on `taps().registry()`.
    #[must_use]
    pub fn taps(&self) -> &'a Taps<E> {
        self.taps
    }

    /// Takes the topic's publisher: once for a single-producer topic, and a multi-producer
    /// topic's publisher is cloned for every producing thread.
    ///
    /// # Errors
    ///
    /// [`TakeError::AlreadyTaken`] when a single-producer topic's publisher was taken
    /// before (by you, or by a stage that publishes here), or the topic is closed.
    pub fn publisher(&self) -> Result<TopicPublisher<'a, E, E::Inner<'a>>, TakeError> {
        TopicPublisher::__take(Part::borrowed(self.ring), Part::borrowed(self.taps))
    }

    /// The ring's counters.
    #[must_use]
    pub fn stats(&self) -> RingStats {
        self.ring.stats()
    }

    /// How this topic is bridged (`bridge = ".."`), if it is.
    #[must_use]
    pub const fn bridged(&self) -> Option<Bridged> {
        E::BRIDGE
    }

    /// The bridge's reader of this topic's ring, at the record the topology reserved for
    /// it: events published before it is taken wait for it (on a lossless topic, the
    /// publisher waits for it like for a declared subscriber). Give it to
    /// `hardwire_bridge`'s `Outbound`. Taken once at a time; dropping it keeps its place.
    ///
    /// # Errors
    ///
    /// [`TakeError::NotBridged`] if the topic is not declared bridged,
    /// [`TakeError::AlreadyTaken`] while another reader holds the bridge's record.
    pub fn bridge_reader(&self) -> Result<crate::Subscriber<&'a E::Ring>, TakeError> {
        let bridged = E::BRIDGE.ok_or(TakeError::NotBridged { topic: E::NAME })?;
        crate::Subscriber::resume(self.ring, bridged.record).map_err(|_| TakeError::AlreadyTaken { name: E::NAME })
    }

    /// The bridge's publisher into this topic's ring, on the receiving side: it publishes
    /// the events that arrive from the engine. It is the topic's publisher, taken once. A
    /// topic crosses in one direction, so on this side nobody sends it: taking it gives up
    /// the record reserved for the bridge's reader for good, which then holds no publisher
    /// back.
    ///
    /// # Errors
    ///
    /// [`TakeError::NotBridged`] if the topic is not declared bridged,
    /// [`TakeError::AlreadyTaken`] if the topic's publisher was taken before, or the
    /// bridge's reader is held (this process sends the topic). A failed call changes nothing.
    pub fn bridge_publisher(&self) -> Result<Publisher<&'a E::Ring>, TakeError> {
        let bridged = E::BRIDGE.ok_or(TakeError::NotBridged { topic: E::NAME })?;
        let taken = TakeError::AlreadyTaken { name: E::NAME };
        // `NotReserved`: an earlier publisher gave the record up already.
        let reader = match crate::Subscriber::resume(self.ring, bridged.record) {
            Ok(reader) => Some(reader),
            Err(crate::SubscribeError::NotReserved { .. }) => None,
            Err(_) => return Err(taken),
        };
        // On failure the reader is dropped, which keeps its place.
        let publisher = Publisher::new(self.ring).map_err(|_| taken)?;
        if let Some(reader) = reader {
            reader.leave();
        }
        Ok(publisher)
    }

    /// The ring itself.
    #[must_use]
    pub fn ring(&self) -> &'a E::Ring {
        self.ring
    }

    /// When this topic's ring is full for a subscriber (`publish` waits, `try_publish`
    /// fails): that subscriber's name and where it stands — `Parked` means no handle of it is
    /// held. See [`TopicStats::holding_back`](crate::TopicStats::holding_back).
    #[must_use]
    pub fn holding_back(&self) -> Option<(&'static str, SubscriberStatus)> {
        E::holding_back(self.ring)
    }
}

impl<E: RingTopic> Clone for TopicHandle<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: RingTopic> Copy for TopicHandle<'_, E> {}

impl<E: RingTopic> fmt::Debug for TopicHandle<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicHandle").field("topic", &E::NAME).field("stats", &self.stats()).finish_non_exhaustive()
    }
}
