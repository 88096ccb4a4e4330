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

    #[topic(delivery = "inline")]
    pub struct Frame(Trade);

    #[topic(capacity = 64)]
    pub struct Out(Trade);

    #[subscriber(Frame, publishes = [Out])]
    pub trait Stage {}
}

fn main() {}
