//! A crate that forbids `unsafe` can still derive events and generate buses: the
//! generated `unsafe impl`s come from the macros, which rustc does not lint.
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
}

fn main() {
    let bus = net::Bus::new_boxed();
    bus.control().publisher().unwrap().publish(Signal::Stop);
}
