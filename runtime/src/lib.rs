//! Runtime primitives of [hardwire](https://docs.rs/hardwire): sound seqlock slots,
//! fixed-capacity broadcast rings, single- and multi-producer publishers, subscribers,
//! wait strategies, shutdown and stats.
//!
//! Most users reach these through the `hardwire` facade and the rings its macros
//! generate; they are usable on their own:
//!
//! ```
//! use hardwire_runtime::{Overwrite, Ring, TryRecvError};
//!
//! // A lossy ring of 1024 `u64`s in a static: no heap at all.
//! static RING: Ring<u64, 1024, Overwrite> = Ring::new();
//!
//! let mut publisher = RING.publisher().unwrap();
//! let mut fast = RING.subscribe().unwrap();
//! let mut slow = RING.subscribe().unwrap();
//! publisher.publish(1);
//! publisher.publish(2);
//! assert_eq!(fast.try_recv(), Ok(1));
//! assert_eq!(slow.drain().collect::<Vec<_>>(), [1, 2]);
//! assert_eq!(fast.try_recv(), Ok(2));
//! assert_eq!(fast.try_recv(), Err(TryRecvError::Empty));
//! ```
//!
//! # Guarantees
//!
//! * Publishing and receiving never allocate and never take a lock (parking waiters
//!   aside, which sleep on a lock by design).
//! * A subscriber never observes a torn or partially written event: payloads are stored
//!   as `AtomicU64` words under a seqlock stamp, so there is no data race to begin with
//!   ([`slot`] has the protocol and its proof). The seqlock, rings, publishers and
//!   subscribers have no `unsafe` block; the crate's only four are three in [`Taps`] (a
//!   lazily created registry behind an atomic pointer) and one in the hidden `Part` (its
//!   `Deref`: a pointer an owned handle of a generated `SharedBus` keeps valid with its
//!   `Arc`), and its `unsafe impl`s are `Zeroable` / `Pod` for zeroed heap construction and
//!   `Send` / `Sync` for `Part`. Each carries its `SAFETY` proof.
//! * [`Overwrite`] rings never block publishers; a lapped subscriber learns exactly how
//!   many events it missed and resumes from the oldest one still in the ring.
//! * [`Backpressure`] rings never lose or duplicate an event for a registered subscriber.
//!   A reserved record ([`Ring::with_reserved`], [`Ring::reserve`]) holds publishers back
//!   whether or not a handle reads through it, and [`Subscriber::resume`] continues it
//!   exactly; a record taken by [`Ring::subscribe`] gates while its handle lives.
//! * Sequences are `u64` and never wrap: a ring publishes at most [`SEQUENCE_LIMIT`]
//!   events, then publishing panics.
//!
//! # Features
//!
//! * `std` (default): parking wait strategies and wake-ups, `recv_timeout`, and `alloc`.
//! * `alloc`: [`Ring::new_boxed`] and [`Ring::new_arc`].
//! * `async`: `Subscriber::recv_async`, `Subscriber::into_stream` (a
//!   `futures_core::Stream`), `publish_async` on backpressure publishers and
//!   `AsyncRegistry`, for any executor. Waiters are woken exactly (no backstop timer):
//!   the price is a `SeqCst` fence in every publish, and in every receive on a
//!   backpressure ring, in builds with the feature. Builds without it pay nothing.
//!
//! Without features the crate is `no_std`: rings, slots, publishers, subscribers and
//! spinning waits. It requires 64-bit atomics.
//!
//! # Testing
//!
//! The same code runs under loom (`--cfg loom`) through an internal `sync` shim; the loom models,
//! stress tests and mutant checks are described in the repository's `README.md`.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

#[cfg(not(target_has_atomic = "64"))]
compile_error!(
    "hardwire-runtime needs 64-bit atomics: its sequences and seqlock stamps are AtomicU64, \
     and narrower counters could wrap during a paused read"
);

#[cfg(feature = "alloc")]
extern crate alloc;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod bytes;
mod error;
mod event;
pub mod frame;
mod mutant;
mod part;
mod payload;
mod publisher;
#[cfg(feature = "std")]
mod registry;
mod ring;
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
pub mod shm;
mod shutdown;
pub mod slot;
#[cfg(feature = "std")]
mod snapshot;
mod stats;
mod subscriber;
mod sync;
mod taps;
mod topic;
mod topic_subscriber;
mod wait;

pub use bytes::{Bytes, BytesL, BytesM, BytesPayload, BytesS, BytesXL, BytesXS, SizeClass, TooLong};
pub use error::{AlreadyTaken, Full, Lagged, RecvError, Stopped, SubscribeError, TryRecvError};
#[cfg(feature = "async")]
pub use error::{AsyncRecvError, AsyncRecvUntilError};
pub use event::{EnumRepr, Event, FieldEnum, TakeError, WireError};
pub use payload::{CACHE_LINE, Payload, Words, slot_words, used_words};
pub use publisher::{MultiPublisher, Publisher};
#[cfg(feature = "async")]
pub use registry::{Async, AsyncRegistry};
#[cfg(feature = "std")]
pub use registry::{HandlerGuard, HandlerId, Immediate, Kind, Registry, panic_message};

#[cfg(not(loom))]
pub use ring::ring_memory_bytes;
pub use ring::{AnyRing, Backpressure, Lossless, MAX_CAPACITY, MAX_SUBSCRIBERS, Overflow, Overwrite, Ring};
pub use shutdown::Shutdown;
pub use slot::{SEQUENCE_LIMIT, Slot, SlotRead};
pub use stats::{Presence, Pressure, RingStats, SubscriberStats, SubscriberStatus, TopicStats, TopicSummary};
#[cfg(all(feature = "async", not(loom)))]
pub use subscriber::Events;
pub use subscriber::{Drain, Subscriber};
pub use taps::Taps;
pub use topic::{BridgeEngine, Bridged, Carries, TopicHandle, TopicPublisher};
pub use topic_subscriber::TopicSubscriber;
#[cfg(all(feature = "async", not(loom)))]
pub use wait::wait_any_async;
pub use wait::{Idle, WaitStrategy, wait_any};
#[doc(hidden)]
pub use wait::{WaitQueue, WaitSource};

#[doc(hidden)]
pub use event::Once;
#[doc(hidden)]
pub use ring::{Control, Record};
