use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Trade {
    pub ts: u64,
    pub price: f64,
    pub qty: u32,
    pub side: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Quote {
    pub ts: u64,
    pub bid: f64,
    pub ask: f64,
}

#[hardwire::bus]
pub mod market {
    use super::{Quote, Trade};

    #[topic(capacity = 64, overflow = "overwrite")]
    pub struct MarketData(Trade, Quote);

    #[subscriber(MarketData)]
    pub trait Strategy {}

    #[subscriber(MarketData(Trade))]
    pub trait TradeLog {}
}

#[test]
fn smoke() {
    struct S(u32);
    impl market::Strategy for S {
        fn on_trade(&mut self, _: &Trade) {
            self.0 += 1
        }
        fn on_quote(&mut self, _: &Quote) {
            self.0 += 10
        }
    }
    let bus = market::Bus::new();
    let mut sub = bus.strategy().unwrap();
    let mut publisher = bus.market_data().publisher().unwrap();
    publisher.publish(Trade { ts: 1, price: 2.0, qty: 3, side: 0 });
    publisher.publish(Quote { ts: 1, bid: 2.0, ask: 3.0 });
    let mut s = S(0);
    assert_eq!(sub.poll(&mut s), 2);
    assert_eq!(s.0, 11);
}
