//! Two processes, one topology (`schema-examples/bridged.toml`), bridged through real
//! engines: a feed process publishes quotes and trades on its generated bus; bridges pack
//! them into JetStream messages (`quotes`, `bridge = "nats"`) and Redis stream entries
//! (`trades`, `bridge = "redis"`); a desk process, started by the feed, receives them into
//! its own bus, where its `desk` subscriber checks every event arrived once and in order.
//!
//! ```text
//! scripts/bridge.sh example      # starts nats-server -js and redis-server, runs this
//! HARDWIRE_NATS_URL=nats://127.0.0.1:4222 HARDWIRE_REDIS_URL=redis://127.0.0.1:6379 \
//!     cargo run --release -p hardwire-bridge --features nats,redis --example bridged
//! ```
//!
//! The topology names each engine's default address; the environment overrides it, and
//! gives the credentials if the servers need them (`HARDWIRE_NATS_USER`/`_PASSWORD`,
//! `HARDWIRE_REDIS_PASSWORD`, …).

use std::time::{Duration, Instant};

use hardwire::Shutdown;
use hardwire_bridge::{BridgeError, Stats};

#[hardwire::bus(topology = "../schema-examples/bridged.toml")]
pub mod topology {}

use topology::{Bus, Quote, Trade};

/// Each process's bus: `static`, so the bridges' tasks can hold its handles.
static BUS: Bus = Bus::new();

const EVENTS: u64 = 1_000_000;

fn quote(seq: u64) -> Quote {
    Quote {
        seq,
        bid: 10_000 + (seq % 97) as u32,
        ask: 10_001 + (seq % 97) as u32,
        instrument: (seq % 16) as u32,
        size: 100,
    }
}

fn trade(seq: u64) -> Trade {
    Trade {
        seq,
        price: 10_000 + (seq % 89) as u32,
        qty: 1 + (seq % 9) as u32,
        instrument: (seq % 16) as u32,
        side: (seq % 2) as u32,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
}

/// The desk's handler: checks order and content, and stops the desk once all arrived.
struct Book<'s> {
    quotes: u64,
    trades: u64,
    done: &'s Shutdown,
}

impl Book<'_> {
    fn check_done(&self) {
        if self.quotes == EVENTS && self.trades == EVENTS {
            self.done.trigger();
        }
    }
}

impl topology::Desk for Book<'_> {
    fn on_quote(&mut self, q: &Quote) {
        assert_eq!(*q, quote(self.quotes), "quote {} arrived out of order or damaged", self.quotes);
        self.quotes += 1;
        self.check_done();
    }

    fn on_trade(&mut self, t: &Trade) {
        assert_eq!(*t, trade(self.trades), "trade {} arrived out of order or damaged", self.trades);
        self.trades += 1;
        self.check_done();
    }
}

/// The desk: receives both topics through their bridges and reads them with `desk`.
fn desk() {
    let rt = runtime();
    let stop: &'static Shutdown = Box::leak(Box::new(Shutdown::new()));
    let (quotes, trades) = (Stats::new(), Stats::new());
    // Declared bridged, so each bus describes its bridge: engine, address, declaration hash.
    let quotes_bridge = BUS.quotes().bridged().expect("quotes is bridged");
    let trades_bridge = BUS.trades().bridged().expect("trades is bridged");
    // The desk's subscriber is taken before events arrive (it is declared: nothing would be
    // lost anyway, its place waits for it from the start).
    let mut desk = BUS.desk().expect("the desk subscriber");
    // The receiving side's publishers, which give up the bridge readers' places here. Each
    // topic's engine, stream and address follow from its declaration (the environment may
    // override the address).
    let from_nats = {
        let publisher = BUS.quotes().bridge_publisher().expect("the quotes publisher");
        let stats = quotes.clone();
        rt.spawn(async move { hardwire_bridge::receive_lossless(&quotes_bridge, "desk", publisher, stats, stop).await })
    };
    let from_redis = {
        let publisher = BUS.trades().bridge_publisher().expect("the trades publisher");
        let stats = trades.clone();
        rt.spawn(async move { hardwire_bridge::receive_lossless(&trades_bridge, "desk", publisher, stats, stop).await })
    };
    let done = Shutdown::new();
    let mut book = Book { quotes: 0, trades: 0, done: &done };
    let watchdog = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        eprintln!("desk: not everything arrived in 120 s");
        std::process::exit(1);
    });
    desk.run(&mut book, &done); // until every quote and trade arrived
    drop(watchdog);
    // Let the last acknowledgements go out.
    std::thread::sleep(Duration::from_millis(200));
    stop.trigger();
    for task in [from_nats, from_redis] {
        rt.block_on(task).expect("a receiving task").expect("a receiving bridge");
    }
    println!(
        "desk: {} quotes and {} trades in order\n  quotes (JetStream): {}\n  trades (Redis):     {}",
        book.quotes,
        book.trades,
        quotes.snapshot(),
        trades.snapshot()
    );
}

/// The feed: starts the desk process, publishes `EVENTS` quotes and trades, waits for the
/// desk.
fn feed() {
    let rt = runtime();
    // The desk subscriber reads in the other process: here its place is given up, so it
    // does not hold the publishers back. The bridges' readers have places of their own,
    // reserved from the start: nothing published before they run is lost.
    BUS.desk().expect("the desk subscriber").leave();
    let stop: &'static Shutdown = Box::leak(Box::new(Shutdown::new()));
    let (quotes, trades) = (Stats::new(), Stats::new());
    let to_nats = {
        let bridged = BUS.quotes().bridged().expect("quotes is bridged");
        let reader = BUS.quotes().bridge_reader().expect("the quotes bridge reader");
        let stats = quotes.clone();
        rt.spawn(async move { hardwire_bridge::send(&bridged, reader, stats, stop).await })
    };
    let to_redis = {
        let bridged = BUS.trades().bridged().expect("trades is bridged");
        let reader = BUS.trades().bridge_reader().expect("the trades bridge reader");
        let stats = trades.clone();
        rt.spawn(async move { hardwire_bridge::send(&bridged, reader, stats, stop).await })
    };
    let mut desk = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg("--desk")
        .spawn()
        .expect("starting the desk process");
    let started = Instant::now();
    let trader = std::thread::spawn(|| {
        let mut trades = BUS.trades().publisher().expect("the trades publisher");
        (0..EVENTS).for_each(|seq| trades.publish(trade(seq)));
    });
    let mut publisher = BUS.quotes().publisher().expect("the quotes publisher");
    for seq in 0..EVENTS {
        publisher.publish(quote(seq)); // waits while the bridge (and so the desk) is behind
    }
    drop(publisher); // closes the topic: its bridge sends the rest and ends
    trader.join().expect("the trades thread");
    for task in [to_nats, to_redis] {
        rt.block_on(task).expect("a sending task").expect("a sending bridge");
    }
    let status = desk.wait().expect("the desk process");
    assert!(status.success(), "the desk process failed: {status}");
    let took = started.elapsed();
    println!(
        "feed: {EVENTS} quotes and {EVENTS} trades in {took:.2?} end to end, {:.2} M events/s\n  quotes (JetStream): {}\n  trades (Redis):     {}",
        2.0 * EVENTS as f64 / took.as_secs_f64() / 1e6,
        quotes.snapshot(),
        trades.snapshot()
    );
}

fn main() -> Result<(), BridgeError> {
    if std::env::args().nth(1).as_deref() == Some("--desk") {
        desk();
    } else {
        feed();
    }
    Ok(())
}
