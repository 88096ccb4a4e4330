//! hardwire beside the crates its users would pick instead, and beside the hardware floor,
//! in one run. `scripts/bench.sh` runs it and prints the Markdown table the README quotes.
//!
//! ```text
//! scripts/bench.sh            # the whole comparison, ~2.5 minutes on 2 cores
//! cargo bench --manifest-path benches/Cargo.toml --bench peers   # the same, at criterion's default sample sizes
//! ```
//!
//! Every scenario is a criterion group whose functions are the contenders, all doing the
//! same work per message (a `black_box` of the payload). Peers: photon-ring 3.0 (default
//! features), disruptor 4, crossbeam-channel (bounded), `std::sync::mpsc::sync_channel`,
//! bus 2, rtrb 0.4 (SPSC), registry-io 1.1. References: `floor` (direct static calls; a
//! two-thread ping-pong on two `AtomicU64`) and `vec-box-dyn-fn` (`Vec<Box<dyn Fn>>`).
//! Peers that do not offer a scenario (a channel has no fan-out; a disruptor consumer
//! cannot run on the publishing thread) are left out of it.
//!
//! After the criterion groups, the round-trip latency histograms are measured directly
//! (criterion reports central estimates, not tails), and the summary is printed from
//! criterion's `estimates.json` files and written to `benches/target/hardwire-bench/summary.md`.

#![allow(missing_docs)] // generated bus items in a bench binary

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};
use disruptor::{BusySpin, Producer as _};
use hardwire::{Backpressure, MultiPublisher, Overwrite, Publisher, Registry, Ring, Subscriber, WaitStrategy};

// ---------------------------------------------------------------------------------------
// Generated buses used by the scenarios.

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Tick {
    pub value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Quote {
    pub bid: u64,
    pub ask: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Trade {
    pub price: u64,
    pub size: u64,
    pub id: u64,
}

#[hardwire::bus]
pub mod ticks {
    use super::Tick;

    /// One lossy ring, as a market-data feed.
    #[topic(capacity = 4096)]
    pub struct Feed(Tick);

    #[subscriber(Feed)]
    pub trait Reader {}

    #[subscriber(Feed)]
    pub trait Reader2 {}

    #[subscriber(Feed)]
    pub trait Reader3 {}

    #[subscriber(Feed)]
    pub trait Reader4 {}
}

#[hardwire::bus]
pub mod market {
    use super::{Quote, Tick, Trade};

    /// Three event types on one topic: dispatch by the generated `match` on the wire tag.
    #[topic(capacity = 4096)]
    pub struct Data(Tick, Quote, Trade);

    #[subscriber(Data)]
    pub trait Strategy {}
}

/// Handlers doing the same work in every scenario: fold the payload into a sum.
#[derive(Clone, Copy, Default)]
struct Sink(u64);

impl ticks::Reader for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(black_box(event.value));
    }
}

impl market::Strategy for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(black_box(event.value));
    }
    fn on_quote(&mut self, event: &Quote) {
        self.0 = self.0.wrapping_add(black_box(event.bid ^ event.ask));
    }
    fn on_trade(&mut self, event: &Trade) {
        self.0 = self.0.wrapping_add(black_box(event.price ^ event.size ^ event.id));
    }
}

/// An inline topic with one subscriber per name, each implemented by `Sink`.
macro_rules! inline_fan_out {
    ($module:ident: $($sub:ident)*) => {
        #[hardwire::bus]
        pub mod $module {
            use super::Tick;

            #[topic(delivery = "inline")]
            pub struct Ticks(Tick);

            $(
                #[subscriber(Ticks)]
                pub trait $sub {}
            )*
        }

        $(
            impl $module::$sub for Sink {
                #[inline]
                fn on_tick(&mut self, event: &Tick) {
                    self.0 = self.0.wrapping_add(black_box(event.value));
                }
            }
        )*

        impl $module::Bus {
            /// Emits `count` ticks to one `Sink` per subscriber; returns their sum.
            #[allow(non_snake_case)]
            fn emit_many(&self, sinks: &mut [Sink], count: u64) -> u64 {
                let [$($sub),*] = sinks else { unreachable!("one sink per subscriber") };
                // The path users take: the bus handle's dispatcher, taps check included.
                let mut to = self.ticks().dispatcher($($sub),*);
                for value in 0..count {
                    to.emit(Tick { value });
                }
                sinks.iter().map(|sink| sink.0).sum()
            }
        }
    };
}

inline_fan_out!(fan1: A0);
inline_fan_out!(fan4: A0 A1 A2 A3);
inline_fan_out!(fan16: A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
inline_fan_out!(fan64:
    A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15
    B0 B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11 B12 B13 B14 B15
    C0 C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11 C12 C13 C14 C15
    D0 D1 D2 D3 D4 D5 D6 D7 D8 D9 D10 D11 D12 D13 D14 D15);

// ---------------------------------------------------------------------------------------
// Single-thread scenarios.

const CAP: usize = 4096;

fn publish_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish_only");
    group.throughput(Throughput::Elements(1));

    let bus = ticks::Bus::new_boxed();
    let mut publisher = bus.feed().publisher().unwrap();
    let mut value = 0u64;
    group.bench_function("hardwire", |b| {
        b.iter(|| {
            publisher.publish(Tick { value });
            value = value.wrapping_add(1);
        })
    });

    let (mut photon, subscribable) = photon_ring::channel::<u64>(CAP);
    let _lossy_reader = subscribable.subscribe();
    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            photon.publish(value);
            value = value.wrapping_add(1);
        })
    });

    let consumed = Arc::new(AtomicU64::new(0));
    let counter = consumed.clone();
    let mut disruptor = disruptor::build_single_producer(CAP, || 0u64, BusySpin)
        .handle_events_with(move |event: &u64, _sequence, end_of_batch| {
            black_box(*event);
            if end_of_batch {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        })
        .build();
    group.bench_function("disruptor", |b| {
        b.iter(|| {
            disruptor.publish(|slot| *slot = value);
            value = value.wrapping_add(1);
        })
    });
    group.finish();
    drop(disruptor); // joins its consumer thread
}

fn publish_recv(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish_recv");
    group.throughput(Throughput::Elements(1));

    let bus = ticks::Bus::new_boxed();
    let mut publisher = bus.feed().publisher().unwrap();
    let mut reader = bus.reader().unwrap();
    group.bench_function("hardwire", |b| {
        b.iter(|| {
            publisher.publish(Tick { value: 7 });
            black_box(reader.try_recv_feed().unwrap());
        })
    });

    let (mut photon, subscribable) = photon_ring::channel::<u64>(CAP);
    let mut photon_rx = subscribable.subscribe();
    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            photon.publish(7);
            black_box(photon_rx.try_recv().unwrap());
        })
    });

    let (mut rtrb_tx, mut rtrb_rx) = rtrb::RingBuffer::<u64>::new(CAP);
    group.bench_function("rtrb", |b| {
        b.iter(|| {
            rtrb_tx.push(7).unwrap();
            black_box(rtrb_rx.pop().unwrap());
        })
    });

    let (cb_tx, cb_rx) = crossbeam_channel::bounded::<u64>(CAP);
    group.bench_function("crossbeam-channel", |b| {
        b.iter(|| {
            cb_tx.send(7).unwrap();
            black_box(cb_rx.try_recv().unwrap());
        })
    });

    let (std_tx, std_rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
    group.bench_function("std-sync-channel", |b| {
        b.iter(|| {
            std_tx.send(7).unwrap();
            black_box(std_rx.try_recv().unwrap());
        })
    });

    let mut bus2 = bus::Bus::<u64>::new(CAP);
    let mut bus2_rx = bus2.add_rx();
    group.bench_function("bus", |b| {
        b.iter(|| {
            bus2.broadcast(7);
            black_box(bus2_rx.try_recv().unwrap());
        })
    });
    group.finish();
}

fn fan_out_4(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan_out_4");
    group.throughput(Throughput::Elements(1));

    let bus = ticks::Bus::new_boxed();
    let mut publisher = bus.feed().publisher().unwrap();
    let mut readers = (bus.reader().unwrap(), bus.reader2().unwrap(), bus.reader3().unwrap(), bus.reader4().unwrap());
    group.bench_function("hardwire", |b| {
        b.iter(|| {
            publisher.publish(Tick { value: 7 });
            black_box(readers.0.try_recv_feed().unwrap());
            black_box(readers.1.try_recv_feed().unwrap());
            black_box(readers.2.try_recv_feed().unwrap());
            black_box(readers.3.try_recv_feed().unwrap());
        })
    });

    let (mut photon, subscribable) = photon_ring::channel::<u64>(CAP);
    let mut photon_rx: Vec<_> = (0..4).map(|_| subscribable.subscribe()).collect();
    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            photon.publish(7);
            for rx in &mut photon_rx {
                black_box(rx.try_recv().unwrap());
            }
        })
    });

    let mut bus2 = bus::Bus::<u64>::new(CAP);
    let mut bus2_rx: Vec<_> = (0..4).map(|_| bus2.add_rx()).collect();
    group.bench_function("bus", |b| {
        b.iter(|| {
            bus2.broadcast(7);
            for rx in &mut bus2_rx {
                black_box(rx.try_recv().unwrap());
            }
        })
    });
    group.finish();
}

fn batch_64(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_64");
    group.throughput(Throughput::Elements(64));
    let batch: [u64; 64] = core::array::from_fn(|i| i as u64);
    let ticks: [Tick; 64] = core::array::from_fn(|i| Tick { value: i as u64 });

    let bus = ticks::Bus::new_boxed();
    let mut publisher = bus.feed().publisher().unwrap();
    let mut reader = bus.reader().unwrap();
    let mut sink = Sink::default();
    group.bench_function("hardwire", |b| {
        b.iter(|| {
            publisher.publish_batch(black_box(&ticks));
            assert_eq!(reader.poll(&mut sink), 64);
        })
    });

    let (mut photon, subscribable) = photon_ring::channel::<u64>(CAP);
    let mut photon_rx = subscribable.subscribe();
    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            photon.publish_batch(black_box(&batch));
            while let Ok(value) = photon_rx.try_recv() {
                sink.0 = sink.0.wrapping_add(black_box(value));
            }
        })
    });

    let (mut rtrb_tx, mut rtrb_rx) = rtrb::RingBuffer::<u64>::new(CAP);
    group.bench_function("rtrb", |b| {
        b.iter(|| {
            for &value in black_box(&batch) {
                rtrb_tx.push(value).unwrap();
            }
            while let Ok(value) = rtrb_rx.pop() {
                sink.0 = sink.0.wrapping_add(black_box(value));
            }
        })
    });

    let (cb_tx, cb_rx) = crossbeam_channel::bounded::<u64>(CAP);
    group.bench_function("crossbeam-channel", |b| {
        b.iter(|| {
            for &value in black_box(&batch) {
                cb_tx.send(value).unwrap();
            }
            for value in cb_rx.try_iter() {
                sink.0 = sink.0.wrapping_add(black_box(value));
            }
        })
    });
    group.finish();
    black_box(sink.0);
}

/// Dispatch of one event to N handlers. The criterion iteration is one event; the
/// generated dispatcher and the floor run 1024 events per call to keep the setup (building
/// a dispatcher) out of the measurement, and report per event.
fn dispatch(c: &mut Criterion) {
    const EVENTS: u64 = 1024;
    for n in [1usize, 4, 16, 64] {
        let mut group = c.benchmark_group(format!("dispatch_{n}"));
        group.throughput(Throughput::Elements(1));
        let mut sinks = vec![Sink::default(); n];

        group.bench_function("floor", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters.div_ceil(EVENTS) {
                    for value in 0..EVENTS {
                        let tick = Tick { value };
                        for sink in sinks.iter_mut() {
                            direct_handler(sink, &tick);
                        }
                    }
                }
                black_box(&sinks);
                start.elapsed().mul_f64(iters as f64 / (iters.div_ceil(EVENTS) * EVENTS) as f64)
            })
        });

        group.bench_function("hardwire-inline", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters.div_ceil(EVENTS) {
                    black_box(match n {
                        1 => fan1::Bus::new().emit_many(&mut sinks, EVENTS),
                        4 => fan4::Bus::new().emit_many(&mut sinks, EVENTS),
                        16 => fan16::Bus::new().emit_many(&mut sinks, EVENTS),
                        _ => fan64::Bus::new().emit_many(&mut sinks, EVENTS),
                    });
                }
                start.elapsed().mul_f64(iters as f64 / (iters.div_ceil(EVENTS) * EVENTS) as f64)
            })
        });

        let registry = Registry::<Tick>::new();
        let registry_io = registry_io::SyncRegistry::<Tick>::new();
        type Boxed = Box<dyn Fn(&Tick)>;
        let mut boxed: Vec<Boxed> = Vec::new();
        for _ in 0..n {
            registry.register(|tick| {
                black_box(tick.value);
            });
            registry_io.register(|tick: &Tick| {
                black_box(tick.value);
            });
            boxed.push(Box::new(|tick: &Tick| {
                black_box(tick.value);
            }));
        }
        group.bench_function("hardwire-registry", |b| b.iter(|| registry.notify(black_box(&Tick { value: 7 }))));
        group.bench_function("hardwire-registry-trusted", |b| {
            b.iter(|| registry.notify_trusted(black_box(&Tick { value: 7 })))
        });
        group.bench_function("registry-io", |b| b.iter(|| registry_io.notify(black_box(&Tick { value: 7 }))));
        group.bench_function("vec-box-dyn-fn", |b| {
            b.iter(|| {
                let tick = black_box(Tick { value: 7 });
                for handler in &boxed {
                    handler(&tick);
                }
            })
        });
        group.finish();
    }
}

/// The floor's handler: the same work as `Sink`'s trait methods, called directly.
#[inline]
fn direct_handler(sink: &mut Sink, tick: &Tick) {
    sink.0 = sink.0.wrapping_add(black_box(tick.value));
}

/// Publish + receive on one thread as the payload grows.
fn payload_scaling(c: &mut Criterion) {
    fn scenario<const WORDS: usize>(c: &mut Criterion)
    where
        [u64; WORDS]: hardwire::Payload + photon_ring::Pod,
    {
        let mut group = c.benchmark_group(format!("payload_{}B", WORDS * 8));
        group.throughput(Throughput::Bytes((WORDS * 8) as u64));
        let event = [7u64; WORDS];

        let ring = Ring::<[u64; WORDS], 1024, Overwrite, 1>::new_boxed();
        let mut publisher = ring.publisher().unwrap();
        let mut subscriber = ring.subscribe().unwrap();
        group.bench_function("hardwire", |b| {
            b.iter(|| {
                publisher.publish(black_box(event));
                black_box(subscriber.try_recv().unwrap());
            })
        });

        let (mut photon, subscribable) = photon_ring::channel::<[u64; WORDS]>(1024);
        let mut photon_rx = subscribable.subscribe();
        group.bench_function("photon-ring", |b| {
            b.iter(|| {
                photon.publish(black_box(event));
                black_box(photon_rx.try_recv().unwrap());
            })
        });

        let (mut rtrb_tx, mut rtrb_rx) = rtrb::RingBuffer::<[u64; WORDS]>::new(1024);
        group.bench_function("rtrb", |b| {
            b.iter(|| {
                rtrb_tx.push(black_box(event)).unwrap();
                black_box(rtrb_rx.pop().unwrap());
            })
        });

        let (cb_tx, cb_rx) = crossbeam_channel::bounded::<[u64; WORDS]>(1024);
        group.bench_function("crossbeam-channel", |b| {
            b.iter(|| {
                cb_tx.send(black_box(event)).unwrap();
                black_box(cb_rx.try_recv().unwrap());
            })
        });
        group.finish();
    }
    scenario::<1>(c);
    scenario::<3>(c);
    scenario::<8>(c);
    scenario::<32>(c);
    scenario::<128>(c);
}

/// A topic carrying three event types, received and dispatched by type: the generated
/// `poll` against channels carrying a hand-written Rust enum matched by hand.
fn three_events(c: &mut Criterion) {
    #[derive(Clone, Copy)]
    enum Hand {
        Tick(Tick),
        Quote(Quote),
        Trade(Trade),
    }
    fn handle(sink: &mut Sink, event: Hand) {
        use market::Strategy as _;
        match event {
            Hand::Tick(tick) => sink.on_tick(&tick),
            Hand::Quote(quote) => sink.on_quote(&quote),
            Hand::Trade(trade) => sink.on_trade(&trade),
        }
    }
    let tick = Tick { value: 1 };
    let quote = Quote { bid: 2, ask: 3 };
    let trade = Trade { price: 4, size: 5, id: 6 };

    let mut group = c.benchmark_group("three_events");
    group.throughput(Throughput::Elements(3));
    let mut sink = Sink::default();

    let bus = market::Bus::new_boxed();
    let mut publisher = bus.data().publisher().unwrap();
    let mut strategy = bus.strategy().unwrap();
    group.bench_function("hardwire", |b| {
        b.iter(|| {
            publisher.publish(black_box(tick));
            publisher.publish(black_box(quote));
            publisher.publish(black_box(trade));
            assert_eq!(strategy.poll(&mut sink), 3);
        })
    });

    let (mut rtrb_tx, mut rtrb_rx) = rtrb::RingBuffer::<Hand>::new(CAP);
    group.bench_function("rtrb", |b| {
        b.iter(|| {
            for event in [Hand::Tick(tick), Hand::Quote(quote), Hand::Trade(trade)] {
                rtrb_tx.push(black_box(event)).unwrap();
            }
            while let Ok(event) = rtrb_rx.pop() {
                handle(&mut sink, event);
            }
        })
    });

    let (cb_tx, cb_rx) = crossbeam_channel::bounded::<Hand>(CAP);
    group.bench_function("crossbeam-channel", |b| {
        b.iter(|| {
            for event in [Hand::Tick(tick), Hand::Quote(quote), Hand::Trade(trade)] {
                cb_tx.send(black_box(event)).unwrap();
            }
            for event in cb_rx.try_iter() {
                handle(&mut sink, event);
            }
        })
    });

    // photon-ring carries only `Pod`s: the enum as a tagged struct of words.
    let (mut photon, subscribable) = photon_ring::channel::<[u64; 4]>(CAP);
    let mut photon_rx = subscribable.subscribe();
    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            photon.publish(black_box([0, tick.value, 0, 0]));
            photon.publish(black_box([1, quote.bid, quote.ask, 0]));
            photon.publish(black_box([2, trade.price, trade.size, trade.id]));
            while let Ok([tag, a, b, c]) = photon_rx.try_recv() {
                let event = match tag {
                    0 => Hand::Tick(Tick { value: a }),
                    1 => Hand::Quote(Quote { bid: a, ask: b }),
                    _ => Hand::Trade(Trade { price: a, size: b, id: c }),
                };
                handle(&mut sink, event);
            }
        })
    });
    group.finish();
    black_box(sink.0);
}

// ---------------------------------------------------------------------------------------
// Cross-thread throughput. One criterion iteration moves `MESSAGES` messages from the
// producer(s) to one consumer, lossless, both sides busy-spinning; the time includes
// spawning the consumer (tens of microseconds, under 1 % of an iteration).

const MESSAGES: u64 = 1_000_000;

fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

fn one_to_one(c: &mut Criterion) {
    let mut group = c.benchmark_group("cross_thread_1to1");
    group.throughput(Throughput::Elements(MESSAGES));
    group.sample_size(10);

    group.bench_function("hardwire", |b| {
        b.iter_batched(
            Ring::<u64, CAP, Backpressure, 1>::new_arc,
            |ring| {
                let mut rx = Subscriber::new(ring.clone()).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
                let mut tx = Publisher::new(ring).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
                timed(|| {
                    let consumer = thread::spawn(move || {
                        let mut sum = 0u64;
                        while let Ok(value) = rx.recv() {
                            sum = sum.wrapping_add(black_box(value));
                        }
                        sum
                    });
                    (0..MESSAGES).for_each(|value| tx.publish(value));
                    drop(tx);
                    assert_eq!(consumer.join().unwrap(), MESSAGES * (MESSAGES - 1) / 2);
                })
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("rtrb", |b| {
        b.iter(|| {
            let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
            let consumer = thread::spawn(move || {
                let (mut sum, mut received) = (0u64, 0u64);
                while received < MESSAGES {
                    if let Ok(value) = rx.pop() {
                        sum = sum.wrapping_add(black_box(value));
                        received += 1;
                    } else {
                        std::hint::spin_loop();
                    }
                }
                sum
            });
            for value in 0..MESSAGES {
                while tx.push(value).is_err() {
                    std::hint::spin_loop();
                }
            }
            assert_eq!(consumer.join().unwrap(), MESSAGES * (MESSAGES - 1) / 2);
        })
    });

    group.bench_function("photon-ring", |b| {
        b.iter(|| {
            let (mut tx, subscribable) = photon_ring::channel_bounded::<u64>(CAP, 0);
            let mut rx = subscribable.subscribe();
            let consumer = thread::spawn(move || {
                let mut sum = 0u64;
                for _ in 0..MESSAGES {
                    sum = sum.wrapping_add(black_box(rx.recv()));
                }
                sum
            });
            for value in 0..MESSAGES {
                let mut pending = value;
                while let Err(photon_ring::PublishError::Full(back)) = tx.try_publish(pending) {
                    pending = back;
                    std::hint::spin_loop();
                }
            }
            assert_eq!(consumer.join().unwrap(), MESSAGES * (MESSAGES - 1) / 2);
        })
    });

    group.bench_function("disruptor", |b| {
        b.iter(|| {
            let sum = Arc::new(AtomicU64::new(0));
            let total = sum.clone();
            let mut local = 0u64;
            let mut tx = disruptor::build_single_producer(CAP, || 0u64, BusySpin)
                .handle_events_with(move |value: &u64, _sequence, end_of_batch| {
                    local = local.wrapping_add(black_box(*value));
                    if end_of_batch {
                        total.store(local, Ordering::Relaxed);
                    }
                })
                .build();
            for value in 0..MESSAGES {
                tx.publish(|slot| *slot = value);
            }
            drop(tx); // returns once the consumer has processed every event
            assert_eq!(sum.load(Ordering::Relaxed), MESSAGES * (MESSAGES - 1) / 2);
        })
    });

    channel_peers(&mut group, 1);

    group.bench_function("bus", |b| {
        b.iter(|| {
            let mut tx = bus::Bus::<u64>::new(CAP);
            let mut rx = tx.add_rx();
            let consumer = thread::spawn(move || rx.iter().fold(0u64, |sum, value| sum.wrapping_add(black_box(value))));
            (0..MESSAGES).for_each(|value| tx.broadcast(value));
            drop(tx);
            assert_eq!(consumer.join().unwrap(), MESSAGES * (MESSAGES - 1) / 2);
        })
    });
    group.finish();
}

/// The bounded-channel contenders of a cross-thread group, `producers` threads to one.
fn channel_peers(group: &mut BenchmarkGroup<'_, WallTime>, producers: u64) {
    group.bench_function("crossbeam-channel", |b| {
        b.iter(|| {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
            channel_run(tx, rx, producers, |tx, value| tx.send(value).unwrap());
        })
    });

    group.bench_function("std-sync-channel", |b| {
        b.iter(|| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
            channel_run(tx, rx, producers, |tx, value| tx.send(value).unwrap());
        })
    });
}

/// `MESSAGES` values, split between `producers` threads each with a clone of `tx`, summed
/// by this thread from `rx` until every sender is gone; checks the sum. The channel
/// scenarios of both cross-thread groups.
fn channel_run<S: Clone + Send + 'static>(tx: S, rx: impl IntoIterator<Item = u64>, producers: u64, send: fn(&S, u64)) {
    let per = MESSAGES / producers;
    let threads: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || (p * per..(p + 1) * per).for_each(|value| send(&tx, value)))
        })
        .collect();
    drop(tx);
    let sum = rx.into_iter().fold(0u64, |sum, value| sum.wrapping_add(black_box(value)));
    threads.into_iter().for_each(|p| p.join().unwrap());
    assert_eq!(sum, MESSAGES * (MESSAGES - 1) / 2);
}

/// Two producers, one consumer, lossless. On 2 cores the three threads share the cores,
/// so this measures behaviour under oversubscription as much as raw speed.
fn mpmc_2to1(c: &mut Criterion) {
    const PER: u64 = MESSAGES / 2;
    let expected = MESSAGES * (MESSAGES - 1) / 2;
    let mut group = c.benchmark_group("cross_thread_mpmc_2to1");
    group.throughput(Throughput::Elements(MESSAGES));
    group.sample_size(10);

    group.bench_function("hardwire", |b| {
        b.iter_batched(
            Ring::<u64, CAP, Backpressure, 1>::new_arc,
            |ring| {
                let mut rx = Subscriber::new(ring.clone()).unwrap().with_wait_strategy(WaitStrategy::Yield);
                let tx = MultiPublisher::new(ring).unwrap().with_wait_strategy(WaitStrategy::Yield);
                timed(|| {
                    let producers: Vec<_> = (0..2)
                        .map(|p| {
                            let mut tx = tx.clone();
                            thread::spawn(move || (p * PER..(p + 1) * PER).for_each(|value| tx.publish(value)))
                        })
                        .collect();
                    drop(tx);
                    let mut sum = 0u64;
                    while let Ok(value) = rx.recv() {
                        sum = sum.wrapping_add(black_box(value));
                    }
                    producers.into_iter().for_each(|p| p.join().unwrap());
                    assert_eq!(sum, expected);
                })
            },
            BatchSize::PerIteration,
        )
    });

    channel_peers(&mut group, 2);

    group.bench_function("disruptor", |b| {
        b.iter(|| {
            let sum = Arc::new(AtomicU64::new(0));
            let total = sum.clone();
            let mut local = 0u64;
            let tx = disruptor::build_multi_producer(CAP, || 0u64, disruptor::BusySpinWithSpinLoopHint)
                .handle_events_with(move |value: &u64, _sequence, end_of_batch| {
                    local = local.wrapping_add(black_box(*value));
                    if end_of_batch {
                        total.store(local, Ordering::Relaxed);
                    }
                })
                .build();
            let producers: Vec<_> = (0..2)
                .map(|p| {
                    let mut tx = tx.clone();
                    thread::spawn(move || (p * PER..(p + 1) * PER).for_each(|value| tx.publish(|slot| *slot = value)))
                })
                .collect();
            producers.into_iter().for_each(|p| p.join().unwrap());
            drop(tx);
            assert_eq!(sum.load(Ordering::Relaxed), expected);
        })
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// Round-trip latency: one thread sends a value, the other echoes it on a second channel;
// each round trip is timed with `Instant` (the timer's own cost, ~20 ns here, is in every
// contender's numbers alike). Percentiles come from the sorted samples.

const ROUND_TRIPS: usize = 200_000;
const WARM_UP: usize = 20_000;

/// Latency percentiles of one contender, in nanoseconds.
struct Percentiles {
    name: &'static str,
    p50: u64,
    p99: u64,
    p999: u64,
}

fn percentiles(name: &'static str, mut samples: Vec<u64>) -> Percentiles {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Percentiles { name, p50: at(0.50), p99: at(0.99), p999: at(0.999) }
}

/// Runs `ROUND_TRIPS` timed round trips: `send(i)` then `receive()` must return `i`.
fn round_trips(mut send: impl FnMut(u64), mut receive: impl FnMut(u64) -> u64) -> Vec<u64> {
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..(WARM_UP + ROUND_TRIPS) as u64 {
        let start = Instant::now();
        send(i);
        let echoed = receive(i);
        let took = start.elapsed().as_nanos() as u64;
        assert_eq!(echoed, i);
        if i as usize >= WARM_UP {
            samples.push(took);
        }
    }
    samples
}

const DONE: u64 = u64::MAX;

fn latency() -> Vec<Percentiles> {
    let total = (WARM_UP + ROUND_TRIPS) as u64;
    let mut results = Vec::new();

    // The floor: two cache lines, each written by one thread and read by the other.
    {
        let ping = Arc::new(crossbeam_utils::CachePadded::new(AtomicU64::new(u64::MAX)));
        let pong = Arc::new(crossbeam_utils::CachePadded::new(AtomicU64::new(u64::MAX)));
        let echo = {
            let (ping, pong) = (ping.clone(), pong.clone());
            thread::spawn(move || {
                for i in 0..total {
                    while ping.load(Ordering::Acquire) != i {
                        std::hint::spin_loop();
                    }
                    pong.store(i, Ordering::Release);
                }
            })
        };
        let samples = round_trips(
            |i| ping.store(i, Ordering::Release),
            |i| {
                while pong.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                }
                i
            },
        );
        echo.join().unwrap();
        results.push(percentiles("floor (AtomicU64 ping-pong)", samples));
    }

    {
        let there = Ring::<u64, 64, Overwrite, 1>::new_arc();
        let back = Ring::<u64, 64, Overwrite, 1>::new_arc();
        let mut there_rx = Subscriber::new(there.clone()).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let mut back_tx = Publisher::new(back.clone()).unwrap();
        let echo = thread::spawn(move || {
            while let Ok(value) = there_rx.recv() {
                back_tx.publish(value);
            }
        });
        let mut there_tx = Publisher::new(there).unwrap();
        let mut back_rx = Subscriber::new(back).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let samples = round_trips(|i| there_tx.publish(i), |_| back_rx.recv().unwrap());
        drop(there_tx);
        echo.join().unwrap();
        results.push(percentiles("hardwire", samples));
    }

    {
        let (mut there_tx, there) = photon_ring::channel::<u64>(64);
        let (mut back_tx, back) = photon_ring::channel::<u64>(64);
        let mut there_rx = there.subscribe();
        let mut back_rx = back.subscribe();
        let echo = thread::spawn(move || {
            loop {
                let value = there_rx.recv();
                if value == DONE {
                    break;
                }
                back_tx.publish(value);
            }
        });
        let samples = round_trips(|i| there_tx.publish(i), |_| back_rx.recv());
        there_tx.publish(DONE);
        echo.join().unwrap();
        results.push(percentiles("photon-ring", samples));
    }

    {
        let (mut there_tx, mut there_rx) = rtrb::RingBuffer::<u64>::new(64);
        let (mut back_tx, mut back_rx) = rtrb::RingBuffer::<u64>::new(64);
        let echo = thread::spawn(move || {
            loop {
                match there_rx.pop() {
                    Ok(DONE) => break,
                    Ok(value) => back_tx.push(value).unwrap(),
                    Err(_) => std::hint::spin_loop(),
                }
            }
        });
        let samples = round_trips(
            |i| there_tx.push(i).unwrap(),
            |_| loop {
                if let Ok(value) = back_rx.pop() {
                    return value;
                }
                std::hint::spin_loop();
            },
        );
        there_tx.push(DONE).unwrap();
        echo.join().unwrap();
        results.push(percentiles("rtrb", samples));
    }

    {
        let (there_tx, there_rx) = crossbeam_channel::bounded::<u64>(64);
        let (back_tx, back_rx) = crossbeam_channel::bounded::<u64>(64);
        let echo = thread::spawn(move || there_rx.iter().for_each(|value| back_tx.send(value).unwrap()));
        let samples = round_trips(|i| there_tx.send(i).unwrap(), |_| back_rx.recv().unwrap());
        drop(there_tx);
        echo.join().unwrap();
        results.push(percentiles("crossbeam-channel", samples));
    }
    results
}

// ---------------------------------------------------------------------------------------
// The summary: medians from criterion's files, and the latency percentiles.

/// The scenarios of the summary, in order, with how to show their medians.
const SCENARIOS: &[(&str, Unit)] = &[
    ("publish_only", Unit::NsPerOp),
    ("publish_recv", Unit::NsPerOp),
    ("fan_out_4", Unit::NsPerOp),
    ("batch_64", Unit::NsPerOp),
    ("dispatch_1", Unit::NsPerOp),
    ("dispatch_4", Unit::NsPerOp),
    ("dispatch_16", Unit::NsPerOp),
    ("dispatch_64", Unit::NsPerOp),
    ("payload_8B", Unit::NsPerOp),
    ("payload_24B", Unit::NsPerOp),
    ("payload_64B", Unit::NsPerOp),
    ("payload_256B", Unit::NsPerOp),
    ("payload_1024B", Unit::NsPerOp),
    ("three_events", Unit::NsPerOp),
    ("cross_thread_1to1", Unit::MessagesPerSecond),
    ("cross_thread_mpmc_2to1", Unit::MessagesPerSecond),
];

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    /// Median time per criterion iteration, as measured.
    NsPerOp,
    /// `MESSAGES` per iteration, shown as millions of messages per second.
    MessagesPerSecond,
}

/// Medians of every contender of `group`: `(contender, nanoseconds per iteration)`.
fn medians(root: &std::path::Path, group: &str) -> Vec<(String, f64)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(group)) else { return found };
    for entry in entries.flatten() {
        let estimates = entry.path().join("new").join("estimates.json");
        let Ok(text) = std::fs::read_to_string(&estimates) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if let Some(median) = json["median"]["point_estimate"].as_f64() {
            found.push((entry.file_name().to_string_lossy().into_owned(), median));
        }
    }
    found
}

fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), std::path::PathBuf::from);
    target.join("criterion")
}

fn summary(latencies: &[Percentiles]) -> String {
    use std::fmt::Write;
    let root = criterion_dir();
    let mut out = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = thread::available_parallelism().map_or(0, usize::from);
    let date = std::env::var("HARDWIRE_BENCH_DATE").map_or_else(|_| String::new(), |date| format!("{date}, "));
    let _ = writeln!(out, "{date}{cpu}, {cores} cores. Medians of one run of `scripts/bench.sh`.\n");
    let _ = writeln!(out, "| scenario | hardwire | best peer | hardwire / best peer | every contender |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for &(group, unit) in SCENARIOS {
        let mut all = medians(&root, group);
        if all.is_empty() {
            continue;
        }
        // Faster first: least time per iteration.
        all.sort_by(|a, b| a.1.total_cmp(&b.1));
        let show = |ns: f64| match unit {
            Unit::NsPerOp => format!("{ns:.1} ns"),
            Unit::MessagesPerSecond => format!("{:.1} M msg/s", MESSAGES as f64 / ns * 1e3),
        };
        let ours = all.iter().find(|(name, _)| name == "hardwire" || name == "hardwire-inline");
        let peer = all.iter().find(|(name, _)| !name.starts_with("hardwire"));
        let ratio = match (ours, peer) {
            (Some(ours), Some(peer)) => match unit {
                Unit::NsPerOp => format!("{:.2}× the time", ours.1 / peer.1),
                Unit::MessagesPerSecond => format!("{:.2}× the rate", peer.1 / ours.1),
            },
            _ => "–".to_owned(),
        };
        let every = all.iter().map(|(name, ns)| format!("{name} {}", show(*ns))).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            out,
            "| {group} | {} | {} | {ratio} | {every} |",
            ours.map_or("–".to_owned(), |o| show(o.1)),
            peer.map_or("–".to_owned(), |p| format!("{} {}", p.0, show(p.1))),
        );
    }
    let _ = writeln!(out, "\nRound trip across two threads (ns, {ROUND_TRIPS} samples after {WARM_UP} warm-up):\n");
    let _ = writeln!(out, "| contender | p50 | p99 | p99.9 |");
    let _ = writeln!(out, "|---|---|---|---|");
    for l in latencies {
        let _ = writeln!(out, "| {} | {} | {} | {} |", l.name, l.p50, l.p99, l.p999);
    }
    out
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    let groups: &[fn(&mut Criterion)] = &[
        publish_only,
        publish_recv,
        fan_out_4,
        batch_64,
        dispatch,
        payload_scaling,
        three_events,
        one_to_one,
        mpmc_2to1,
    ];
    for group in groups {
        group(&mut criterion);
    }
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each benchmark once and
    // passes nothing: no tables then.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let latencies = latency();
    let table = summary(&latencies);
    println!("\n{table}");
    let dir = criterion_dir().with_file_name("hardwire-bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("summary.md"), &table);
    }
}
