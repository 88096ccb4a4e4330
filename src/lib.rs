#![doc = include_str!("guide.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

pub use hardwire_runtime::*;

pub use hardwire_macros::{Event, FieldEnum, bus};

/// `#[hardwire::event_bus]` is [`macro@bus`] under the name the crate's brief uses:
/// `use hardwire::event_bus; #[event_bus] pub mod m { .. }` and
/// `#[event_bus(topology = "file.toml")]` generate exactly what `#[hardwire::bus]` does.
pub use hardwire_macros::bus as event_bus;

/// The runtime crate itself, for paths such as `hardwire::runtime::slot::Slot`.
pub use hardwire_runtime as runtime;

// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
