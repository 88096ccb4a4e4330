//! Two processes, one lossless topic, bridged through a real engine: a feed process publishes
//! quotes into its local ring; the bridge packs them into JetStream messages (or Redis
//! stream entries); a desk process, started by the feed, receives them into its own ring
//! and checks every quote arrived once and in order.
//!
//! ```text
//! scripts/bridge.sh example      # starts nats-server -js and redis-server, runs this
//! HARDWIRE_NATS_URL=nats://127.0.0.1:4222 HARDWIRE_REDIS_URL=redis://127.0.0.1:6379 \
//!     cargo run --release -p hardwire-bridge --features nats,redis --example bridged
//! ```
//!
//! Both engines run in turn. Credentials, if the servers need them, come from the
//! environment (`HARDWIRE_NATS_USER`/`_PASSWORD`, `HARDWIRE_REDIS_PASSWORD`, …).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hardwire_bridge::{Inbound, Outbound, Packing, Stats, nats, redis};
use hardwire_runtime::{Backpressure, Publisher, Ring, Shutdown, Subscriber, TryRecvError};

/// A quote: instrument, sequence, price in ticks (24 bytes, Pod).
type Quote = [u64; 3];
type Quotes = Ring<Quote, 4096, Backpressure>;

/// Both processes are built from the same topology; a generated bus passes its
/// `TOPOLOGY_HASH` here.
const TOPOLOGY: u64 = 0x0b41_d6ed;
const QUOTES: u64 = 1_000_000;

fn quote(seq: u64) -> Quote {
    [seq % 16, seq, 10_000 + seq % 97]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
}

/// The desk: receives `QUOTES` quotes through `engine`, reading each in place.
fn desk(engine: &str) {
    let rt = runtime();
    let ring = Arc::new(Quotes::new());
    let mut reader = Subscriber::new(ring.clone()).expect("a subscriber");
    let stop = Arc::new(Shutdown::new());
    let received = Stats::new();
    let inbound = Inbound::new::<Quote>(TOPOLOGY, received.clone());
    let publisher = Publisher::new(ring).expect("the ring's publisher");
    let task = {
        let (engine, stop) = (engine.to_owned(), stop.clone());
        rt.spawn(async move {
            if engine == "nats" {
                let client = nats::Connect::from_env("nats://127.0.0.1:4222").connect().await?;
                nats::receive_jetstream(
                    &client,
                    &nats::StreamSettings::new("quotes"),
                    "desk",
                    inbound,
                    publisher,
                    &stop,
                )
                .await
            } else {
                let connection = redis::Connect::from_env("redis://127.0.0.1:6379").connect().await?;
                redis::receive_grouped(&connection, &redis::StreamSettings::new("quotes"), inbound, publisher, &stop)
                    .await
            }
        })
    };
    let (mut next, mut sum) = (0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(60);
    while next < QUOTES {
        match reader.try_recv_with(|q: &Quote| {
            assert_eq!(*q, quote(next), "quote {next} arrived out of order or damaged");
            sum += q[2];
        }) {
            Ok(()) => next += 1,
            Err(TryRecvError::Empty) => {
                assert!(Instant::now() < deadline, "only {next} quotes arrived");
                std::thread::yield_now();
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    // Let the last acknowledgements go out.
    std::thread::sleep(Duration::from_millis(200));
    stop.trigger();
    rt.block_on(task).expect("the receiving task").expect("the receiving bridge");
    println!("desk ({engine}): {next} quotes in order, price sum {sum}; bridge: {}", received.snapshot());
}

/// The feed: starts the desk process, publishes `QUOTES` quotes, waits for the desk.
fn feed(engine: &str) {
    let rt = runtime();
    let ring = Arc::new(Quotes::new());
    // The bridge subscribes before the first quote: lossless from the first publish.
    let sent = Stats::new();
    let outbound =
        Outbound::new(Subscriber::new(ring.clone()).expect("a subscriber"), TOPOLOGY, Packing::default(), sent.clone());
    let mut desk = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg(format!("--desk={engine}"))
        .spawn()
        .expect("starting the desk process");
    let stop = Shutdown::new();
    let task = {
        let engine = engine.to_owned();
        rt.spawn(async move {
            if engine == "nats" {
                let client = nats::Connect::from_env("nats://127.0.0.1:4222").connect().await?;
                nats::send_jetstream(&client, &nats::StreamSettings::new("quotes"), outbound, &stop).await
            } else {
                let connection = redis::Connect::from_env("redis://127.0.0.1:6379").connect().await?;
                redis::send_grouped(&connection, &redis::StreamSettings::new("quotes"), outbound, &stop).await
            }
        })
    };
    let started = Instant::now();
    let mut publisher = Publisher::new(ring).expect("the ring's publisher");
    for seq in 0..QUOTES {
        publisher.publish(quote(seq)); // waits while the bridge (and so the desk) is behind
    }
    drop(publisher); // closes the ring: the bridge sends the rest and ends
    rt.block_on(task).expect("the sending task").expect("the sending bridge");
    let status = desk.wait().expect("the desk process");
    assert!(status.success(), "the desk process failed: {status}");
    let took = started.elapsed();
    println!(
        "feed ({engine}): {QUOTES} quotes in {took:.2?} end to end, {:.2} M quotes/s; bridge: {}\n",
        QUOTES as f64 / took.as_secs_f64() / 1e6,
        sent.snapshot()
    );
}

fn main() {
    match std::env::args().nth(1).as_deref().and_then(|arg| arg.strip_prefix("--desk=").map(str::to_owned)) {
        Some(engine) => desk(&engine),
        None => {
            feed("nats");
            feed("redis");
        }
    }
}
