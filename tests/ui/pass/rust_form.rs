//! The SPEC's Rust form, used end to end on one thread.
use hardwire::Event;

#[derive(Event, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Trade {
    pub ts: u64,
    pub price: f64,
    pub qty: u32,
    pub side: u32,
}

#[derive(Event, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Quote {
    pub ts: u64,
    pub bid: f64,
    pub ask: f64,
}

#[hardwire::bus]
pub mod market {
    use super::{Quote, Trade};

    /// The exchange feed.
    #[topic(capacity = 4096, overflow = "overwrite")]
    pub struct MarketData(Trade, Quote);

    /// Declared as a trait: the macro fills in one method per subscribed event.
    #[subscriber(MarketData)]
    pub trait Strategy {}

    #[subscriber(MarketData(Trade))]
    pub trait TradeLog {}
}

static BUS: market::Bus = market::Bus::new();

#[derive(Default)]
struct Counts {
    trades: u32,
    quotes: u32,
}

impl market::Strategy for Counts {
    fn on_trade(&mut self, _: &Trade) {
        self.trades += 1;
    }
    fn on_quote(&mut self, _: &Quote) {
        self.quotes += 1;
    }
}

impl market::TradeLog for Counts {
    fn on_trade(&mut self, _: &Trade) {
        self.trades += 1;
    }
}

fn main() {
    let mut strategy = BUS.strategy().unwrap();
    let mut log = BUS.trade_log().unwrap();
    assert!(BUS.strategy().is_err(), "taken once");
    let mut publisher = BUS.market_data().publisher().unwrap();
    assert!(BUS.market_data().publisher().is_err(), "single producer");
    publisher.publish(Trade { ts: 1, price: 10.0, qty: 5, side: 0 });
    publisher.publish(Quote { ts: 2, bid: 9.9, ask: 10.1 });
    publisher.publish(market::MarketData::Trade(Trade { ts: 3, price: 10.0, qty: 1, side: 1 }));
    let (mut a, mut b) = (Counts::default(), Counts::default());
    assert_eq!(strategy.poll(&mut a), 3);
    assert_eq!((a.trades, a.quotes), (2, 1));
    assert_eq!(log.poll(&mut b), 3, "the trade log consumes quotes without handling them");
    assert_eq!((b.trades, b.quotes), (2, 0));
    let stats = BUS.stats();
    assert_eq!(stats.market_data.ring.published, 3);
    let line = stats.to_string();
    assert!(line.starts_with("market_data: capacity 4096 (overwrite), published 3"), "{line}");
    assert!(market::Bus::MEMORY_BYTES >= 4096 * 32);
    assert_eq!(market::Topic::ALL.map(market::Topic::name), ["market_data"]);
}
