use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Trade {
    pub ts: u64,
    pub price: f64,
}

#[hardwire::bus(nats = "http://127.0.0.1:4222")]
pub mod market {
    use super::Trade;

    /// An engine hardwire has no bridge for.
    #[topic(capacity = 64, bridge = "kafka")]
    pub struct MarketData(Trade);

    /// NATS is declared, with an address NATS cannot be reached at.
    #[topic(capacity = 64, bridge = "nats")]
    pub struct Orders(Trade);

    /// Redis is not declared.
    #[topic(capacity = 64, bridge = "redis")]
    pub struct Fills(Trade);

    /// An inline topic has no ring for the bridge to drain.
    #[topic(delivery = "inline", bridge = "nats")]
    pub struct Alerts(Trade);
}


#[hardwire::bus(nats = "nats://10.0.0.1:4222", nats = "nats://10.0.0.2:4222")]
pub mod twice {
    use super::Trade;

    #[topic(capacity = 64, bridge = "nats")]
    pub struct Orders(Trade);
}

fn main() {}
