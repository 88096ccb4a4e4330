//! `#[event_bus]`, the crate brief's name, is `#[hardwire::bus]`: both forms, both spellings.
use hardwire::{Event, event_bus};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Ping {
    pub n: u64,
}

#[event_bus]
pub mod pings {
    use super::Ping;

    #[topic(capacity = 8)]
    pub struct Pings(Ping);

    #[subscriber(Pings)]
    pub trait Pong {}
}

#[event_bus(topology = "schema-examples/market.toml")]
pub mod market {}

#[hardwire::event_bus]
pub mod spelled_out {
    use super::Ping;

    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct Pings(Ping);

    #[subscriber(Pings)]
    pub trait Pong {}
}

struct Count(u64);

impl pings::Pong for Count {
    fn on_ping(&mut self, ping: &Ping) {
        self.0 += ping.n;
    }
}

fn main() {
    let bus = pings::Bus::new();
    let mut pong = bus.pong().unwrap();
    bus.pings().publisher().unwrap().publish(Ping { n: 2 });
    let mut count = Count(0);
    pong.poll(&mut count);
    assert_eq!(count.0, 2);
    assert_eq!(market::Topic::ALL.len(), 2);
    assert!(spelled_out::Bus::MEMORY_BYTES > 0);
}
