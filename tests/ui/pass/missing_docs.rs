//! A crate that denies missing docs can generate buses: every generated public item is
//! documented (here from both forms, with documented declarations).
#![deny(missing_docs)]

/// A documented event.
#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Ping {
    /// Its sequence.
    pub seq: u64,
}

/// A documented enum event.
#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
pub enum Signal {
    /// A ping.
    Ping(Ping),
    /// Stop.
    Stop,
}

/// The network bus.
#[hardwire::bus]
pub mod net {
    use super::{Ping, Signal};

    /// Control messages.
    #[topic(capacity = 8, overflow = "backpressure", producers = "multi")]
    pub struct Control(Ping, Signal);

    /// Forwarded pings.
    #[topic(capacity = 4)]
    pub struct Forwarded(Ping);

    /// Immediate pings.
    #[topic(delivery = "inline")]
    pub struct Now(Ping);

    /// Reads control messages and forwards pings.
    #[subscriber(Control, publishes = [Forwarded])]
    pub trait Relay {}

    /// Hears immediate pings.
    #[subscriber(Now)]
    pub trait Listener {}
}

/// The market bus, from its topology file.
#[hardwire::bus(topology = "schema-examples/market.toml")]
pub mod market {}

/// The robot bus, from its topology file.
#[hardwire::bus(topology = "schema-examples/robot.toml")]
pub mod robot {}

fn main() {}
