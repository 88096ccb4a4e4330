//! Ring micro-benchmarks: publish only, publish + try_recv, fan-out to 4 subscribers,
//! batches of 64, and one producer → one consumer across threads. The side-by-side
//! comparison with peer crates is a separate suite.
//!
//! ```text
//! cargo bench --manifest-path benches/Cargo.toml --bench ring
//! ```
//!
//! The cross-thread group also measures the slot layout decision: `u64` events in packed
//! 16-byte slots (4 per cache line, the layout `slot_words` picks) against the same
//! events padded to one slot per cache line.

#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hardwire::{Backpressure, Overwrite, Payload, Publisher, Ring, Subscriber, WaitStrategy};

/// A `u64` event forced into a whole cache line per slot (8-byte stamp + 56 bytes).
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(transparent)]
struct LinePadded(u64);

impl Payload for LinePadded {
    type Words = [u64; 7];
}

const CAP: usize = 4096;

fn single_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring");
    group.throughput(Throughput::Elements(1));

    let ring = Ring::<u64, CAP>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut i = 0u64;
    group.bench_function("publish_only/overwrite/u64", |b| {
        b.iter(|| {
            publisher.publish(black_box(i));
            i = i.wrapping_add(1);
        })
    });

    let ring = Ring::<[u64; 3], CAP>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    group.bench_function("publish_only/overwrite/24B", |b| b.iter(|| publisher.publish(black_box([1, 2, 3]))));

    let ring = Ring::<u64, CAP>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut subscriber = ring.subscribe().unwrap();
    group.bench_function("publish_try_recv/overwrite/u64", |b| {
        b.iter(|| {
            publisher.publish(black_box(7));
            black_box(subscriber.try_recv().unwrap())
        })
    });

    let ring = Ring::<u64, CAP, Backpressure>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut subscriber = ring.subscribe().unwrap();
    group.bench_function("publish_try_recv/backpressure/u64", |b| {
        b.iter(|| {
            publisher.publish(black_box(7));
            black_box(subscriber.try_recv().unwrap())
        })
    });

    let ring = Ring::<u64, CAP, Overwrite, 4>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut subscribers: Vec<_> = (0..4).map(|_| ring.subscribe().unwrap()).collect();
    group.bench_function("fan_out_4/overwrite/u64", |b| {
        b.iter(|| {
            publisher.publish(black_box(7));
            for subscriber in &mut subscribers {
                black_box(subscriber.try_recv().unwrap());
            }
        })
    });

    group.throughput(Throughput::Elements(64));
    let ring = Ring::<u64, CAP>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut subscriber = ring.subscribe().unwrap();
    let events: Vec<u64> = (0..64).collect();
    let mut out = [0u64; 64];
    group.bench_function("batch_64/overwrite/u64", |b| {
        b.iter(|| {
            publisher.publish_batch(black_box(&events));
            black_box(subscriber.try_recv_batch(&mut out).unwrap())
        })
    });
    group.finish();
}

/// Messages per criterion iteration batch in the cross-thread benchmarks: large enough that
/// spawning the consumer is noise.
const CROSS_MESSAGES: u64 = 2_000_000;

/// One producer → one consumer on a `Backpressure` ring (lossless, so every message is
/// counted), both busy-spinning; criterion reports messages per second.
fn cross_thread_run<T: Payload>(ring: Arc<Ring<T, CAP, Backpressure, 1>>, make: &dyn Fn(u64) -> T) {
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
    let consumer = thread::spawn(move || {
        let mut received = 0u64;
        while let Ok(event) = subscriber.recv() {
            black_box(event);
            received += 1;
        }
        received
    });
    for i in 0..CROSS_MESSAGES {
        publisher.publish(make(i));
    }
    drop(publisher);
    assert_eq!(consumer.join().unwrap(), CROSS_MESSAGES);
}

fn cross_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("ring_cross_thread");
    group.throughput(Throughput::Elements(CROSS_MESSAGES));
    group.sample_size(10);
    group.bench_function("one_to_one/backpressure/u64_packed_16B_slots", |b| {
        b.iter_batched(
            Ring::<u64, CAP, Backpressure, 1>::new_arc,
            |ring| cross_thread_run(ring, &|i| i),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("one_to_one/backpressure/u64_one_slot_per_line", |b| {
        b.iter_batched(
            Ring::<LinePadded, CAP, Backpressure, 1>::new_arc,
            |ring| cross_thread_run(ring, &LinePadded),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("one_to_one/backpressure/24B", |b| {
        b.iter_batched(
            Ring::<[u64; 3], CAP, Backpressure, 1>::new_arc,
            |ring| cross_thread_run(ring, &|i| [i, i, i]),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = single_thread, cross_thread
}
criterion_main!(benches);
