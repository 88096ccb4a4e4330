//! Bridges hardwire topics to distributed engines: NATS (core subjects and JetStream) and
//! Redis Streams.
//!
//! A bridge is two halves, each a task on a tokio runtime beside the bus:
//!
//! - an **outbound** half is a subscriber of a local topic: it drains the ring, packs
//!   consecutive events into [frames](hardwire_runtime::frame) (the events' Pod bytes behind
//!   a 48-byte header: topology hash, layout fingerprint, publisher id, first sequence) and
//!   sends one engine message per frame;
//! - an **inbound** half receives those messages in another process, checks each frame
//!   against its own topology and event layout, drops what it already delivered, and
//!   publishes the events into its local ring, where the bus's subscribers read them.
//!
//! The local path pays nothing for the bridge: the outbound half is one more subscriber of
//! the ring, on its own task. Packing is adaptive: a frame holds whatever is ready when the
//! previous send finishes, up to [`Packing`]'s bounds, so a lone event leaves at once and a
//! burst leaves in few messages. Nothing is allocated per event; a frame's buffer is reused,
//! and a retried frame is the same shared buffer.
//!
//! | topic mode     | NATS                                           | Redis Streams                                      |
//! |----------------|------------------------------------------------|----------------------------------------------------|
//! | `overwrite`    | core subject: at most once, gaps counted as `lagged` | stream capped with `MAXLEN ~`: trimmed frames counted as `lagged` |
//! | `backpressure` | JetStream work-queue stream, de-duplicated by message id, durable pull consumer, acknowledged once taken | stream read by a consumer group (`XREADGROUP`), `XACK` + `XDEL` once taken |
//!
//! On a lossless bridge an engine message is acknowledged only when every subscriber of the
//! receiving ring has taken all of its events (with in-place handlers, generated `run`/`poll`
//! and [`Subscriber::try_recv_with`](hardwire_runtime::Subscriber::try_recv_with), taken
//! means handled). Messages redelivered after a restart are dropped by sequence
//! ([`Inbound::resume`] gives a restarted receiver the positions its application recorded).
//! The receiving ring's backpressure holds acknowledgements back, the engine's bound on
//! unacknowledged messages stops delivery, the stream's bound refuses new messages, and the
//! sending bridge stops draining its ring: the remote publisher waits, or gets `Full`.
//!
//! A topic declared `bridge = "nats"` or `bridge = "redis"` in its topology (with the
//! engine's `[bridges.*] url`) has a record reserved for the outbound half from the start,
//! and its generated handle gives both ends and what they need: `bus.topic().bridged()`
//! (a [`Bridged`]: engine, url, mode, declaration hash), `bridge_reader()` for [`send`],
//! `bridge_publisher()` for [`receive_lossless`] / [`receive_lossy`], which pick the engine
//! call for the topic's mode and connect as its declaration says (the environment may
//! override the address). With other settings, the engine modules' functions take
//! [`Outbound::for_topic`] and [`Inbound::for_topic`] halves, with `Connect::for_topic` and
//! `StreamSettings::for_topic`. The `bridged` example runs one topic through each engine
//! between two processes built from `schema-examples/bridged.toml`.
//!
//! Credentials never come from a topology file: `nats::Connect::from_env` and
//! `redis::Connect::from_env` read them from the environment (variables `HARDWIRE_NATS_*`,
//! `HARDWIRE_REDIS_*`), or the caller sets them at run time.
//!
//! Features: `nats` (async-nats) and `redis` (redis-rs), neither on by default.

// The engine modules use the shared machinery; without either feature only the types remain.
#![cfg_attr(not(any(feature = "nats", feature = "redis")), allow(dead_code))]

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hardwire_runtime::frame::{Accepted, Expect, Frame, FrameError, Sequences};
use hardwire_runtime::{AnyRing, Payload};

mod declared;
mod outbound;
pub use declared::{receive_lossless, receive_lossy, send};
pub use hardwire_runtime::{BridgeEngine, Bridged};
pub use outbound::Outbound;

#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "redis")]
pub mod redis;

/// Bounds of one engine message (frame). A frame holds whatever events are ready, up to
/// these bounds; a lone event is sent on its own at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packing {
    /// Most bytes in one frame, header included (default 64 KiB; NATS servers accept 1 MiB
    /// by default).
    pub max_bytes: usize,
    /// Most events in one frame (default 65,536).
    pub max_events: usize,
}

impl Default for Packing {
    fn default() -> Self {
        Self { max_bytes: 64 * 1024, max_events: 65_536 }
    }
}

impl Packing {
    /// One event per message: what a bridge without packing would do (for comparisons).
    pub const ONE_PER_MESSAGE: Self = Self { max_bytes: usize::MAX, max_events: 1 };

    /// How many events of `size` bytes fit in one frame (at least one).
    #[must_use]
    pub fn events_per_frame(&self, size: usize) -> usize {
        let by_bytes = self.max_bytes.saturating_sub(hardwire_runtime::frame::HEADER_BYTES) / size.max(1);
        by_bytes.min(self.max_events).max(1)
    }
}

/// What one bridge half carries, shared with whoever watches it ([`Stats::snapshot`]).
/// Counters only grow.
#[derive(Clone, Debug, Default)]
pub struct Stats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    events: AtomicU64,
    messages: AtomicU64,
    bytes: AtomicU64,
    duplicates: AtomicU64,
    lagged: AtomicU64,
    rejected: AtomicU64,
    retries: AtomicU64,
    acknowledged: AtomicU64,
}

/// A reading of a bridge half's [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Events sent (outbound) or delivered to the local ring (inbound).
    pub events: u64,
    /// Engine messages (frames) sent or received.
    pub messages: u64,
    /// Bytes of those messages.
    pub bytes: u64,
    /// Inbound: events received again (a retried send, a redelivery) and dropped.
    pub duplicates: u64,
    /// Events lost on a lossy bridge: lapped in the sending ring (outbound), or missing from
    /// the sequence (inbound: includes the sender's).
    pub lagged: u64,
    /// Inbound: messages that are not frames of this topic (wrong length, magic, topology,
    /// layout, size), counted and dropped.
    pub rejected: u64,
    /// Sends or receives retried after an engine error (server away, stream full).
    pub retries: u64,
    /// Engine messages acknowledged (lossless bridges).
    pub acknowledged: u64,
}

impl fmt::Display for StatsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} events in {} messages ({} bytes)", self.events, self.messages, self.bytes)?;
        for (name, value) in [
            ("duplicates", self.duplicates),
            ("lagged", self.lagged),
            ("rejected", self.rejected),
            ("retries", self.retries),
            ("acknowledged", self.acknowledged),
        ] {
            if value != 0 {
                write!(f, ", {name} {value}")?;
            }
        }
        Ok(())
    }
}

impl Stats {
    /// Fresh counters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters now.
    #[must_use]
    pub fn snapshot(&self) -> StatsSnapshot {
        let c = &*self.0;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StatsSnapshot {
            events: get(&c.events),
            messages: get(&c.messages),
            bytes: get(&c.bytes),
            duplicates: get(&c.duplicates),
            lagged: get(&c.lagged),
            rejected: get(&c.rejected),
            retries: get(&c.retries),
            acknowledged: get(&c.acknowledged),
        }
    }

    fn add(counter: &AtomicU64, n: u64) {
        if n != 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn message(&self, events: u64, bytes: usize) {
        Self::add(&self.0.events, events);
        Self::add(&self.0.messages, 1);
        Self::add(&self.0.bytes, bytes as u64);
    }

    pub(crate) fn lagged(&self, n: u64) {
        Self::add(&self.0.lagged, n);
    }

    pub(crate) fn retry(&self) {
        Self::add(&self.0.retries, 1);
    }

    pub(crate) fn acknowledged(&self, n: u64) {
        Self::add(&self.0.acknowledged, n);
    }
}

/// Why a bridge half stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum BridgeError {
    /// Connecting or authenticating failed; the message is the engine client's. Not
    /// retried: wrong credentials stay wrong.
    Connect(String),
    /// Setting up the engine's side (a stream, a consumer, a group) failed.
    Setup(String),
    /// The engine failed in a way retrying cannot fix.
    Engine(String),
    /// The local ring refused this half (its publisher was taken, it has no room for a
    /// subscriber).
    Local(String),
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(why) => write!(f, "connecting to the engine failed: {why}"),
            Self::Setup(why) => write!(f, "setting up the engine's stream or consumer failed: {why}"),
            Self::Engine(why) => write!(f, "the engine failed: {why}"),
            Self::Local(why) => write!(f, "the local ring refused the bridge: {why}"),
        }
    }
}

impl std::error::Error for BridgeError {}

/// A random publisher id for one outbound half: a sender that restarts is a new publisher
/// to its receivers, whose sequences start again.
#[must_use]
pub fn new_publisher_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish() | 1
}

/// How many publishers one inbound half tells apart before it forgets the oldest.
pub const TRACKED_PUBLISHERS: usize = 64;

/// The receiving side's checks, shared by every inbound half: frame parsing against the
/// expected topology and layout, and per-publisher de-duplication.
#[derive(Debug)]
pub struct Inbound {
    expect: Expect,
    sequences: Sequences<TRACKED_PUBLISHERS>,
    stats: Stats,
    last_error: Option<FrameError>,
}

impl Inbound {
    /// A receiver of topic `bridged` (`bus.topic().bridged()`): frames carry the hash of
    /// its declaration, so a sender built from a different declaration is rejected.
    #[must_use]
    pub fn for_topic<T: Payload>(bridged: &Bridged, stats: Stats) -> Self {
        Self::new::<T>(bridged.hash, stats)
    }

    /// Receives events of type `T` from senders built from topology `topology`.
    #[must_use]
    pub fn new<T: Payload>(topology: u64, stats: Stats) -> Self {
        Self { expect: Expect::of::<T>(topology), sequences: Sequences::default(), stats, last_error: None }
    }

    /// Starts `publisher` at sequence `next`: what it sent before is dropped as duplicates.
    /// A restarted receiver passes what its application recorded (see the crate docs).
    pub fn resume(&mut self, publisher: u64, next: u64) {
        if self.sequences.resume(publisher, next).is_err() {
            self.sequences.forget_oldest();
            let _ = self.sequences.resume(publisher, next);
        }
    }

    /// The most recent rejected frame's error (rejections are counted in [`Stats`]).
    #[must_use]
    pub fn last_error(&self) -> Option<FrameError> {
        self.last_error
    }

    /// Whether `message` is a frame that starts after the next sequence expected from its
    /// publisher: on a lossless bridge, an earlier frame is still to come (delivered again
    /// after a receiver restart, while newer ones arrived first), so this one must wait. A
    /// frame from a publisher not seen yet is never ahead.
    pub fn is_ahead<T: Payload>(&self, message: &[u8]) -> bool {
        Frame::<T>::parse(message, &self.expect)
            .ok()
            .and_then(|frame| Some(frame.first_sequence() > self.sequences.next_from(frame.publisher())?))
            .unwrap_or(false)
    }

    /// Checks one message and returns its new events with their publisher and sequence
    /// (none for a rejected message, which is counted, or for a message of duplicates).
    pub fn accept<'m, T: Payload>(&mut self, message: &'m [u8]) -> impl Iterator<Item = (u64, u64, T)> + use<'m, T> {
        let frame = match Frame::<T>::parse(message, &self.expect) {
            Ok(frame) => frame,
            Err(error) => {
                self.last_error = Some(error);
                Stats::add(&self.stats.0.rejected, 1);
                return None.into_iter().flatten();
            }
        };
        let (publisher, first, count) = (frame.publisher(), frame.first_sequence(), frame.len() as u64);
        let Accepted { duplicates, gap, new } = match self.sequences.accept(publisher, first, count) {
            Ok(accepted) => accepted,
            Err(_) => {
                self.sequences.forget_oldest();
                self.sequences.accept(publisher, first, count).unwrap_or(Accepted { duplicates: 0, gap: 0, new: count })
            }
        };
        Stats::add(&self.stats.0.duplicates, duplicates);
        self.stats.lagged(gap);
        self.stats.message(new, message.len());
        Some(frame.events_from(duplicates as usize).map(move |(sequence, event)| (publisher, sequence, event)))
            .into_iter()
            .flatten()
    }
}

/// The sequence every subscriber of `ring` has passed: events before it were taken by all
/// (a declared subscriber that has not joined yet counts, at its reserved place).
pub(crate) fn taken_by_all<R: AnyRing + ?Sized>(ring: &R) -> u64 {
    let published = ring.published();
    let behind = (0..ring.records().len()).map(|index| ring.record_status(index).pending).max().unwrap_or(0);
    published.saturating_sub(behind)
}

/// Backoff for retries: 1 ms doubling to 500 ms.
#[derive(Debug)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    pub(crate) fn new() -> Self {
        Self(Duration::from_millis(1))
    }

    pub(crate) async fn wait(&mut self, stats: &Stats) {
        stats.retry();
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_millis(500));
    }

    pub(crate) fn reset(&mut self) {
        self.0 = Duration::from_millis(1);
    }
}

/// Engine messages delivered into the local ring and not yet acknowledged, oldest first,
/// each with the ring sequence just past its last event.
#[derive(Debug)]
pub(crate) struct Unacked<H> {
    queue: std::collections::VecDeque<(u64, H)>,
}

impl<H> Unacked<H> {
    pub(crate) fn new() -> Self {
        Self { queue: std::collections::VecDeque::new() }
    }

    pub(crate) fn push(&mut self, ring_end: u64, handle: H) {
        self.queue.push_back((ring_end, handle));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The messages, oldest first, that every subscriber of `ring` has taken all events of
    /// (the ring's records are read once per call).
    pub(crate) fn drain_taken<R: AnyRing + ?Sized>(&mut self, ring: &R) -> impl Iterator<Item = H> + '_ {
        let taken = taken_by_all(ring);
        let done = self.queue.iter().take_while(|&&(end, _)| end <= taken).count();
        self.queue.drain(..done).map(|(_, handle)| handle)
    }
}

/// Publishes `events` into a lossless ring, waiting (asynchronously) while it is full.
/// Returns the ring sequence just past the last one.
pub(crate) async fn publish_lossless<P, T>(
    publisher: &mut hardwire_runtime::Publisher<P>,
    events: impl Iterator<Item = (u64, u64, T)>,
) -> u64
where
    P: core::ops::Deref,
    P::Target: AnyRing<Payload = T, Overflow: hardwire_runtime::Lossless>,
    T: Payload,
{
    for (_, _, event) in events {
        if let Err(hardwire_runtime::Full(event)) = publisher.try_publish(event) {
            publisher.publish_async(event).await;
        }
    }
    publisher.next_sequence()
}

/// `Ok` if `bridged` is declared for `engine`; else a [`BridgeError::Setup`] that says which
/// engine it is declared for.
pub(crate) fn declared_for(bridged: &Bridged, engine: BridgeEngine) -> Result<(), BridgeError> {
    if bridged.engine == engine {
        return Ok(());
    }
    Err(BridgeError::Setup(format!(
        "topic `{}` is declared `bridge = \"{}\"`, not `{}`",
        bridged.topic,
        engine_name(bridged.engine),
        engine_name(engine)
    )))
}

pub(crate) fn engine_name(engine: BridgeEngine) -> &'static str {
    match engine {
        BridgeEngine::Nats => "nats",
        BridgeEngine::Redis => "redis",
        _ => "another engine",
    }
}
