//! Cross-thread throughput, in interleaved rounds.
//!
//! One run moves `MESSAGES` messages from the producer(s) to one consumer, lossless, and is
//! timed from before the consumer is spawned to after it has checked the sum (spawning is
//! tens of microseconds, under 1 % of a run). On a 2-core VM the two vCPUs' placement on the
//! host changes over time, and a run's speed with it: so every contender runs once per
//! round, in turn (A B C, A B C, …), [`ROUNDS`] rounds, and the summary reports each one's
//! median and spread over the rounds, beside the round's floor (a ping-pong on two
//! `AtomicU64`s, measured at the start of each round) that shows which placement the round
//! had. Criterion is not used here: it runs one contender's samples back to back, so a
//! placement change between two contenders would read as a difference between them.

use super::*;

pub(crate) const MESSAGES: u64 = 1_000_000;

/// Rounds of each interleaved measurement.
pub(crate) const ROUNDS: usize = 7;

pub(crate) const SUM: u64 = MESSAGES * (MESSAGES - 1) / 2;

/// A contender of a cross-thread group: its name and one timed run.
pub(crate) type Contender = (&'static str, fn() -> Duration);

/// One interleaved group: its name, each contender's rate per round (M msg/s), and each
/// round's floor round trip (ns, p50).
pub(crate) struct Rounds {
    pub(crate) group: &'static str,
    pub(crate) rates: Vec<(&'static str, Vec<f64>)>,
    pub(crate) floor_p50: Vec<u64>,
}

/// Runs `contenders` in [`ROUNDS`] interleaved rounds, each round after a floor probe.
pub(crate) fn interleaved(group: &'static str, contenders: &[Contender]) -> Rounds {
    let mut rates: Vec<(&'static str, Vec<f64>)> = contenders.iter().map(|&(name, _)| (name, Vec::new())).collect();
    let mut floor_p50 = Vec::new();
    for &(_, run) in contenders {
        run(); // warm-up: first-touch page faults, thread-stack reuse
    }
    for round in 0..ROUNDS {
        floor_p50.push(floor_round_trips(20_000).p50);
        // Rotate the start so that no contender always runs first after the probe.
        for i in 0..contenders.len() {
            let (name, run) = contenders[(i + round) % contenders.len()];
            let took = run();
            let rate = MESSAGES as f64 / took.as_secs_f64() / 1e6;
            if let Some((_, per_round)) = rates.iter_mut().find(|(n, _)| *n == name) {
                per_round.push(rate);
            }
        }
    }
    Rounds { group, rates, floor_p50 }
}

pub(crate) fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

pub(crate) const ONE_TO_ONE: &[Contender] = &[
    ("hardwire", hardwire_1to1),
    ("hardwire (2 processes)", hardwire_processes_1to1),
    #[cfg(feature = "iceoryx2")]
    ("iceoryx2 (2 processes)", iceoryx2_processes_1to1),
    ("rtrb", rtrb_1to1),
    ("photon-ring", photon_ring_1to1),
    ("disruptor", disruptor_1to1),
    ("crossbeam-channel", || crossbeam_run(1)),
    ("std-sync-channel", || std_run(1)),
    ("bus", bus_1to1),
];

pub(crate) const MPMC_2TO1: &[Contender] = &[
    ("hardwire", hardwire_2to1),
    ("crossbeam-channel", || crossbeam_run(2)),
    ("std-sync-channel", || std_run(2)),
    ("disruptor", disruptor_2to1),
];

fn hardwire_1to1() -> Duration {
    let ring = Ring::<u64, CAP, Backpressure, 1>::new_arc();
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
        assert_eq!(consumer.join().unwrap(), SUM);
    })
}

fn rtrb_1to1() -> Duration {
    let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
    timed(|| {
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
        assert_eq!(consumer.join().unwrap(), SUM);
    })
}

fn photon_ring_1to1() -> Duration {
    let (mut tx, subscribable) = photon_ring::channel_bounded::<u64>(CAP, 0);
    let mut rx = subscribable.subscribe();
    timed(|| {
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
        assert_eq!(consumer.join().unwrap(), SUM);
    })
}

fn disruptor_1to1() -> Duration {
    timed(|| {
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
        assert_eq!(sum.load(Ordering::Relaxed), SUM);
    })
}

fn bus_1to1() -> Duration {
    let mut tx = bus::Bus::<u64>::new(CAP);
    let mut rx = tx.add_rx();
    timed(|| {
        let consumer = thread::spawn(move || rx.iter().fold(0u64, |sum, value| sum.wrapping_add(black_box(value))));
        (0..MESSAGES).for_each(|value| tx.broadcast(value));
        drop(tx);
        assert_eq!(consumer.join().unwrap(), SUM);
    })
}

fn crossbeam_run(producers: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
    timed(|| channel_run(tx, rx, producers, |tx, value| tx.send(value).unwrap()))
}

fn std_run(producers: u64) -> Duration {
    let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
    timed(|| channel_run(tx, rx, producers, |tx, value| tx.send(value).unwrap()))
}

/// `MESSAGES` values, split between `producers` threads each with a clone of `tx`, summed
/// by this thread from `rx` until every sender is gone; checks the sum. The channel
/// contenders of both cross-thread groups.
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
    assert_eq!(sum, SUM);
}

/// Two producers, one consumer, lossless. On 2 cores the three threads share the cores,
/// so this measures behaviour under oversubscription as much as raw speed. hardwire waits
/// with its default strategy (spin, yield, then park), as the channels park: with three
/// threads on two cores, `Yield` alone measured 0.3–0.6× the channels' rate, the default
/// 2.2–2.8× (interleaved rounds, 2026-12-01).
fn hardwire_2to1() -> Duration {
    const PER: u64 = MESSAGES / 2;
    let ring = Ring::<u64, CAP, Backpressure, 1>::new_arc();
    let mut rx = Subscriber::new(ring.clone()).unwrap().with_wait_strategy(WaitStrategy::default());
    let tx = MultiPublisher::new(ring).unwrap().with_wait_strategy(WaitStrategy::default());
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
        assert_eq!(sum, SUM);
    })
}

fn disruptor_2to1() -> Duration {
    const PER: u64 = MESSAGES / 2;
    timed(|| {
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
        assert_eq!(sum.load(Ordering::Relaxed), SUM);
    })
}
