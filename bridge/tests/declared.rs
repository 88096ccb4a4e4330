//! Topics declared bridged in a generated bus, carried by `send` / `receive_lossy`, which
//! pick the engine and the way from the declaration, against real servers: a lossy topic
//! over a core NATS subject and over a capped Redis stream. (The lossless helpers run in
//! the `bridged` example, which `.ci/run` runs.)
//!
//! One test in this binary: it points the declared addresses at the test's servers through
//! the environment, as an operator would.

#![cfg(all(feature = "nats", feature = "redis"))]

mod support;

use std::time::{Duration, Instant};

use hardwire::{Event, Shutdown};
use hardwire_bridge::{Bridged, Stats};
use support::servers::Server;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub seq: u64,
    pub check: u64,
}

#[hardwire::bus(nats = "nats://127.0.0.1:1", redis = "redis://127.0.0.1:1")]
pub mod wire {
    use super::Tick;

    /// Lossy, over a core NATS subject.
    #[topic(capacity = 4096, bridge = "nats")]
    pub struct OverNats(Tick);

    /// Lossy, over a capped Redis stream.
    #[topic(capacity = 4096, bridge = "redis")]
    pub struct OverRedis(Tick);

    #[subscriber(OverNats, OverRedis)]
    pub trait Screen {}
}

/// The sending process's bus and the receiving process's, in one test process.
static SENDER: wire::Bus = wire::Bus::new();
static RECEIVER: wire::Bus = wire::Bus::new();

fn tick(seq: u64) -> Tick {
    Tick { seq, check: seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) }
}

/// Counts what the receiving bus's `screen` subscriber is given, checking order.
#[derive(Default)]
struct Count {
    got: u64,
    last: Option<u64>,
}

impl Count {
    fn take(&mut self, t: &Tick) {
        assert_eq!(*t, tick(t.seq), "a damaged event");
        assert!(self.last.is_none_or(|last| t.seq > last), "out of order: {} after {:?}", t.seq, self.last);
        self.last = Some(t.seq);
        self.got += 1;
    }
}

impl wire::Screen for Count {
    fn on_tick(&mut self, t: &Tick) {
        self.take(t);
    }
}

const COUNT: u64 = 100_000;

/// Sends `COUNT` events on one topic of `SENDER` and receives them in `RECEIVER`, through
/// the bridge its declaration names; returns (delivered to `screen`, counted lost).
fn carry(
    rt: &tokio::runtime::Runtime,
    bridged: Bridged,
    receiving: hardwire::Publisher<&'static wire::over_nats::Ring>,
    sending: hardwire::Subscriber<&'static wire::over_nats::Ring>,
    mut publish: impl FnMut(Tick),
    screen: &mut wire::screen::Subscriber<'static>,
) -> (u64, u64) {
    let stop: &'static Shutdown = Box::leak(Box::new(Shutdown::new()));
    let (sent, received) = (Stats::new(), Stats::new());
    let receiver = {
        let received = received.clone();
        rt.spawn(async move { hardwire_bridge::receive_lossy(&bridged, receiving, received, stop).await })
    };
    std::thread::sleep(Duration::from_millis(300)); // listening before anything is sent
    let sender = {
        let sent = sent.clone();
        rt.spawn(async move { hardwire_bridge::send(&bridged, sending, sent, stop).await })
    };
    let lagged_before = screen.stats().lagged;
    let mut count = Count::default();
    std::thread::scope(|scope| {
        // The receiving process's subscriber reads while events flow.
        let reading = scope.spawn(|| {
            // Until the receiver accounted for every event and the subscriber for every one
            // delivered: the receiver counts a frame before its events are in the ring.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let stats = received.snapshot();
                let lapped = screen.stats().lagged - lagged_before;
                let done = stats.events + stats.lagged == COUNT && count.got + lapped == stats.events;
                if done || Instant::now() > deadline {
                    break;
                }
                if screen.poll(&mut count) == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        });
        for seq in 0..COUNT {
            publish(tick(seq));
            if seq % 1024 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        reading.join().unwrap();
    });
    let lapped = screen.stats().lagged - lagged_before;
    stop.trigger();
    rt.block_on(sender).unwrap().expect("the sending bridge");
    rt.block_on(receiver).unwrap().expect("the receiving bridge");
    let (sent, received) = (sent.snapshot(), received.snapshot());
    eprintln!("{}: sent {sent}\n  received {received}\n  screen {} taken, {lapped} lapped", bridged.topic, count.got);
    assert_eq!(sent.events + sent.lagged, COUNT, "the sender accounts for every event");
    assert_eq!(received.events + received.lagged, COUNT, "the receiver accounts for every event");
    assert_eq!(received.rejected, 0);
    assert_eq!(count.got + lapped, received.events, "the receiving subscriber accounts for every delivered event");
    (count.got, received.lagged + lapped)
}

#[test]
fn declared_lossy_topics_cross_through_their_engines() {
    let (Some(nats), Some(redis)) = (Server::nats(&[]), Server::redis(&[])) else { return };
    // SAFETY: the only test of this binary, before any other thread exists (the tokio
    // runtime is built after), so nothing reads the environment concurrently.
    unsafe {
        std::env::set_var("HARDWIRE_NATS_URL", nats.url("nats"));
        std::env::set_var("HARDWIRE_REDIS_URL", redis.url("redis"));
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // The sender's declared subscriber runs in the other process (lossy: it would not hold
    // the publisher back anyway).
    SENDER.screen().unwrap().leave();
    let mut screen = RECEIVER.screen().unwrap();
    let mut nats_publisher = SENDER.over_nats().publisher().unwrap();
    let nats_bridge = SENDER.over_nats().bridged().unwrap();
    assert_eq!(nats_bridge.url, "nats://127.0.0.1:1", "the declared address, overridden by the environment");
    let (got, lost) = carry(
        &rt,
        nats_bridge,
        RECEIVER.over_nats().bridge_publisher().unwrap(),
        SENDER.over_nats().bridge_reader().unwrap(),
        |t| nats_publisher.publish(t),
        &mut screen,
    );
    assert_eq!(got + lost, COUNT, "over core NATS, every event delivered or counted lost");
    assert!(got > 0);
    let mut redis_publisher = SENDER.over_redis().publisher().unwrap();
    // Both topics' rings have the same type (same event, capacity and mode).
    let (got, lost) = carry(
        &rt,
        SENDER.over_redis().bridged().unwrap(),
        RECEIVER.over_redis().bridge_publisher().unwrap(),
        SENDER.over_redis().bridge_reader().unwrap(),
        |t| redis_publisher.publish(t),
        &mut screen,
    );
    assert_eq!(got + lost, COUNT, "over Redis, every event delivered or counted lost");
    assert!(got > 0);
}
