//! Market-data fan-out, generated from `schema-examples/market.toml`:
//!
//! * `market_data` (overwrite, lossy, one producer): a feed thread publishes quotes and
//!   trades as fast as it can; two strategies and a trade log read it on their own threads.
//!   A reader that falls a lap behind loses the oldest events and is told exactly how many.
//! * `orders` (backpressure, lossless, several producers): both strategies are *stages*: they
//!   subscribe to the feed and publish orders, which a gateway receives, every one, in order
//!   per strategy.
//!
//! ```text
//! cargo run --release --example market
//! ```

use std::thread;
use std::time::Instant;

use hardwire::Shutdown;

#[hardwire::bus(topology = "schema-examples/market.toml")]
pub mod market {}

use market::{Order, Quote, Trade};

/// Events the feed publishes: about one trade per four quotes.
const FEED_EVENTS: u64 = 4_000_000;
/// The feed yields its core this often, the way a real feed waits on its socket.
const FEED_BURST: u64 = 2048;

static BUS: market::Bus = market::Bus::new();
static STOP: Shutdown = Shutdown::new();

/// Buys when a trade prints above the moving average by more than a threshold, sells below.
struct Momentum {
    average: f64,
    next_id: u64,
    lagged: u64,
}

impl market::Momentum for Momentum {
    fn on_trade(&mut self, trade: &Trade, out: &mut market::momentum::Outputs<'_>) {
        let (average, price) = (self.average, trade.price);
        self.average = if average == 0.0 { price } else { average * 0.99 + price * 0.01 };
        if (price - average).abs() > 2.0 && average != 0.0 {
            let side = u32::from(price < average);
            out.orders.publish(Order { id: self.next_id * 2, price, qty: 10, side });
            self.next_id += 1;
        }
    }

    fn on_quote(&mut self, _: &Quote, _: &mut market::momentum::Outputs<'_>) {}

    fn on_lagged(&mut self, _: market::Topic, missed: u64) {
        self.lagged += missed;
    }
}

/// Fades a mid price that strays from its slow average.
struct MeanReversion {
    average: f64,
    next_id: u64,
    lagged: u64,
}

impl market::MeanReversion for MeanReversion {
    fn on_trade(&mut self, _: &Trade, _: &mut market::mean_reversion::Outputs<'_>) {}

    fn on_quote(&mut self, quote: &Quote, out: &mut market::mean_reversion::Outputs<'_>) {
        let mid = (quote.bid + quote.ask) / 2.0;
        let average = self.average;
        self.average = if average == 0.0 { mid } else { average * 0.999 + mid * 0.001 };
        if (mid - average).abs() > 4.0 && average != 0.0 {
            let (side, price) = if mid > average { (1, quote.bid) } else { (0, quote.ask) };
            out.orders.publish(Order { id: self.next_id * 2 + 1, price, qty: quote.bid_size.min(100), side });
            self.next_id += 1;
        }
    }

    fn on_lagged(&mut self, _: market::Topic, missed: u64) {
        self.lagged += missed;
    }
}

/// Subscribed to `Trade` only: quotes never reach it (`events = ["Trade"]` in the TOML).
#[derive(Default)]
struct TradeLog {
    trades: u64,
    volume: u64,
    lagged: u64,
}

impl market::TradeLog for TradeLog {
    fn on_trade(&mut self, trade: &Trade) {
        self.trades += 1;
        self.volume += u64::from(trade.qty);
    }

    fn on_lagged(&mut self, _: market::Topic, missed: u64) {
        self.lagged += missed;
    }
}

/// Receives every order. Momentum's ids are `2n`, mean reversion's `2n + 1`, so each
/// strategy's orders must arrive with consecutive `n`.
#[derive(Default)]
struct Gateway {
    next: [u64; 2],
    orders: u64,
    notional: f64,
}

impl market::Gateway for Gateway {
    fn on_order(&mut self, order: &Order) {
        let strategy = (order.id & 1) as usize;
        assert_eq!(order.id >> 1, self.next[strategy], "the orders topic is lossless and ordered per producer");
        self.next[strategy] += 1;
        self.orders += 1;
        self.notional += order.price * f64::from(order.qty);
    }
}

fn main() {
    println!(
        "market: {} topics, {} bytes of rings in a static (Bus::MEMORY_BYTES)",
        market::Topic::ALL.len(),
        market::Bus::MEMORY_BYTES
    );
    let started = Instant::now();
    thread::scope(|scope| {
        // Take every subscriber before the feed starts, so each one sees the whole stream.
        let mut momentum = BUS.momentum().expect("taken once");
        let mut mean_reversion = BUS.mean_reversion().expect("taken once");
        let mut trade_log = BUS.trade_log().expect("taken once");
        let mut gateway = BUS.gateway().expect("taken once");

        // `run` returns once every topic the subscriber reads has closed and been drained;
        // a stage's order publisher drops with its handle, and `orders` closes after both.
        let momentum = scope.spawn(move || {
            let mut strategy = Momentum { average: 0.0, next_id: 0, lagged: 0 };
            momentum.run(&mut strategy, &STOP);
            (strategy.next_id, strategy.lagged, momentum.stats())
        });
        let mean_reversion = scope.spawn(move || {
            let mut strategy = MeanReversion { average: 0.0, next_id: 0, lagged: 0 };
            mean_reversion.run(&mut strategy, &STOP);
            (strategy.next_id, strategy.lagged, mean_reversion.stats())
        });
        let trade_log = scope.spawn(move || {
            let mut log = TradeLog::default();
            trade_log.run(&mut log, &STOP);
            (log, trade_log.stats())
        });
        let gateway = scope.spawn(move || {
            let mut gate = Gateway::default();
            gateway.run(&mut gate, &STOP);
            (gate, gateway.stats())
        });

        let mut feed = BUS.market_data().publisher().expect("the feed is the single producer");
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut price = 100.0f64;
        for ts in 0..FEED_EVENTS {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            price += ((rng % 201) as f64 - 100.0) / 1000.0;
            if rng % 4 == 0 {
                feed.publish(Trade { ts, price, qty: (rng >> 32) as u32 % 500 + 1, side: (rng >> 8) as u32 & 1 });
            } else {
                let spread = 0.01 * ((rng >> 16) % 5 + 1) as f64;
                let size = (rng >> 40) as u32 % 1000 + 1;
                feed.publish(Quote { ts, bid: price - spread, ask: price + spread, bid_size: size, ask_size: size });
            }
            if ts % FEED_BURST == FEED_BURST - 1 {
                thread::yield_now();
            }
        }
        let feed_time = started.elapsed();
        drop(feed); // closes market_data: the readers drain it, then their `run` returns

        let (momentum_orders, momentum_lag, momentum_stats) = momentum.join().unwrap();
        let (reversion_orders, reversion_lag, reversion_stats) = mean_reversion.join().unwrap();
        let (log, log_stats) = trade_log.join().unwrap();
        let (gate, gateway_stats) = gateway.join().unwrap();
        let elapsed = started.elapsed();

        let rate = FEED_EVENTS as f64 / feed_time.as_secs_f64() / 1e6;
        println!("feed: {FEED_EVENTS} events in {feed_time:.2?} ({rate:.1} M events/s); all done in {elapsed:.2?}");
        println!(
            "  momentum        read {:>9}, lost {:>9} to overwrite, placed {momentum_orders} orders",
            momentum_stats.received, momentum_lag
        );
        println!(
            "  mean_reversion  read {:>9}, lost {:>9} to overwrite, placed {reversion_orders} orders",
            reversion_stats.received, reversion_lag
        );
        println!(
            "  trade_log       read {:>9}, lost {:>9} to overwrite; {} trades, volume {}",
            log_stats.received, log.lagged, log.trades, log.volume
        );
        println!(
            "  gateway         {} orders, every one, in order per strategy; notional {:.0}",
            gate.orders, gate.notional
        );
        // Every handle is dropped now (each thread's closure returned), which stored its final
        // counters in the bus: `stats()` agrees with the numbers above, event for event.
        let bus = BUS.stats();
        println!("bus.stats() after every handle was dropped:\n{bus}");
        println!(
            "  (pending: events published and not yet read; pressure: how full the ring is for its\n   \
             slowest subscriber, 100% on a lossless topic meaning its publishers wait)"
        );
        let by_name = |name| bus.market_data.subscribers.iter().find(|(n, _)| *n == name).map(|(_, s)| *s).unwrap();
        for (name, stats) in
            [("momentum", momentum_stats), ("mean_reversion", reversion_stats), ("trade_log", log_stats)]
        {
            assert_eq!((by_name(name).stats.received, by_name(name).stats.lagged), (stats.received, stats.lagged));
            assert_eq!(by_name(name).pending, 0);
        }
        assert_eq!(bus.orders.ring.published, gate.orders);
        assert_eq!(bus.orders.subscribers[0].1.stats.received, gate.orders);

        // Exact accounting: on the lossy topic every event was either read or reported lost.
        for stats in [momentum_stats, reversion_stats, log_stats] {
            assert_eq!(stats.received + stats.lagged, FEED_EVENTS);
        }
        assert_eq!(
            (momentum_stats.lagged, reversion_stats.lagged, log_stats.lagged),
            (momentum_lag, reversion_lag, log.lagged)
        );
        // And the lossless one lost nothing.
        assert_eq!(gate.orders, momentum_orders + reversion_orders);
        assert_eq!(gateway_stats.received, gate.orders);
    });
}
