//! Round-trip latency: one thread sends a value, the other echoes it on a second channel;
//! each round trip is timed with `Instant` (the timer's own cost, ~20 ns here, is in every
//! contender's numbers alike). Percentiles come from the sorted samples.
//!
//! Like the cross-thread throughput, the contenders run in interleaved rounds (every
//! contender once per round, the floor first), so that all of them see the same placements
//! of the two threads; the summary reports each round's p50 per contender, and the p99 and
//! p99.9 of all rounds' samples together.

use super::*;

/// Round trips per contender over all rounds.
pub(crate) const ROUND_TRIPS: usize = 210_000;
/// Warm-up round trips before each contender's samples in each round.
pub(crate) const WARM_UP: usize = 5_000;

/// Latency percentiles of one set of samples, in nanoseconds.
pub(crate) struct Percentiles {
    pub(crate) p50: u64,
    pub(crate) p99: u64,
    pub(crate) p999: u64,
}

pub(crate) fn percentiles(mut samples: Vec<u64>) -> Percentiles {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Percentiles { p50: at(0.50), p99: at(0.99), p999: at(0.999) }
}

/// A contender's round trips: `samples` timed ones after `WARM_UP` untimed ones.
type RoundTrips = fn(usize) -> Vec<u64>;

/// Every contender of the round-trip table, the floor first.
pub(crate) const LATENCY: &[(&str, RoundTrips)] = &[
    ("floor (AtomicU64 ping-pong)", floor),
    ("hardwire", hardwire),
    ("hardwire (2 processes)", hardwire_processes_round_trips),
    #[cfg(feature = "iceoryx2")]
    ("iceoryx2 (2 processes)", iceoryx2_processes_round_trips),
    ("photon-ring", photon_ring),
    ("rtrb", rtrb),
    ("crossbeam-channel", crossbeam),
];

/// The round-trip results: per contender, each round's p50 and the percentiles of all
/// rounds' samples.
pub(crate) struct Latency {
    pub(crate) name: &'static str,
    pub(crate) p50_per_round: Vec<u64>,
    pub(crate) all: Percentiles,
}

pub(crate) fn latency() -> Vec<Latency> {
    let per_round = ROUND_TRIPS / ROUNDS;
    let mut samples: Vec<Vec<u64>> = vec![Vec::new(); LATENCY.len()];
    let mut p50s: Vec<Vec<u64>> = vec![Vec::new(); LATENCY.len()];
    for _ in 0..ROUNDS {
        for (i, &(_, run)) in LATENCY.iter().enumerate() {
            let round = run(per_round);
            p50s[i].push(percentiles(round.clone()).p50);
            samples[i].extend(round);
        }
    }
    LATENCY
        .iter()
        .zip(samples.into_iter().zip(p50s))
        .map(|(&(name, _), (all, p50_per_round))| Latency { name, p50_per_round, all: percentiles(all) })
        .collect()
}

/// `samples` timed round trips after `WARM_UP`: `send(i)` then `receive()` must return `i`.
pub(crate) fn round_trips(samples: usize, mut send: impl FnMut(u64), mut receive: impl FnMut(u64) -> u64) -> Vec<u64> {
    let mut taken = Vec::with_capacity(samples);
    for i in 0..(WARM_UP + samples) as u64 {
        let start = Instant::now();
        send(i);
        let echoed = receive(i);
        let took = start.elapsed().as_nanos() as u64;
        assert_eq!(echoed, i);
        if i as usize >= WARM_UP {
            taken.push(took);
        }
    }
    taken
}

const DONE: u64 = u64::MAX;

/// The floor's percentiles over `samples` round trips: the cross-thread groups' placement
/// probe.
pub(crate) fn floor_round_trips(samples: usize) -> Percentiles {
    percentiles(floor(samples))
}

/// The floor: two cache lines, each written by one thread and read by the other.
fn floor(samples: usize) -> Vec<u64> {
    let total = (WARM_UP + samples) as u64;
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
    let taken = round_trips(
        samples,
        |i| ping.store(i, Ordering::Release),
        |i| {
            while pong.load(Ordering::Acquire) != i {
                std::hint::spin_loop();
            }
            i
        },
    );
    echo.join().unwrap();
    taken
}

fn hardwire(samples: usize) -> Vec<u64> {
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
    let taken = round_trips(samples, |i| there_tx.publish(i), |_| back_rx.recv().unwrap());
    drop(there_tx);
    echo.join().unwrap();
    taken
}

fn photon_ring(samples: usize) -> Vec<u64> {
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
    let taken = round_trips(samples, |i| there_tx.publish(i), |_| back_rx.recv());
    there_tx.publish(DONE);
    echo.join().unwrap();
    taken
}

fn rtrb(samples: usize) -> Vec<u64> {
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
    let taken = round_trips(
        samples,
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
    taken
}

fn crossbeam(samples: usize) -> Vec<u64> {
    let (there_tx, there_rx) = crossbeam_channel::bounded::<u64>(64);
    let (back_tx, back_rx) = crossbeam_channel::bounded::<u64>(64);
    let echo = thread::spawn(move || there_rx.iter().for_each(|value| back_tx.send(value).unwrap()));
    let taken = round_trips(samples, |i| there_tx.send(i).unwrap(), |_| back_rx.recv().unwrap());
    drop(there_tx);
    echo.join().unwrap();
    taken
}
