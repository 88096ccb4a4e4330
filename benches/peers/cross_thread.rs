//! Cross-thread throughput. One criterion iteration moves `MESSAGES` messages from the
//! producer(s) to one consumer, lossless, both sides busy-spinning; the time includes
//! spawning the consumer (tens of microseconds, under 1 % of an iteration).

use super::*;

pub(crate) const MESSAGES: u64 = 1_000_000;

pub(crate) fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

pub(crate) fn one_to_one(c: &mut Criterion) {
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
pub(crate) fn channel_peers(group: &mut BenchmarkGroup<'_, WallTime>, producers: u64) {
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
pub(crate) fn channel_run<S: Clone + Send + 'static>(
    tx: S,
    rx: impl IntoIterator<Item = u64>,
    producers: u64,
    send: fn(&S, u64),
) {
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
pub(crate) fn mpmc_2to1(c: &mut Criterion) {
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
