use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Trade {
    pub ts: u64,
    pub price: f64,
}

#[hardwire::bus]
pub mod market {
    use super::Trade;

    /// A misspelt scope.
    #[topic(capacity = 64, scope = "shard")]
    pub struct MarketData(Trade);

    /// An inline topic has no ring to share.
    #[topic(delivery = "inline", scope = "shared")]
    pub struct Alerts(Trade);
}

fn main() {}
