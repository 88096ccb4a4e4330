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

/// Topics may be named like the generated handles' own fields and locals (`state`,
/// `readers`, `claims`, `outputs`, `bus`'s `taken` and `taps`): none of them collides.
#[hardwire::bus]
pub mod awkward_names {
    use super::Trade;

    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct State(Trade);

    #[topic(capacity = 8)]
    pub struct Readers(Trade);

    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct Claims(Trade);

    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct Outputs(Trade);

    #[topic(capacity = 8)]
    pub struct Taken(Trade);

    #[topic(capacity = 8)]
    pub struct Taps(Trade);

    #[subscriber(State, Readers, Taken, Taps, publishes = [Claims, Outputs])]
    pub trait Stage {}

    #[subscriber(Claims, Outputs)]
    pub trait Sink {}
}

#[test]
fn topics_named_like_generated_fields() {
    struct Forward;
    impl awkward_names::Stage for Forward {
        fn on_trade(&mut self, trade: &Trade, out: &mut awkward_names::stage::Outputs) {
            out.claims.publish(*trade);
            out.outputs.publish(*trade);
        }
    }
    struct Count(u64);
    impl awkward_names::Sink for Count {
        fn on_trade(&mut self, _: &Trade) {
            self.0 += 1;
        }
    }
    let bus = awkward_names::Bus::new_boxed();
    let (mut stage, mut sink) = (bus.stage().unwrap(), bus.sink().unwrap());
    let trade = Trade { ts: 1, price: 2.0, qty: 3, side: 0 };
    let mut state = bus.state().publisher().unwrap();
    let mut taps = bus.taps().publisher().unwrap();
    state.publish(trade);
    taps.publish(trade);
    assert_eq!(stage.poll(&mut Forward), 2);
    let mut count = Count(0);
    assert_eq!(sink.poll(&mut count), 4);
    assert_eq!(count.0, 4);
    stage.leave();
    assert!(matches!(bus.stage(), Err(hardwire::TakeError::Left { .. })));
}
