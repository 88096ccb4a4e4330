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
    use super::{Quote, Trade};

    #[topic(capacity = 64)]
    pub struct Trades(Trade);

    #[topic(capacity = 64)]
    pub struct Quotes(Quote);
}

fn main() {
    let bus = market::Bus::new();
    let mut trades = bus.trades().publisher().unwrap();
    trades.publish(Quote { ts: 1, bid: 2.0 });
}
