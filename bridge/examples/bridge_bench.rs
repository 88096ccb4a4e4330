//! Bridged events per second against the engines' own clients doing one message per event,
//! measured in one run on loopback servers, and the end-to-end latency of a lone event.
//!
//! ```text
//! scripts/bridge.sh bench        # starts nats-server -js and redis-server, runs this
//! HARDWIRE_NATS_URL=nats://127.0.0.1:4222 HARDWIRE_REDIS_URL=redis://127.0.0.1:6379 \
//!     cargo run --release -p hardwire-bridge --features nats,redis --example bridge_bench
//! ```
//!
//! Every event is 24 bytes (`[u64; 3]`). "bare" rows are the client alone: core NATS publish
//! with a subscriber receiving every message, JetStream publish with a window of 1,000
//! unacknowledged publishes, Redis `XADD` pipelined by 1,000. "bridged" rows are events
//! from a local ring on one side to a local ring on the other, through the engine, packed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hardwire_bridge::{Inbound, Outbound, Packing, Stats, nats, redis};
use hardwire_runtime::{AnyRing, Backpressure, Overwrite, Publisher, Ring, Shutdown, Subscriber, TryRecvError};

type Event = [u64; 3];
const TOPOLOGY: u64 = 0xbe4c;
const BARE: u64 = 200_000;
const BRIDGED: u64 = 2_000_000;

type Local = Ring<Event, 4096, Backpressure>;

fn rate(events: u64, took: Duration) -> f64 {
    events as f64 / took.as_secs_f64()
}

fn row(name: &str, events: u64, took: Duration) -> f64 {
    let per_second = rate(events, took);
    println!("{name:<44} {:>10.3} M events/s   ({events} in {took:.2?})", per_second / 1e6);
    per_second
}

/// How a bridge is wired between two rings: the sending task and the receiving task.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    NatsCore,
    JetStream,
    RedisGroup,
}

struct Bridged {
    publisher: Publisher<Arc<Local>>,
    /// Events the receiving half counted lost (gaps in the sequence).
    lost: Arc<dyn Fn() -> u64 + Send + Sync>,
    /// Events the bench's reader missed, lapped in the far (lossy) ring.
    lapped: Arc<AtomicU64>,
    take: Box<dyn FnMut() -> Option<Event>>,
    stop: Arc<Shutdown>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// The far ring's next event: at once if there is one, else after waiting up to a
/// millisecond; laps of a lossy ring are counted in `lapped`.
fn taker<P>(mut reader: Subscriber<P>, lapped: Arc<AtomicU64>) -> Box<dyn FnMut() -> Option<Event>>
where
    P: std::ops::Deref + 'static,
    P::Target: AnyRing<Payload = Event>,
{
    Box::new(move || {
        let next = match reader.try_recv() {
            Err(TryRecvError::Empty) => reader.recv_timeout(Duration::from_millis(1)).map_err(|_| ()),
            other => other.map_err(|error| {
                if let TryRecvError::Lagged { missed } = error {
                    lapped.fetch_add(missed, Ordering::Relaxed);
                }
            }),
        };
        next.ok()
    })
}

async fn bridge(path: Path, name: &str, nats_url: &str, redis_url: &str) -> Bridged {
    let local = Arc::new(Local::new());
    let outbound = Outbound::new(Subscriber::new(local.clone()).unwrap(), TOPOLOGY, Packing::default(), Stats::new());
    let publisher = Publisher::new(local).unwrap();
    let stop = Arc::new(Shutdown::new());
    let received = Stats::new();
    let inbound = Inbound::new::<Event>(TOPOLOGY, received.clone());
    let mut tasks = Vec::new();
    let lost: Arc<dyn Fn() -> u64 + Send + Sync> = Arc::new(move || received.snapshot().lagged);
    let lapped = Arc::new(AtomicU64::new(0));
    let take: Box<dyn FnMut() -> Option<Event>>;
    match path {
        Path::NatsCore => {
            let remote = Arc::new(Ring::<Event, 65536, Overwrite>::new());
            let reader = Subscriber::new(remote.clone()).unwrap();
            take = taker(reader, lapped.clone());
            // Two connections, as two processes would have.
            let client = nats::Connect::new(nats_url).connect().await.unwrap();
            let (subject, stop2) = (name.to_owned(), stop.clone());
            let receiver_client = nats::Connect::new(nats_url).connect().await.unwrap();
            tasks.push(tokio::spawn(async move {
                nats::receive_core(&receiver_client, &subject, inbound, Publisher::new(remote).unwrap(), &stop2)
                    .await
                    .unwrap();
            }));
            tokio::time::sleep(Duration::from_millis(200)).await;
            let (subject, stop2) = (name.to_owned(), stop.clone());
            tasks
                .push(tokio::spawn(async move { nats::send_core(&client, &subject, outbound, &stop2).await.unwrap() }));
        }
        Path::JetStream => {
            let remote = Arc::new(Ring::<Event, 65536, Backpressure>::new());
            let reader = Subscriber::new(remote.clone()).unwrap();
            take = taker(reader, lapped.clone());
            let client = nats::Connect::new(nats_url).connect().await.unwrap();
            let settings = nats::StreamSettings::new(name);
            let (receiver_client, receiver_settings, stop2) = (client.clone(), settings.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                nats::receive_jetstream(
                    &receiver_client,
                    &receiver_settings,
                    "bench",
                    inbound,
                    Publisher::new(remote).unwrap(),
                    &stop2,
                )
                .await
                .unwrap();
            }));
            let stop2 = stop.clone();
            tasks.push(tokio::spawn(async move {
                nats::send_jetstream(&client, &settings, outbound, &stop2).await.unwrap()
            }));
        }
        Path::RedisGroup => {
            let remote = Arc::new(Ring::<Event, 65536, Backpressure>::new());
            let reader = Subscriber::new(remote.clone()).unwrap();
            take = taker(reader, lapped.clone());
            let sending = redis::Connect::new(redis_url).connect().await.unwrap();
            let receiving_connection = redis::Connect::new(redis_url).connect().await.unwrap();
            let settings = redis::StreamSettings::new(name);
            let (receiver_settings, stop2) = (settings.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                redis::receive_grouped(
                    &receiving_connection,
                    &receiver_settings,
                    inbound,
                    Publisher::new(remote).unwrap(),
                    &stop2,
                )
                .await
                .unwrap();
            }));
            let stop2 = stop.clone();
            tasks.push(tokio::spawn(async move {
                redis::send_grouped(&sending, &settings, outbound, &stop2).await.unwrap()
            }));
        }
    }
    Bridged { publisher, lost, lapped, take, stop, tasks }
}

/// Throughput of `BRIDGED` events, then the latency of lone events (one at a time, each
/// awaited at the far ring), through `path`.
fn measure(
    rt: &tokio::runtime::Runtime,
    path: Path,
    label: &str,
    nats_url: &str,
    redis_url: &str,
) -> (f64, Vec<Duration>) {
    // Named per run: a server kept between runs holds no events of an earlier one here.
    let name = format!("bench_{}_{}", label.replace(' ', "_"), std::process::id());
    let mut bridged = rt.block_on(bridge(path, &name, nats_url, redis_url));
    let mut publisher = bridged.publisher;
    let started = Instant::now();
    let producer = std::thread::spawn(move || {
        for i in 0..BRIDGED {
            publisher.publish([i, i, i]);
        }
        publisher
    });
    // The far ring is read as events arrive (its backpressure reaches the sender otherwise).
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut taken = 0;
    // When the last event was taken (noticed at the next empty ring): a lossy path's events
    // lost after the last delivered frame are not counted until its sender closes, so the
    // transfer also ends after half a second without events, and is timed to its last one.
    let (mut seen, mut last) = (0, Instant::now());
    let (mut next, mut disorder) = (None, 0u64);
    loop {
        match (bridged.take)() {
            Some(event) => {
                // Events arrive in publishing order, each once (a lossy path may skip some).
                if next.is_some_and(|next| event[0] < next) {
                    disorder += 1;
                }
                next = Some(event[0] + 1);
                taken += 1;
            }
            None => {
                // The receiving half's counters are read only when the ring is empty: the
                // receiving task writes them per frame, and reading them per event would
                // contend with it.
                let now = Instant::now();
                if taken != seen {
                    (seen, last) = (taken, now);
                }
                let quiet = taken > 0 && now - last > Duration::from_millis(500);
                if taken + (bridged.lost)() + bridged.lapped.load(Ordering::Relaxed) >= BRIDGED
                    || quiet
                    || now > deadline
                {
                    break;
                }
                std::thread::yield_now();
            }
        }
    }
    let took = last - started;
    bridged.publisher = producer.join().unwrap();
    let throughput = row(&format!("bridged, {label}"), taken, took);
    assert_eq!(disorder, 0, "{label}: {disorder} events arrived out of order or twice");
    if taken < BRIDGED {
        let (lapped, on_the_way) = (bridged.lapped.load(Ordering::Relaxed), (bridged.lost)());
        println!(
            "{:<44} {} of {BRIDGED} events lost (lossy): {on_the_way} counted lost on the way, {lapped} lapped in the far ring, {} after the last frame received",
            "",
            BRIDGED - taken,
            (BRIDGED - taken).saturating_sub(lapped + on_the_way)
        );
    }
    while (bridged.take)().is_some() {}
    let mut latencies = Vec::with_capacity(1000);
    for i in 0..1000u64 {
        let sent = Instant::now();
        bridged.publisher.publish([i, 0, 0]);
        let deadline = sent + Duration::from_secs(5);
        while (bridged.take)().is_none() {
            if Instant::now() > deadline {
                break;
            }
            std::thread::yield_now();
        }
        latencies.push(sent.elapsed());
        std::thread::sleep(Duration::from_micros(500));
    }
    latencies.sort();
    println!(
        "{:<44} p50 {:>8.1?}   p99 {:>8.1?}",
        format!("  lone event, {label}"),
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100]
    );
    bridged.stop.trigger();
    drop(bridged.publisher);
    for task in bridged.tasks {
        rt.block_on(task).unwrap();
    }
    (throughput, latencies)
}

fn main() {
    let nats_url = std::env::var("HARDWIRE_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let redis_url = std::env::var("HARDWIRE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("24-byte events, loopback servers ({nats_url}, {redis_url})\n");

    // Bare core NATS: one message per event, a subscriber receiving them all.
    let bare_core = rt.block_on(async {
        // Two connections, as two processes would have.
        let client = nats::Connect::new(&nats_url).connect().await.unwrap();
        let receiving = nats::Connect::new(&nats_url).connect().await.unwrap();
        let mut subscription = receiving.subscribe("bench.bare").await.unwrap();
        receiving.flush().await.unwrap();
        // Counts until every message arrived or none came for half a second (the server
        // drops messages for a slow subscriber): timed to the last one received.
        let counter = tokio::spawn(async move {
            let (mut n, mut last) = (0u64, Instant::now());
            while n < BARE {
                match tokio::time::timeout(Duration::from_millis(500), subscription.next()).await {
                    Ok(Some(_)) => (n, last) = (n + 1, Instant::now()),
                    _ => break,
                }
            }
            (n, last)
        });
        let started = Instant::now();
        let payload = nats::client::Subject::from("bench.bare");
        for i in 0..BARE {
            client.publish(payload.clone(), bytes_of(i).into()).await.unwrap();
        }
        client.flush().await.unwrap();
        let published = started.elapsed();
        let (received, last) = counter.await.unwrap();
        // The ratio is taken against the faster of the two: what the client publishes, and
        // what its subscriber receives (less, when the server drops for a slow subscriber).
        let publish = row("bare, core NATS publish", BARE, published);
        let delivered = row("bare, core NATS publish + subscribe", received, last - started);
        if received < BARE {
            println!("{:<44} {} of {BARE} messages lost", "", BARE - received);
        }
        publish.max(delivered)
    });
    let (core, _) = measure(&rt, Path::NatsCore, "core NATS", &nats_url, &redis_url);

    // Bare JetStream: publish with acknowledgements, a window of 1,000.
    let bare_js = rt.block_on(async {
        let client = nats::Connect::new(&nats_url).connect().await.unwrap();
        let js = nats::client::jetstream::new(client);
        nats::StreamSettings { max_messages: -1, ..nats::StreamSettings::new("bench_bare") }.ensure(&js).await.unwrap();
        let started = Instant::now();
        let mut window = std::collections::VecDeque::with_capacity(1000);
        for i in 0..BARE {
            if window.len() == 1000 {
                let ack: nats::client::jetstream::context::PublishAckFuture = window.pop_front().unwrap();
                ack.await.unwrap();
            }
            window.push_back(js.publish("hardwire.bench_bare", bytes_of(i).into()).await.unwrap());
        }
        for ack in window {
            ack.await.unwrap();
        }
        row("bare, JetStream publish (window 1,000)", BARE, started.elapsed())
    });
    let (jetstream, _) = measure(&rt, Path::JetStream, "JetStream", &nats_url, &redis_url);

    // Bare Redis: XADD pipelined by 1,000.
    let bare_redis = rt.block_on(async {
        let mut connection = redis::Connect::new(&redis_url).connect().await.unwrap();
        let started = Instant::now();
        for chunk in 0..BARE / 1000 {
            let mut pipe = redis::client::pipe();
            for i in 0..1000 {
                pipe.cmd("XADD").arg("bench:bare").arg("*").arg("f").arg(&bytes_of(chunk * 1000 + i)[..]).ignore();
            }
            let () = pipe.query_async(&mut connection).await.unwrap();
        }
        row("bare, Redis XADD (pipelined by 1,000)", BARE, started.elapsed())
    });
    let (grouped, _) = measure(&rt, Path::RedisGroup, "Redis consumer group", &nats_url, &redis_url);

    println!();
    for (name, bridged, bare) in
        [("core NATS", core, bare_core), ("JetStream", jetstream, bare_js), ("Redis Streams", grouped, bare_redis)]
    {
        println!("{name:<16} bridged / bare = {:>6.1}x  (target >= 10x)", bridged / bare);
    }
}

fn bytes_of(i: u64) -> Vec<u8> {
    let event: Event = [i, i, i];
    event.iter().flat_map(|word| word.to_le_bytes()).collect()
}
