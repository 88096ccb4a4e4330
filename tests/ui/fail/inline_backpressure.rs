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
pub mod game {
    use super::Trade;

    #[topic(delivery = "inline", overflow = "backpressure")]
    pub struct Frame(Trade);
}

fn main() {}
