//! Owned handles: a `SharedBus` (the bus in an `Arc`) hands out `'static` handles that move
//! into `std::thread::spawn` — no `static`, no scope, no `Box::leak`. The bus is freed when
//! the last handle and clone are gone.
//!
//! ```text
//! cargo run --release --example shared
//! ```

use std::thread;

use hardwire::{Event, Shutdown};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Job {
    pub id: u64,
    pub cost: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Done {
    pub id: u64,
    pub worker: u64,
}

#[hardwire::bus]
pub mod farm {
    use super::{Done, Job};

    /// Work for the pool: lossless, many producers.
    #[topic(capacity = 256, overflow = "backpressure", producers = "multi")]
    pub struct Jobs(Job);

    /// Results: lossless, many producers (each worker).
    #[topic(capacity = 256, overflow = "backpressure", producers = "multi")]
    pub struct Results(Done);

    /// A stage: takes jobs, publishes results.
    #[subscriber(Jobs, publishes = [Results])]
    pub trait Worker {}

    #[subscriber(Results)]
    pub trait Collector {}
}

struct Work(u64);

impl farm::Worker for Work {
    fn on_job(&mut self, job: &Job, out: &mut farm::worker::Outputs<'_>) {
        out.results.publish(Done { id: job.id, worker: self.0 + job.cost % 2 });
    }
}

#[derive(Default)]
struct Tally {
    done: u64,
    sum: u64,
}

impl farm::Collector for Tally {
    fn on_done(&mut self, done: &Done) {
        self.done += 1;
        self.sum += done.id;
    }
}

const JOBS: u64 = 100_000;

fn main() {
    let bus = farm::SharedBus::new();
    let shutdown = std::sync::Arc::new(Shutdown::new());

    // Every handle is `'static`: moved into a thread, it keeps the bus alive itself.
    let mut worker = bus.worker().expect("taken once");
    let mut collector = bus.collector().expect("taken once");
    let workers = {
        let shutdown = shutdown.clone();
        thread::spawn(move || worker.run(&mut Work(1), &shutdown))
    };
    let collecting = thread::spawn(move || {
        let mut tally = Tally::default();
        while tally.done < JOBS {
            collector.poll(&mut tally);
            thread::yield_now();
        }
        tally
    });
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let mut jobs = bus.jobs_publisher().expect("multi-producer: any number");
            thread::spawn(move || (0..JOBS / 2).for_each(|i| jobs.publish(Job { id: p * (JOBS / 2) + i, cost: i })))
        })
        .collect();
    producers.into_iter().for_each(|p| p.join().unwrap());
    let tally = collecting.join().unwrap();
    shutdown.trigger();
    workers.join().unwrap();

    println!("shared: {} jobs done by a worker thread, collected by another; id sum {}", tally.done, tally.sum);
    println!("{}", bus.stats());
    assert_eq!(tally.done, JOBS);
    assert_eq!(tally.sum, JOBS * (JOBS - 1) / 2);
    // `bus` is the last owner now (every handle went with its thread): dropping it frees the bus.
}
