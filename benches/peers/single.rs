//! Single-thread scenarios: publish, publish and receive, fan-out, batches, dispatch,
//! payload sizes (lossy and lossless), three event types.

use super::*;

pub(crate) const CAP: usize = 4096;

pub(crate) fn publish_only(c: &mut Criterion) {
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

pub(crate) fn publish_recv(c: &mut Criterion) {
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

pub(crate) fn fan_out_4(c: &mut Criterion) {
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

pub(crate) fn batch_64(c: &mut Criterion) {
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
pub(crate) fn dispatch(c: &mut Criterion) {
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
pub(crate) fn direct_handler(sink: &mut Sink, tick: &Tick) {
    sink.0 = sink.0.wrapping_add(black_box(tick.value));
}

/// Publish + receive on one thread as the payload grows.
pub(crate) fn payload_scaling(c: &mut Criterion) {
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

/// Publish + receive through a lossless ring as the payload grows, the receiver's handler
/// reading the event where it lies (`&T`): hardwire's backpressure ring lends it in place
/// (`try_recv_with`); a queue's `pop` hands over a copy, which the handler then reads.
/// `hardwire-copy` is the same ring received by value; `hardwire-in-slot` writes the event
/// straight into its slot (`publish_with`); `hardwire-bus` a generated bus's lossless
/// topic, published to and drained by its subscriber's `poll` into a handler.
pub(crate) fn payload_lossless(c: &mut Criterion) {
    fn handler<T>(event: &T) {
        black_box(event);
    }
    fn scenario<const WORDS: usize>(c: &mut Criterion, bus: fn(&mut BenchmarkGroup<'_, WallTime>))
    where
        [u64; WORDS]: hardwire::Payload,
    {
        let mut group = c.benchmark_group(format!("lossless_{}B", WORDS * 8));
        group.throughput(Throughput::Bytes((WORDS * 8) as u64));
        let event = [7u64; WORDS];

        let ring = Ring::<[u64; WORDS], 1024, Backpressure, 1>::new_boxed();
        let mut publisher = ring.publisher().unwrap();
        let mut subscriber = ring.subscribe().unwrap();
        group.bench_function("hardwire", |b| {
            b.iter(|| {
                publisher.publish(black_box(event));
                subscriber.try_recv_with(handler).unwrap();
            })
        });
        group.bench_function("hardwire-copy", |b| {
            b.iter(|| {
                publisher.publish(black_box(event));
                handler(&subscriber.try_recv().unwrap());
            })
        });
        // The event written straight into its slot (`publish_with`), read in place.
        group.bench_function("hardwire-in-slot", |b| {
            b.iter(|| {
                publisher.publish_with(|slot| *slot = black_box(event));
                subscriber.try_recv_with(handler).unwrap();
            })
        });
        bus(&mut group);

        let (mut rtrb_tx, mut rtrb_rx) = rtrb::RingBuffer::<[u64; WORDS]>::new(1024);
        group.bench_function("rtrb", |b| {
            b.iter(|| {
                rtrb_tx.push(black_box(event)).unwrap();
                handler(&rtrb_rx.pop().unwrap());
            })
        });

        let (cb_tx, cb_rx) = crossbeam_channel::bounded::<[u64; WORDS]>(1024);
        group.bench_function("crossbeam-channel", |b| {
            b.iter(|| {
                cb_tx.send(black_box(event)).unwrap();
                handler(&cb_rx.try_recv().unwrap());
            })
        });
        group.finish();
    }
    scenario::<1>(c, lossless8::contender);
    scenario::<3>(c, lossless24::contender);
    scenario::<8>(c, lossless64::contender);
    scenario::<32>(c, lossless256::contender);
    scenario::<128>(c, lossless1024::contender);
}

/// A topic carrying three event types, received and dispatched by type: the generated
/// `poll` against channels carrying a hand-written Rust enum matched by hand.
pub(crate) fn three_events(c: &mut Criterion) {
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
