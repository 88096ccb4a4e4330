//! Two processes, one ring: a feed process publishes ticks into a shared-memory segment and
//! a strategy process (this same binary, started by the feed) reads them, losslessly; then
//! the two play ping-pong through a pair of rings to show the round trip between processes.
//!
//! ```text
//! cargo run --release --features shm --example processes
//! ```
//!
//! The strategy is a *declared* subscriber (the layout reserves its record), so the feed may
//! start publishing before the strategy process exists: nothing is lost, the feed waits when
//! the strategy is a full ring behind. Kill the strategy mid-run and start it again, and it
//! resumes where it stopped.

use std::process::{Command, ExitCode};
use std::time::Instant;

use hardwire::shm::{Segment, SegmentLayout};
use hardwire::{Backpressure, Event, Ring, WaitStrategy};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub seq: u64,
    pub price: f64,
    pub qty: u32,
    pub side: u32,
}

/// Ticks: lossless, one declared subscriber (the strategy, record 0).
type Ticks = Ring<Tick, 4096, Backpressure, 2>;
/// Ping and pong: one word each way.
type Pings = Ring<u64, 64, Backpressure, 1>;

const TICKS: u64 = 5_000_000;
const ROUND_TRIPS: usize = 50_000;

fn layout() -> SegmentLayout {
    // Both processes build the same layout from the same types; attaching checks it.
    SegmentLayout::new(0x7ade_f00d).ring::<Ticks>("ticks", 1).ring::<Pings>("ping", 1).ring::<Pings>("pong", 1)
}

fn main() -> ExitCode {
    let name = format!("processes-example-{}", std::process::id());
    match std::env::args().nth(1).as_deref() {
        Some("strategy") => strategy(&std::env::args().nth(2).expect("segment name")),
        _ => feed(&name),
    }
}

fn price(seq: u64) -> f64 {
    100.0 + (seq % 1000) as f64 * 0.01
}

/// Creates the segment, starts the strategy process, publishes, then answers pings.
fn feed(name: &str) -> ExitCode {
    let segment = Segment::create(name, &layout()).expect("create the segment");
    let ticks = segment.ring::<Ticks>(0).unwrap();
    let mut publisher = ticks.publisher().unwrap();
    let strategy = Command::new(std::env::current_exe().unwrap())
        .args(["strategy", name])
        .spawn()
        .expect("start the strategy process");

    let started = Instant::now();
    for seq in 0..TICKS {
        publisher.publish(Tick { seq, price: price(seq), qty: 1 + (seq % 7) as u32, side: (seq % 2) as u32 });
    }
    drop(publisher); // closes the ring: the strategy drains it and moves on
    let elapsed = started.elapsed();
    println!(
        "feed: published {TICKS} ticks in {:.0} ms ({:.1} M ticks/s across processes)",
        elapsed.as_secs_f64() * 1e3,
        TICKS as f64 / elapsed.as_secs_f64() / 1e6
    );

    // Ping-pong: the strategy pings, the feed answers.
    let mut pings = segment.ring::<Pings>(1).unwrap().resume(0).unwrap();
    pings.set_wait_strategy(WaitStrategy::BusySpin);
    let mut pong = segment.ring::<Pings>(2).unwrap().publisher().unwrap();
    while let Ok(n) = pings.recv() {
        pong.publish(n);
    }
    drop(pong);
    let mut strategy = strategy;
    let status = strategy.wait().expect("wait for the strategy");
    if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Attaches, reads every tick (checking it), then measures round trips.
fn strategy(name: &str) -> ExitCode {
    let segment = Segment::attach(name, &layout()).expect("attach to the feed's segment");
    let mut ticks = segment.ring::<Ticks>(0).unwrap().resume(0).unwrap();
    ticks.set_wait_strategy(WaitStrategy::BusySpin);
    let (mut count, mut notional) = (0u64, 0.0f64);
    while let Ok(tick) = ticks.recv() {
        assert_eq!(tick.seq, count, "a tick was lost or reordered");
        assert_eq!(tick.price, price(tick.seq));
        notional += tick.price * f64::from(tick.qty);
        count += 1;
    }
    println!("strategy: received {count} ticks in order, notional {notional:.2}");

    let mut ping = segment.ring::<Pings>(1).unwrap().publisher().unwrap();
    let mut pongs = segment.ring::<Pings>(2).unwrap().resume(0).unwrap();
    pongs.set_wait_strategy(WaitStrategy::BusySpin);
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for n in 0..ROUND_TRIPS as u64 {
        let sent = Instant::now();
        ping.publish(n);
        assert_eq!(pongs.recv(), Ok(n));
        samples.push(sent.elapsed());
    }
    drop(ping);
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!("strategy: {ROUND_TRIPS} round trips between the processes, p50 {:?}, p99 {:?}", at(0.5), at(0.99));
    if count == TICKS { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
