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

#[hardwire::bus]
pub mod market {
    use super::Trade;

    #[topic(capacity = 64, producers = "single")]
    pub struct MarketData(Trade);
}

fn main() {
    let bus = market::Bus::new();
    let publisher = bus.market_data().publisher().unwrap();
    let _second = publisher.clone();
}
