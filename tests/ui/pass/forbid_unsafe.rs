//! A crate that forbids `unsafe` can still derive events and generate buses: the
//! generated `unsafe impl`s and blocks come from the macros, which rustc does not lint
//! (a shared topic's `SharedBus::open` included).
#![forbid(unsafe_code)]

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Ping {
    pub seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
pub enum Signal {
    Ping(Ping),
    Stop,
}

#[hardwire::bus]
pub mod net {
    use super::{Ping, Signal};

    #[topic(capacity = 8)]
    pub struct Control(Ping, Signal);

    /// Shared between processes (`SharedBus::open` carries an `unsafe` block of the macro's).
    #[topic(capacity = 8, scope = "shared")]
    pub struct Remote(Ping);
}

fn main() {
    let bus = net::Bus::new_boxed();
    bus.control().publisher().unwrap().publish(Signal::Stop);
    #[cfg(target_os = "linux")]
    let _open = net::SharedBus::open; // compiled, not called
}
