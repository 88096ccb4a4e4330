use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Trade {
    pub ts: u64,
    pub price: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Quote {
    pub ts: u64,
    pub bid: f64,
}

#[hardwire::bus(topology = "schema-examples/market.toml")]
pub mod market {
    use super::Trade;

    #[topic(capacity = 64)]
    pub struct Extra(Trade);
}

fn main() {}
