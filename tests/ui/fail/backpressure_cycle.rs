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
pub mod pipeline {
    use super::Trade;

    #[topic(capacity = 64, overflow = "backpressure")]
    pub struct Raw(Trade);

    #[topic(capacity = 64, overflow = "backpressure")]
    pub struct Clean(Trade);

    #[subscriber(Raw, publishes = [Clean])]
    pub trait Filter {}

    #[subscriber(Clean, publishes = [Raw])]
    pub trait Echo {}
}

fn main() {}
