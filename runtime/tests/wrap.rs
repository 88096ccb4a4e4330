//! Sequence wrap-around (docs/RELIABILITY.md §6.4): the same scenarios from starting points where
//! narrower counters would wrap, and at the end of the sequence space. Run in debug (with
//! overflow checks) by `cargo test` and in release by `.ci/run`.

#![cfg(not(loom))] // plain-thread tests; the loom models are in loom_ring.rs

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;

use hardwire_runtime::{
    AnyRing, Backpressure, MultiPublisher, Overwrite, RecvError, Ring, SEQUENCE_LIMIT, Subscriber, TryRecvError,
};

const CAP: u64 = 4;

/// 0; where a 32-bit counter wraps; where the stamp's top bit comes into use; and three
/// laps before the end of the sequence space.
const STARTS: [u64; 4] = [0, (1 << 32) - 3 * CAP, (1 << 61) - 3 * CAP, SEQUENCE_LIMIT - 3 * CAP];

/// Receives until `Empty`, returning the values and the missed count.
fn drain_counting<P>(subscriber: &mut Subscriber<P>) -> (Vec<u64>, u64)
where
    P: std::ops::Deref,
    P::Target: AnyRing<Payload = u64>,
{
    let (mut values, mut missed) = (Vec::new(), 0);
    loop {
        match subscriber.try_recv() {
            Ok(value) => values.push(value),
            Err(TryRecvError::Lagged { missed: m }) => missed += m,
            Err(TryRecvError::Empty | TryRecvError::Closed) => return (values, missed),
        }
    }
}

#[test]
fn lag_counts_are_exact_across_every_boundary() {
    for start in STARTS {
        let ring = Ring::<u64, { CAP as usize }>::with_start_sequence(start);
        let mut subscriber = ring.subscribe().unwrap();
        let mut publisher = ring.publisher().unwrap();
        publisher.publish(0);
        publisher.publish(1);
        assert_eq!(subscriber.try_recv(), Ok(0));
        // Ten more: the subscriber, at 1, is lapped; the head is 12, so it resumes at
        // 12 - CAP = 8 having missed 7 (events 8..12 are all still in the ring).
        (2..12).for_each(|i| publisher.publish(i));
        let (values, missed) = drain_counting(&mut subscriber);
        assert_eq!(missed, 7, "start {start}");
        assert_eq!(values, [8, 9, 10, 11], "start {start}");
        assert_eq!(ring.published(), 12);
        assert_eq!(publisher.next_sequence(), start + 12);
    }
}

#[test]
fn backpressure_delivers_exactly_once_across_every_boundary() {
    for start in STARTS {
        let ring = Ring::<u64, { CAP as usize }, Backpressure>::with_start_sequence(start);
        let mut subscriber = ring.subscribe().unwrap();
        let mut publisher = ring.publisher().unwrap();
        let mut received = Vec::new();
        for i in 0..(3 * CAP) {
            if publisher.try_publish(i).is_err() {
                received.extend(subscriber.drain());
                publisher.try_publish(i).unwrap();
            }
        }
        received.extend(subscriber.drain());
        assert_eq!(received, (0..3 * CAP).collect::<Vec<_>>(), "start {start}");
    }
}

#[test]
fn publishing_past_the_end_panics_before_writing_and_never_wraps() {
    let ring = Ring::<u64, { CAP as usize }>::with_start_sequence(SEQUENCE_LIMIT - 3 * CAP);
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    (0..3 * CAP).for_each(|i| publisher.publish(i)); // the last one is sequence LIMIT - 1
    assert_eq!(publisher.remaining(), 0);
    let panic = catch_unwind(AssertUnwindSafe(|| publisher.publish(99))).unwrap_err();
    let message = panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied());
    assert!(message.unwrap().contains("sequence space exhausted"), "{message:?}");
    // Nothing was written: the newest events are intact and the ring is exactly full.
    assert_eq!(ring.published(), 3 * CAP);
    drop(publisher);
    let (values, missed) = drain_counting(&mut subscriber);
    assert_eq!((values, missed), ((2 * CAP..3 * CAP).collect(), 2 * CAP));
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed), "no hang at the end of the space");
}

#[test]
fn backpressure_try_publish_past_the_end_panics_too() {
    let ring = Ring::<u64, { CAP as usize }, Backpressure>::with_start_sequence(SEQUENCE_LIMIT - 1);
    let mut publisher = ring.publisher().unwrap();
    assert_eq!(publisher.try_publish(1), Ok(()));
    assert!(catch_unwind(AssertUnwindSafe(|| publisher.try_publish(2))).is_err());
}

#[test]
fn multi_producer_claims_past_the_end_are_undone() {
    let ring = Arc::new(Ring::<u64, { CAP as usize }>::with_start_sequence(SEQUENCE_LIMIT - 3 * CAP));
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
    let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap();
    publisher.clone().publish_batch(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    let attempts = if cfg!(miri) { 2 } else { 100 };
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mut publisher = publisher.clone();
            thread::spawn(move || {
                for i in 0..attempts {
                    let single = catch_unwind(AssertUnwindSafe(|| publisher.publish(i)));
                    let batch = catch_unwind(AssertUnwindSafe(|| publisher.publish_batch(&[i, i])));
                    assert!(single.is_err() && batch.is_err());
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    // Every failed claim was undone: the claim counter is back at the limit, not 800 past it.
    assert_eq!(ring.head().load(Ordering::Relaxed), SEQUENCE_LIMIT);
    assert_eq!(ring.published(), 3 * CAP);
    drop(publisher);
    let (values, _) = drain_counting(&mut subscriber);
    assert_eq!(values, [8, 9, 10, 11]);
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_claim_counter_near_u64_max_never_wraps() {
    // A start this close to u64::MAX is clamped to the limit, which leaves over 2^63 of room for
    // failed claims; many more threads than that headroom's old size (3 * CAP) claim here.
    let start = u64::MAX - 3 * CAP;
    let ring = Arc::new(Ring::<u64, { CAP as usize }, Overwrite>::with_start_sequence(start));
    assert_eq!(ring.head().load(Ordering::Relaxed), SEQUENCE_LIMIT);
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
    let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap();
    let (threads, attempts) = if cfg!(miri) { (3, 2) } else { (24, 200) };
    let threads: Vec<_> = (0..threads)
        .map(|_| {
            let mut publisher = publisher.clone();
            thread::spawn(move || {
                for i in 0..attempts {
                    assert!(catch_unwind(AssertUnwindSafe(|| publisher.publish(i))).is_err());
                    assert!(catch_unwind(AssertUnwindSafe(|| publisher.publish_batch(&[i; 3]))).is_err());
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let head = ring.head().load(Ordering::Relaxed);
    assert_eq!(head, SEQUENCE_LIMIT, "the claim counter moved (or wrapped) to {head}");
    assert_eq!(ring.published(), 0);
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Empty));
    drop(publisher);
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_subscriber_joining_right_after_the_slots_wrapped_receives_everything() {
    // photon-ring 2.1.0: multi-producer cursors deadlocked after a wrap; here a subscriber
    // that starts at the oldest slot after several laps must see every later event.
    for start in STARTS {
        let ring = Ring::<u64, { CAP as usize }, Backpressure>::with_start_sequence(start);
        let publisher = ring.multi_publisher().unwrap();
        publisher.clone().publish_batch(&[0; 10]);
        let mut subscriber = ring.subscribe().unwrap();
        assert_eq!(subscriber.next_sequence(), start + 10);
        let remaining = if start == SEQUENCE_LIMIT - 3 * CAP { 2 } else { 40 };
        thread::scope(|scope| {
            for t in 0..2 {
                let mut publisher = publisher.clone();
                scope.spawn(move || (0..remaining / 2).for_each(|i| publisher.publish(t * 1000 + i)));
            }
            drop(publisher);
            let mut count = 0;
            loop {
                match subscriber.recv() {
                    Ok(_) => count += 1,
                    Err(RecvError::Closed) => break,
                    Err(other) => panic!("start {start}: {other}"),
                }
            }
            assert_eq!(count, remaining, "start {start}");
        });
    }
}

#[test]
fn capacity_two_and_a_large_ring_count_laps_exactly() {
    let small = Ring::<u64, 2>::new();
    let mut subscriber = small.subscribe().unwrap();
    let mut publisher = small.publisher().unwrap();
    (0..5).for_each(|i| publisher.publish(i));
    assert_eq!(drain_counting(&mut subscriber), (vec![3, 4], 3));

    const LARGE: usize = if cfg!(miri) { 1 << 8 } else { 1 << 20 };
    let large = Ring::<u64, LARGE>::boxed_with_start_sequence((1 << 32) - 7);
    let mut subscriber = large.subscribe().unwrap();
    let mut publisher = large.publisher().unwrap();
    for i in 0..(LARGE as u64 + 10) {
        publisher.publish(i);
    }
    let (values, missed) = drain_counting(&mut subscriber);
    assert_eq!(missed, 10);
    assert_eq!(values.len(), LARGE);
    assert_eq!(values.first(), Some(&10));
}
