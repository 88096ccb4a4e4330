//! The events, rings and threads both engines' tests use.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use hardwire_bridge::Stats;
use hardwire_runtime::{Backpressure, Overwrite, Publisher, Ring, Subscriber, TryRecvError};

pub const TOPOLOGY: u64 = 0x4e41_5453;

/// An event that proves it arrived whole and in order: `[sequence, sequence * 7, check]`.
pub type Tick = [u64; 3];

pub fn tick(seq: u64) -> Tick {
    [seq, seq.wrapping_mul(7), seq ^ 0x5eed_5eed_5eed_5eed]
}

pub fn check(event: &Tick) -> u64 {
    assert_eq!(*event, tick(event[0]), "a corrupted event");
    event[0]
}

pub type Lossless = Ring<Tick, 1024, Backpressure>;
pub type Lossy = Ring<Tick, 4096, Overwrite>;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Publishes `0..count` from a thread (waiting while the ring is full); returns how many
/// times `try_publish` found it full.
pub fn produce(ring: Arc<Lossless>, count: u64) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut publisher = Publisher::new(ring).unwrap();
        let mut full = 0;
        for seq in 0..count {
            if let Err(hardwire_runtime::Full(event)) = publisher.try_publish(tick(seq)) {
                full += 1;
                publisher.publish(event);
            }
        }
        full
    })
}

/// Receives until `count` events arrived; checks each is whole and next in order.
pub fn consume(ring: &Arc<Lossless>, count: u64, slow: bool) -> std::thread::JoinHandle<()> {
    let mut subscriber = Subscriber::new(ring.clone()).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut next = 0;
        while next < count {
            match subscriber.try_recv_with(check) {
                Ok(seq) => {
                    assert_eq!(seq, next, "out of order or duplicated");
                    next += 1;
                    if slow && next % 64 == 0 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                Err(TryRecvError::Empty) => {
                    assert!(Instant::now() < deadline, "only {next} of {count} events arrived");
                    std::thread::sleep(Duration::from_micros(100));
                }
                Err(other) => panic!("{other:?} after {next} events"),
            }
        }
    })
}

/// Reads a lossy receiving ring until its receiver accounted for all `count` events and the
/// reader for every one delivered (the receiver counts a frame before its events are in the
/// ring), or 20 s passed; checks each is whole and later than the one before. Returns
/// (received, lagged) as the reader saw them.
pub fn read_lossy(reader: &mut Subscriber<Arc<Lossy>>, received: &Stats, count: u64) -> (u64, u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut got, mut lagged, mut last) = (0u64, 0u64, None);
    loop {
        match reader.try_recv_with(check) {
            Ok(seq) => {
                assert!(last.is_none_or(|last| seq > last), "out of order");
                last = Some(seq);
                got += 1;
            }
            Err(TryRecvError::Lagged { missed }) => lagged += missed,
            Err(_) => {
                let stats = received.snapshot();
                let done = stats.events + stats.lagged == count && got + lagged == stats.events;
                if done || Instant::now() > deadline {
                    return (got, lagged);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}
