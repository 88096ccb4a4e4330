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

    #[topic(capacity = 64, overflow = "overwrite")]
    pub struct MarketData(Trade);
}

fn main() {
    let bus = market::Bus::new();
    let mut publisher = bus.market_data().publisher().unwrap();
    let _ = publisher.try_publish(Trade { ts: 1, price: 2.0 });
}
