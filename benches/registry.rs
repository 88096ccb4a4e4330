//! The handler registry beside registry-io 1.1 (the crate its users come from), and what taps
//! cost a generated bus's publish path when nobody taps the topic.
//!
//! ```text
//! cargo bench --manifest-path benches/Cargo.toml --bench registry
//! ```
//!
//! * `notify/{hardwire,registry-io}/N`: one notify to N = 1, 4, 16, 64 handlers doing the
//!   same work (`black_box` of the event), each isolated with `catch_unwind` in both crates;
//!   `notify_trusted/hardwire/N` skips the isolation.
//! * `publish/{ring,bus-untapped,bus-tapped}`: the runtime's `Publisher` on a bare ring,
//!   the generated publisher of the same ring with its taps check (nobody tapping), and
//!   with one tap registered.

#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hardwire::{Event, Overwrite, Registry, Ring};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Sample {
    pub value: u64,
}

#[hardwire::bus]
pub mod bench_bus {
    use super::Sample;

    #[topic(capacity = 4096)]
    pub struct Samples(Sample);
}

fn notify(c: &mut Criterion) {
    let mut group = c.benchmark_group("notify");
    group.throughput(Throughput::Elements(1));
    for n in [1usize, 4, 16, 64] {
        let ours = Registry::<u64>::new();
        let theirs = registry_io::SyncRegistry::<u64>::new();
        for _ in 0..n {
            ours.register(|event| {
                black_box(*event);
            });
            theirs.register(|event: &u64| {
                black_box(*event);
            });
        }
        group.bench_function(format!("hardwire/{n}"), |b| b.iter(|| ours.notify(black_box(&7))));
        group.bench_function(format!("registry-io/{n}"), |b| b.iter(|| theirs.notify(black_box(&7))));
        group.bench_function(format!("hardwire-trusted/{n}"), |b| b.iter(|| ours.notify_trusted(black_box(&7))));
    }
    group.finish();
}

fn publish(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish");
    group.throughput(Throughput::Elements(1));

    let ring = Ring::<Sample, 4096, Overwrite, 1>::new_boxed();
    let mut bare = ring.publisher().unwrap();
    let mut i = 0u64;
    group.bench_function("ring", |b| {
        b.iter(|| {
            bare.publish(black_box(Sample { value: i }));
            i = i.wrapping_add(1);
        })
    });

    let bus = bench_bus::Bus::new_boxed();
    let mut untapped = bus.samples().publisher().unwrap();
    group.bench_function("bus-untapped", |b| {
        b.iter(|| {
            untapped.publish(black_box(Sample { value: i }));
            i = i.wrapping_add(1);
        })
    });

    let tapped_bus = bench_bus::Bus::new_boxed();
    tapped_bus.samples().taps().registry().register(|event| {
        black_box(event);
    });
    let mut tapped = tapped_bus.samples().publisher().unwrap();
    group.bench_function("bus-tapped", |b| {
        b.iter(|| {
            tapped.publish(black_box(Sample { value: i }));
            i = i.wrapping_add(1);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .configure_from_args();
    targets = notify, publish
}
criterion_main!(benches);
