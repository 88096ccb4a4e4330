//! Sized byte payloads beside rusted-ring 0.5 (the crate its users come from): one thread
//! publishes a payload and reads it back, for 64-byte and 1 KiB size classes, with 48- and
//! 700-byte payloads.
//!
//! ```text
//! cargo bench --manifest-path benches/Cargo.toml --bench bytes
//! ```
//!
//! Same thread only: rusted-ring's reader copies slots with plain (non-atomic) loads while
//! its writer may store to them, so a cross-thread run would measure a data race. hardwire
//! copies through its seqlock's atomic words in both directions.

#![allow(missing_docs)] // criterion_group! generates an undocumented `pub fn`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rusted_ring::{PooledEvent, Reader, RingBuffer, Writer};

#[hardwire::bus]
pub mod blobs {
    #[topic(capacity = 256, payload = "bytes", size = "XS")]
    pub struct Small;

    #[topic(capacity = 256, payload = "bytes", size = "M")]
    pub struct Medium;

    #[subscriber(Small, Medium)]
    pub trait Reader {}
}

fn pooled<const N: usize>(bytes: &[u8]) -> PooledEvent<N> {
    let mut event = PooledEvent::<N> { len: bytes.len() as u32, event_type: 1, data: [0; N] };
    event.data[..bytes.len()].copy_from_slice(bytes);
    event
}

fn publish_and_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("bytes");
    group.throughput(Throughput::Elements(1));
    let bus = blobs::Bus::new_boxed();
    let mut reader = bus.reader().unwrap();
    let mut small = bus.small().publisher().unwrap();
    let mut medium = bus.medium().publisher().unwrap();
    let (short, long) = ([7u8; 48], [9u8; 700]);

    group.bench_function("XS-48B/hardwire", |b| {
        b.iter(|| {
            small.publish_bytes(black_box(&short)).unwrap();
            black_box(reader.try_recv_small().unwrap());
        })
    });
    group.bench_function("M-700B/hardwire", |b| {
        b.iter(|| {
            medium.publish_bytes(black_box(&long)).unwrap();
            black_box(reader.try_recv_medium().unwrap());
        })
    });

    let xs: &'static RingBuffer<64, 256> = Box::leak(Box::new(RingBuffer::new()));
    let (xs_writer, mut xs_reader) = (Writer::new(xs), Reader::new(xs));
    group.bench_function("XS-48B/rusted-ring", |b| {
        b.iter(|| {
            xs_writer.add(pooled::<64>(black_box(&short)));
            black_box(xs_reader.next().unwrap());
        })
    });
    let m: &'static RingBuffer<1024, 256> = Box::leak(Box::new(RingBuffer::new()));
    let (m_writer, mut m_reader) = (Writer::new(m), Reader::new(m));
    group.bench_function("M-700B/rusted-ring", |b| {
        b.iter(|| {
            m_writer.add(pooled::<1024>(black_box(&long)));
            black_box(m_reader.next().unwrap());
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
    targets = publish_and_read
}
criterion_main!(benches);
