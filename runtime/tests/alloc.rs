//! The publish and receive hot paths allocate nothing: a counting global allocator sees zero
//! allocations over a million messages on every path, across threads too.

#![cfg(not(loom))] // plain-thread tests; the loom models are in loom_ring.rs

use std::sync::Arc;
use std::thread;

use hardwire_runtime::{Backpressure, MultiPublisher, Publisher, Ring, Subscriber, TryRecvError, WaitStrategy};

#[path = "support/counting.rs"]
mod counting;
use counting::measured;

const MESSAGES: u64 = if cfg!(miri) { 200 } else { 1_000_000 };

#[test]
fn the_counter_sees_allocations() {
    let (_, allocations) = measured(|| vec![1u8; 16]);
    assert_eq!(allocations, 1, "the guard must be able to fail");
}

#[test]
fn single_thread_publish_and_receive_allocate_nothing() {
    let overwrite = Ring::<[u64; 3], 1024>::new_boxed();
    let backpressure = Ring::<[u64; 3], 1024, Backpressure>::new_boxed();
    let mut overwrite_publisher = overwrite.publisher().unwrap();
    let mut overwrite_subscriber = overwrite.subscribe().unwrap();
    let mut backpressure_publisher = backpressure.publisher().unwrap();
    let mut backpressure_subscriber = backpressure.subscribe().unwrap();
    let mut batch_out = [[0u64; 3]; 64];
    let batch_in = [[7u64; 3]; 64];
    let ((), allocations) = measured(|| {
        for i in 0..MESSAGES {
            overwrite_publisher.publish([i, i, i]);
            assert_eq!(overwrite_subscriber.try_recv(), Ok([i, i, i]));
            backpressure_publisher.try_publish([i, 0, 0]).unwrap();
            assert!(backpressure_subscriber.latest().is_ok());
            if i % 64 == 0 {
                overwrite_publisher.publish_batch(&batch_in);
                assert_eq!(overwrite_subscriber.try_recv_batch(&mut batch_out), Ok(64));
                backpressure_publisher.publish_batch(&batch_in[..8]);
                assert_eq!(backpressure_subscriber.drain().count(), 8);
            }
        }
        assert_eq!(overwrite_subscriber.try_recv(), Err(TryRecvError::Empty));
    });
    assert_eq!(allocations, 0);
}

#[test]
fn events_built_in_their_slots_bytes_written_into_them_and_reads_in_place_allocate_nothing() {
    let ring = Ring::<[u64; 32], 64, Backpressure>::new_boxed();
    let mut publisher = ring.publisher().unwrap();
    let mut subscriber = ring.subscribe().unwrap();
    let bytes = Ring::<hardwire_runtime::BytesM, 64>::new_boxed();
    let mut bytes_publisher = bytes.publisher().unwrap();
    let mut bytes_subscriber = bytes.subscribe().unwrap();
    let frame = hardwire_runtime::BytesM::new(&[5; 300]).unwrap();
    let ((), allocations) = measured(|| {
        for i in 0..MESSAGES {
            publisher.publish_with(|slot| slot.fill(i));
            assert_eq!(subscriber.try_recv_with(|slot| slot[31]), Ok(i));
            bytes_publisher.publish(frame);
            assert_eq!(bytes_subscriber.try_recv_with(|frame| frame.len()), Ok(300));
            bytes_publisher.publish_bytes(&[6; 200]).unwrap();
            assert_eq!(bytes_subscriber.try_recv_with(|frame| frame.len()), Ok(200));
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn cross_thread_publish_and_blocking_receive_allocate_nothing() {
    let ring = Ring::<u64, 256, Backpressure, 2>::new_arc();
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
    let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::backoff());
    let producers: Vec<_> = (0..2)
        .map(|_| {
            let mut publisher = publisher.clone();
            thread::spawn(move || measured(|| (0..MESSAGES / 2).for_each(|i| publisher.publish(i))).1)
        })
        .collect();
    drop(publisher);
    let (received, consumer_allocations) = measured(|| std::iter::from_fn(|| subscriber.recv().ok()).count());
    let producer_allocations: u64 = producers.into_iter().map(|p| p.join().unwrap()).sum();
    assert_eq!(received as u64, MESSAGES);
    assert_eq!((producer_allocations, consumer_allocations), (0, 0));
}

#[test]
fn single_producer_across_threads_allocates_nothing() {
    let ring = Ring::<[u8; 24], 1024>::new_arc();
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
    let producer = thread::spawn(move || measured(|| (0..MESSAGES).for_each(|i| publisher.publish([i as u8; 24]))).1);
    let (_, consumer_allocations) = measured(|| {
        let mut seen = 0u64;
        loop {
            match subscriber.recv() {
                Ok(_) => seen += 1,
                Err(hardwire_runtime::RecvError::Lagged { missed }) => seen += missed,
                Err(_) => break,
            }
        }
        assert_eq!(seen, MESSAGES);
    });
    assert_eq!((producer.join().unwrap(), consumer_allocations), (0, 0));
}

#[test]
fn registry_notify_allocates_nothing_without_panics() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SUM: AtomicU64 = AtomicU64::new(0);
    let registry = hardwire_runtime::Registry::<u64>::new();
    for priority in 0..4 {
        registry.register_with_priority(priority, |n| {
            SUM.fetch_add(*n, Ordering::Relaxed);
        });
    }
    let empty = hardwire_runtime::Registry::<u64>::new();
    let (called, allocations) = measured(|| {
        let mut called = 0;
        for i in 0..MESSAGES / 4 {
            called += registry.notify(&i) + registry.notify_trusted(&i) + empty.notify(&i);
        }
        called
    });
    assert_eq!(called as u64, MESSAGES / 4 * 8);
    assert_eq!(allocations, 0);
}
