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

    #[topic(capacity = 64)]
    pub struct MarketData(Trade);

    #[subscriber(MarketData)]
    pub trait Strategy {}

    #[subscriber(MarketData)]
    pub trait Logger {}
}

struct Log;

impl market::Logger for Log {
    fn on_trade(&mut self, _trade: &Trade) {}
}

fn main() {
    let bus = market::Bus::new();
    let mut strategy = bus.strategy().unwrap();
    strategy.poll(&mut Log);
}
