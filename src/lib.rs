//! hardwire: a compile-time wired event bus.
//!
//! Declare events, topics and subscribers once, in Rust or in a TOML file, and
//! [`#[hardwire::bus]`](bus) generates the bus: one seqlock ring per topic, publishers that
//! accept exactly their topic's events, one handler trait per subscriber, dispatched by
//! direct calls. [`#[derive(Event)]`](derive@Event) makes a `#[repr(C)]` plain-data struct or
//! an enum an event. The README's quick start shows both forms; every diagnostic the macros
//! produce is listed in `hardwire_codegen::diagnostics`.
//!
//! This facade also re-exports [`hardwire_runtime`], the primitives generated buses are
//! built from, usable on their own:
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
#![deny(missing_docs)]

pub use hardwire_runtime::*;

pub use hardwire_macros::{Event, bus};

/// The runtime crate itself, for paths such as `hardwire::runtime::slot::Slot`.
pub use hardwire_runtime as runtime;

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
