//! Two processes, one topology (`schema-examples/processes.toml`): a feed process publishes
//! ticks to a `scope = "shared"` topic and a strategy process (this same binary, started by
//! the feed) reads them through its generated subscriber, losslessly; then the strategy
//! pings and the feed answers, to show the round trip between processes.
//!
//! ```text
//! cargo run --release --features shm --example processes
//! ```
//!
//! The strategy is a declared subscriber, so the ticks topic holds the feed back from the
//! segment's creation: the feed may start publishing before the strategy process exists,
//! nothing is lost, and the feed waits whenever the strategy is a full ring behind. While
//! it runs, `hardwire stats processes-example-PID` shows the topics' counters.

use std::process::{Command, ExitCode};
use std::time::Instant;

use hardwire::{Shutdown, WaitStrategy};

#[hardwire::bus(topology = "schema-examples/processes.toml")]
pub mod desk {}

use desk::{Ping, SharedBus, Tick};

const TICKS: u64 = 5_000_000;
const ROUND_TRIPS: u64 = 50_000;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("strategy") => strategy(&std::env::args().nth(2).expect("segment name")),
        _ => feed(&format!("processes-example-{}", std::process::id())),
    }
}

fn price(seq: u64) -> f64 {
    100.0 + (seq % 1000) as f64 * 0.01
}

/// Opens the bus (creating its segment), starts the strategy process, publishes, then
/// answers pings.
fn feed(name: &str) -> ExitCode {
    let bus = SharedBus::open(name).expect("open the bus's shared segment");
    let mut ticks = bus.ticks_publisher().unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let mut strategy = Command::new(std::env::current_exe().unwrap())
        .args(["strategy", name])
        .spawn()
        .expect("start the strategy process");

    let started = Instant::now();
    for seq in 0..TICKS {
        ticks.publish(Tick { seq, price: price(seq), qty: 1 + (seq % 7) as u32, side: (seq % 2) as u32 });
    }
    drop(ticks); // closes the topic: the strategy drains it and moves on
    let elapsed = started.elapsed();
    println!(
        "feed: published {TICKS} ticks in {:.0} ms ({:.1} M ticks/s to the other process)",
        elapsed.as_secs_f64() * 1e3,
        TICKS as f64 / elapsed.as_secs_f64() / 1e6
    );

    let mut echo = bus.echo().unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let mut pongs = bus.pongs_publisher().unwrap();
    while let Ok(desk::Pings::Ping(ping)) = echo.recv_pings() {
        pongs.publish(ping);
    }
    drop(pongs);
    let status = strategy.wait().expect("wait for the strategy");
    if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The strategy's handler: checks and sums every tick.
#[derive(Default)]
struct Book {
    count: u64,
    notional: f64,
}

impl desk::Strategy for Book {
    fn on_tick(&mut self, tick: &Tick) {
        assert_eq!(tick.seq, self.count, "a tick was lost or reordered");
        assert_eq!(tick.price, price(tick.seq));
        self.notional += tick.price * f64::from(tick.qty);
        self.count += 1;
    }
}

/// Attaches to the feed's bus, reads every tick, then measures round trips.
fn strategy(name: &str) -> ExitCode {
    let bus = SharedBus::open(name).expect("attach to the feed's bus");
    let mut strategy = bus.strategy().unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let mut book = Book::default();
    strategy.run(&mut book, &Shutdown::new()); // until the feed closes the topic
    println!("strategy: received {} ticks in order, notional {:.2}", book.count, book.notional);

    let mut pings = bus.pings_publisher().unwrap();
    let mut pinger = bus.pinger().unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let mut samples = Vec::with_capacity(ROUND_TRIPS as usize);
    for n in 0..ROUND_TRIPS {
        let sent = Instant::now();
        pings.publish(Ping { n });
        let Ok(desk::Pongs::Ping(pong)) = pinger.recv_pongs() else { panic!("the feed stopped answering") };
        assert_eq!(pong.n, n);
        samples.push(sent.elapsed());
    }
    drop(pings);
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!("strategy: {ROUND_TRIPS} round trips between the processes, p50 {:?}, p99 {:?}", at(0.5), at(0.99));
    if book.count == TICKS { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
