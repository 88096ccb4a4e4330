//! hardwire: a compile-time wired event bus.
//!
//! This facade re-exports [`hardwire_runtime`]: seqlock rings, publishers, subscribers,
//! wait strategies and stats. The macros that generate whole buses from a Rust or TOML
//! topology (`#[derive(Event)]`, `#[hardwire::bus]`) are not written yet; see the README.
//!
//! ```
//! use hardwire::{Backpressure, Ring};
//!
//! let ring = Ring::<u64, 256, Backpressure>::new();
//! let mut subscriber = ring.subscribe().unwrap();
//! let mut publisher = ring.publisher().unwrap();
//! publisher.publish(7);
//! assert_eq!(subscriber.try_recv(), Ok(7));
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

pub use hardwire_runtime::*;

pub use hardwire_macros::{Event, bus};

/// The runtime crate itself, for paths such as `hardwire::runtime::slot::Slot`.
pub use hardwire_runtime as runtime;

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
