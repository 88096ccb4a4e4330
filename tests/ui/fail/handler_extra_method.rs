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
    pub struct MarketData(Trade, Quote);

    #[subscriber(MarketData(Trade))]
    pub trait TradeLog {}
}

struct Log;

impl market::TradeLog for Log {
    fn on_trade(&mut self, _trade: &Trade) {}
    fn on_quote(&mut self, _quote: &Quote) {}
}

fn main() {}
