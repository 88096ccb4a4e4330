//! How fast a parked subscriber wakes for a new event: a subscriber of one ring topic beside a
//! subscriber of two (issue 11: a two-topic subscriber used to sleep-poll, waking up to ~2 ms
//! late; target: within 1.5× of the one-topic wake-up).
//!
//! ```text
//! cargo bench --manifest-path benches/Cargo.toml --bench wake
//! ```
//!
//! * `wake/one_topic`, `wake/two_topics`: a subscriber thread in `run` with
//!   `WaitStrategy::Block` (it parks as soon as it finds nothing). Each iteration lets it park
//!   (200 µs, not timed), then times from `publish` of one command to the handler having seen
//!   it. Criterion's median is the median wake-up latency.

#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hardwire::{Event, Shutdown, WaitStrategy};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Cmd {
    pub id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Reading {
    pub value: u64,
}

#[hardwire::bus]
pub mod wake_bus {
    use super::{Cmd, Reading};

    #[topic(capacity = 1024, overflow = "backpressure")]
    pub struct Commands(Cmd);

    #[topic(capacity = 1024)]
    pub struct Readings(Reading);

    #[subscriber(Commands, optional)]
    pub trait One {}

    #[subscriber(Commands, Readings, optional)]
    pub trait Two {}
}

/// Counts what it sees, for the timing loop to spin on.
struct Seen<'a>(&'a AtomicU64);

impl wake_bus::One for Seen<'_> {
    fn on_cmd(&mut self, _: &Cmd) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

impl wake_bus::Two for Seen<'_> {
    fn on_cmd(&mut self, _: &Cmd) {
        self.0.fetch_add(1, Ordering::Release);
    }
    fn on_reading(&mut self, _: &Reading) {}
}

/// Times `iters` wake-ups of a subscriber that `spawn` runs on its own thread.
fn wake_ups(iters: u64, seen: &AtomicU64, publish: &mut dyn FnMut(u64)) -> Duration {
    let mut total = Duration::ZERO;
    for id in 0..iters {
        thread::sleep(Duration::from_micros(200)); // let the subscriber park
        let before = seen.load(Ordering::Acquire);
        let started = Instant::now();
        publish(id);
        while seen.load(Ordering::Acquire) == before {
            std::hint::spin_loop();
        }
        total += started.elapsed();
    }
    total
}

fn wake(c: &mut Criterion) {
    let mut group = c.benchmark_group("wake");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    let bus = wake_bus::Bus::new_boxed();
    let mut commands = bus.commands().publisher().unwrap();
    let mut publish = |id| commands.publish(Cmd { id });
    for two in [false, true] {
        let (seen, shutdown) = (AtomicU64::new(0), Shutdown::new());
        thread::scope(|scope| {
            if two {
                let mut handle = bus.two().unwrap().with_wait_strategy(WaitStrategy::Block);
                let (seen, shutdown) = (&seen, &shutdown);
                scope.spawn(move || handle.run(&mut Seen(seen), shutdown));
            } else {
                let mut handle = bus.one().unwrap().with_wait_strategy(WaitStrategy::Block);
                let (seen, shutdown) = (&seen, &shutdown);
                scope.spawn(move || handle.run(&mut Seen(seen), shutdown));
            }
            let name = if two { "two_topics" } else { "one_topic" };
            group.bench_function(name, |b| b.iter_custom(|iters| wake_ups(iters, &seen, &mut publish)));
            shutdown.trigger();
        });
    }
    group.finish();
}

criterion_group!(benches, wake);
criterion_main!(benches);
