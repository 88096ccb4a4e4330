//! Round-trip latency: one thread sends a value, the other echoes it on a second channel;
//! each round trip is timed with `Instant` (the timer's own cost, ~20 ns here, is in every
//! contender's numbers alike). Percentiles come from the sorted samples.

use super::*;

pub(crate) const ROUND_TRIPS: usize = 200_000;
pub(crate) const WARM_UP: usize = 20_000;

/// Latency percentiles of one contender, in nanoseconds.
pub(crate) struct Percentiles {
    pub(crate) name: &'static str,
    pub(crate) p50: u64,
    pub(crate) p99: u64,
    pub(crate) p999: u64,
}

pub(crate) fn percentiles(name: &'static str, mut samples: Vec<u64>) -> Percentiles {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Percentiles { name, p50: at(0.50), p99: at(0.99), p999: at(0.999) }
}

/// Runs `ROUND_TRIPS` timed round trips: `send(i)` then `receive()` must return `i`.
pub(crate) fn round_trips(mut send: impl FnMut(u64), mut receive: impl FnMut(u64) -> u64) -> Vec<u64> {
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

pub(crate) const DONE: u64 = u64::MAX;

pub(crate) fn latency() -> Vec<Percentiles> {
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
