//! What a user relies on, one behaviour per test: exact lag counts and resume points, gating
//! and its release, closing after the drain, batches, `latest`, blocking waits, shutdown,
//! stats.

#![cfg(not(loom))] // plain-thread tests; the loom models are in loom_ring.rs

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hardwire_runtime::{
    AlreadyTaken, Backpressure, Full, MultiPublisher, Overwrite, Pressure, Publisher, RecvError, Ring, Shutdown,
    Stopped, Subscriber, SubscriberStats, TryRecvError, WaitStrategy,
};

#[test]
fn a_lapped_subscriber_learns_exactly_what_it_missed_and_keeps_every_event_still_in_the_ring() {
    let ring = Ring::<u64, 8>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    for i in 0..20 {
        publisher.publish(i);
    }
    // Slots hold 12..20, all intact: the reader resumes at the oldest, 20 - 8 = 12, having
    // missed exactly 0..12.
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Lagged { missed: 12 }));
    assert_eq!(subscriber.drain().collect::<Vec<_>>(), (12..20).collect::<Vec<_>>());
    assert_eq!(subscriber.stats(), SubscriberStats { received: 8, lagged: 12, skipped: 0, torn_reads: 0, invalid: 0 });
}

#[test]
fn lag_is_reported_before_any_stale_event_and_accounting_adds_up() {
    let ring = Ring::<u32, 4>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    let mut received = Vec::new();
    let mut missed = 0;
    for round in 0..50u32 {
        for i in 0..(round % 9) {
            publisher.publish(round * 100 + i);
        }
        loop {
            match subscriber.try_recv() {
                Ok(value) => received.push(value),
                Err(TryRecvError::Lagged { missed: m }) => missed += m,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => unreachable!(),
            }
        }
    }
    assert_eq!(received.len() as u64 + missed, ring.published());
    assert!(received.windows(2).all(|w| w[0] < w[1]), "in order, no duplicates");
}

#[test]
fn closing_delivers_everything_left_then_closed() {
    let ring = Ring::<u8, 4>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish_batch(&[1, 2, 3]);
    drop(publisher);
    assert!(ring.is_closed());
    assert_eq!(subscriber.try_recv(), Ok(1));
    assert_eq!(subscriber.recv(), Ok(2));
    assert_eq!(subscriber.try_recv(), Ok(3));
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(subscriber.recv(), Err(RecvError::Closed));
}

#[test]
fn recv_batch_waits_for_events_across_threads_then_reports_lag_and_close() {
    const EVENTS: u64 = if cfg!(miri) { 200 } else { 100_000 };
    let ring = Ring::<u64, 64, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    subscriber.set_wait_strategy(WaitStrategy::Block);
    let mut publisher = ring.publisher().unwrap();
    thread::scope(|scope| {
        scope.spawn(move || {
            for i in 0..EVENTS {
                publisher.publish(i);
            }
        });
        let mut buffer = [0u64; 16];
        let mut expected = 0;
        loop {
            match subscriber.recv_batch(&mut buffer) {
                Ok(n) => {
                    assert!(n >= 1);
                    for &event in &buffer[..n] {
                        assert_eq!(event, expected);
                        expected += 1;
                    }
                }
                Err(RecvError::Closed) => break,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(expected, EVENTS);
        assert_eq!(subscriber.recv_batch(&mut []), Ok(0));
    });

    let lossy = Ring::<u64, 4>::new();
    let mut reader = lossy.subscribe().unwrap();
    let mut writer = lossy.publisher().unwrap();
    writer.publish_batch(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let mut buffer = [0u64; 8];
    assert_eq!(reader.recv_batch(&mut buffer), Err(RecvError::Lagged { missed: 6 }));
    assert_eq!(reader.recv_batch(&mut buffer), Ok(4));
    assert_eq!(buffer[..4], [6, 7, 8, 9]);
}

#[test]
fn a_ring_without_a_publisher_yet_is_empty_not_closed() {
    let ring = Ring::<u8, 4>::new();
    let mut subscriber = ring.subscribe().unwrap();
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Empty));
    assert!(!ring.is_closed());
}

#[test]
fn a_subscriber_sees_only_events_published_after_it_subscribed() {
    let ring = Ring::<u64, 16>::new();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish(1);
    let mut late = ring.subscribe().unwrap();
    publisher.publish(2);
    assert_eq!(late.drain().collect::<Vec<_>>(), [2]);
}

#[test]
fn backpressure_is_full_at_exactly_one_lap_and_gives_the_event_back() {
    let ring = Ring::<u64, 4, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    for i in 0..4 {
        assert_eq!(publisher.try_publish(i), Ok(()));
    }
    assert_eq!(publisher.try_publish(4).map_err(Full::into_inner), Err(4));
    assert!(ring.pressure().should_throttle());
    assert_eq!(subscriber.try_recv(), Ok(0));
    assert_eq!(publisher.try_publish(4), Ok(()));
    assert_eq!(publisher.try_publish(5).map_err(Full::into_inner), Err(5));
    assert_eq!(subscriber.drain().collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[test]
fn only_live_subscribers_hold_publishers_back() {
    let ring = Ring::<u64, 2, Backpressure>::new();
    let mut publisher = ring.publisher().unwrap();
    // Nobody subscribed: nothing to wait for.
    for i in 0..10 {
        assert!(publisher.try_publish(i).is_ok());
    }
    let subscriber = ring.subscribe().unwrap();
    assert!(publisher.try_publish(10).is_ok());
    assert!(publisher.try_publish(11).is_ok());
    assert!(publisher.try_publish(12).is_err(), "a registered subscriber gates");
    drop(subscriber);
    assert!(publisher.try_publish(12).is_ok(), "a dropped subscriber releases the gate");
}

#[test]
fn the_slowest_of_several_subscribers_gates() {
    let ring = Ring::<u64, 4, Backpressure>::new();
    let mut fast = ring.subscribe().unwrap();
    let mut slow = ring.subscribe().unwrap();
    let mut publisher = ring.multi_publisher().unwrap();
    for i in 0..4 {
        publisher.try_publish(i).unwrap();
    }
    assert_eq!(fast.drain().count(), 4);
    assert!(publisher.try_publish(4).is_err());
    assert_eq!(slow.try_recv(), Ok(0));
    assert!(publisher.try_publish(4).is_ok());
    assert_eq!(slow.drain().collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(fast.drain().collect::<Vec<_>>(), [4]);
}

#[test]
fn a_blocked_publisher_resumes_when_the_subscriber_reads() {
    let ring = Arc::new(Ring::<u64, 2, Backpressure>::new());
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
    let producer = thread::spawn(move || (0..1000).for_each(|i| publisher.publish(i)));
    let received: Vec<u64> = (0..1000).map(|_| subscriber.recv().unwrap()).collect();
    producer.join().unwrap();
    assert_eq!(received, (0..1000).collect::<Vec<_>>());
    assert_eq!(subscriber.recv(), Err(RecvError::Closed));
}

#[test]
fn a_blocked_publisher_is_released_by_a_dropped_subscriber() {
    let ring = Arc::new(Ring::<u64, 2, Backpressure>::new());
    let subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // Detached, so that a publisher never released fails the test instead of hanging it.
    thread::spawn(move || {
        (0..10).for_each(|i| publisher.publish(i));
        done_tx.send(()).unwrap();
    });
    thread::sleep(Duration::from_millis(20));
    drop(subscriber);
    assert!(
        done_rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "a dropped subscriber did not release the blocked publisher in 60 s"
    );
}

#[test]
fn publish_until_and_timeout_give_the_event_back() {
    let ring = Ring::<u64, 2, Backpressure>::new();
    let _subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish_batch(&[0, 1]);
    let shutdown = Shutdown::new();
    shutdown.trigger();
    assert_eq!(publisher.publish_until(2, &shutdown).map_err(Stopped::into_inner), Err(2));
    let start = Instant::now();
    assert_eq!(publisher.publish_timeout(3, Duration::from_millis(30)).map_err(Stopped::into_inner), Err(3));
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn multi_publisher_publish_until_claims_no_sequence_when_stopped() {
    let ring = Ring::<u64, 2, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.multi_publisher().unwrap();
    publisher.publish_batch(&[0, 1]);
    assert!(publisher.publish_timeout(2, Duration::from_millis(5)).is_err());
    assert_eq!(ring.published(), 2, "a stopped publish must not consume a sequence");
    assert_eq!(subscriber.drain().collect::<Vec<_>>(), [0, 1]);
    assert!(publisher.publish_timeout(2, Duration::from_millis(5)).is_ok());
}

#[test]
fn every_wait_strategy_receives_from_another_thread() {
    let strategies = [
        WaitStrategy::BusySpin,
        WaitStrategy::Yield,
        WaitStrategy::backoff(),
        WaitStrategy::Backoff { spins: 0, yields: 0 },
        WaitStrategy::Block,
    ];
    for strategy in strategies {
        let ring = Arc::new(Ring::<u64, 8>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(strategy);
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..200 {
                publisher.publish(i);
                if i % 16 == 0 {
                    thread::sleep(Duration::from_micros(50));
                }
            }
        });
        let mut expected = 0;
        loop {
            match subscriber.recv() {
                Ok(value) => {
                    assert!(value >= expected);
                    expected = value + 1;
                }
                Err(RecvError::Lagged { missed }) => expected += missed,
                Err(RecvError::Closed) => break,
                Err(other) => panic!("{strategy:?}: {other}"),
            }
        }
        assert_eq!(expected, 200, "{strategy:?}");
        producer.join().unwrap();
    }
}

#[test]
fn shutdown_wakes_parked_subscribers() {
    static STOP: Shutdown = Shutdown::new();
    let ring = Arc::new(Ring::<u64, 8>::new());
    let _publisher = ring.publisher().unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
            thread::spawn(move || subscriber.recv_until(&STOP))
        })
        .collect();
    thread::sleep(Duration::from_millis(20));
    STOP.trigger();
    for waiter in waiters {
        assert_eq!(waiter.join().unwrap(), Err(RecvError::Shutdown));
    }
}

#[test]
fn recv_timeout_expires() {
    let ring = Ring::<u64, 8>::new();
    let _publisher = ring.publisher().unwrap();
    let mut subscriber = ring.subscribe().unwrap().with_wait_strategy(WaitStrategy::Block);
    let start = Instant::now();
    assert_eq!(subscriber.recv_timeout(Duration::from_millis(25)), Err(RecvError::Timeout));
    assert!(start.elapsed() >= Duration::from_millis(25));
}

#[test]
fn batches_round_trip_and_report_lag_only_when_nothing_was_copied() {
    let ring = Ring::<u16, 8>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    let mut out = [0u16; 5];
    assert_eq!(subscriber.try_recv_batch(&mut out), Err(TryRecvError::Empty));
    publisher.publish_batch(&[1, 2, 3]);
    assert_eq!(subscriber.try_recv_batch(&mut out), Ok(3));
    assert_eq!(out[..3], [1, 2, 3]);
    // Sequences 3..23 carry 0..20; the cursor is at 3, the head at 23: resume at
    // 23 - 8 = 15, which carries 12, having missed 12.
    publisher.publish_batch(&(0..20).collect::<Vec<_>>());
    assert_eq!(subscriber.try_recv_batch(&mut out), Err(TryRecvError::Lagged { missed: 12 }));
    assert_eq!(subscriber.try_recv_batch(&mut out), Ok(5));
    assert_eq!(out, [12, 13, 14, 15, 16]);
    assert_eq!(subscriber.try_recv_batch(&mut out), Ok(3));
    assert_eq!(out[..3], [17, 18, 19]);
    publisher.publish(20);
    publisher.publish_batch(&(21..40).collect::<Vec<_>>());
    assert_eq!(subscriber.try_recv_batch(&mut out), Err(TryRecvError::Lagged { missed: 12 }));
    assert_eq!(subscriber.stats().lagged, 24);
}

#[test]
fn latest_skips_to_the_newest_and_counts_what_it_skipped() {
    let ring = Ring::<u64, 8, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish_batch(&[1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(publisher.try_publish(9).is_err());
    assert_eq!(subscriber.latest(), Ok(8));
    assert_eq!(subscriber.stats().skipped, 7);
    assert!(publisher.try_publish(9).is_ok(), "skipped slots are released to the publisher");
    assert_eq!(subscriber.latest(), Ok(9));
    assert_eq!(subscriber.latest(), Err(TryRecvError::Empty));
}

#[test]
fn multi_producer_events_all_arrive_in_per_producer_order() {
    let ring = Ring::<u64, 16, Backpressure, 2>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let publisher = ring.multi_publisher().unwrap();
    thread::scope(|scope| {
        for producer in 0..4u64 {
            let mut publisher = publisher.clone();
            scope.spawn(move || {
                for i in 0..500 {
                    if i % 2 == 0 {
                        publisher.publish(producer << 32 | i);
                    } else {
                        publisher.publish_batch(&[producer << 32 | i]);
                    }
                }
            });
        }
        drop(publisher);
        let mut next = [0u64; 4];
        loop {
            match subscriber.recv() {
                Ok(value) => {
                    let (producer, i) = ((value >> 32) as usize, value & 0xFFFF_FFFF);
                    assert_eq!(i, next[producer]);
                    next[producer] += 1;
                }
                Err(RecvError::Closed) => break,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(next, [500; 4]);
    });
}

#[test]
fn handles_work_through_arc_and_plain_references() {
    let ring = Ring::<u32, 4>::new_arc();
    let mut by_arc = Subscriber::new(Arc::clone(&ring)).unwrap();
    let mut by_ref = Subscriber::new(&*ring).unwrap();
    let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap();
    assert_eq!(Publisher::new(Arc::clone(&ring)).err(), Some(AlreadyTaken));
    let mut clone = publisher.clone();
    clone.publish(5);
    assert_eq!((by_arc.try_recv(), by_ref.try_recv()), (Ok(5), Ok(5)));
}

#[test]
fn stats_and_pressure_are_reported_per_ring_and_subscriber() {
    let ring = Ring::<u64, 4, Overwrite, 4>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish_batch(&[1, 2, 3]);
    assert_eq!(subscriber.try_recv(), Ok(1));
    subscriber.flush_stats();
    let stats = ring.stats();
    assert_eq!((stats.capacity, stats.published, stats.subscribers, stats.overflow), (4, 3, 1, "overwrite"));
    assert_eq!(stats.pressure, Pressure::new(0.5));
    assert_eq!(stats.to_string(), "capacity 4 (overwrite), published 3, 1 subscriber, pressure 50%");
    assert_eq!(ring.subscriber_stats().collect::<Vec<_>>(), [SubscriberStats { received: 1, ..Default::default() }]);
    assert!(!Pressure::new(0.79).is_under_pressure() && Pressure::new(0.8).is_under_pressure());
    assert!(!Pressure::new(0.89).should_throttle() && Pressure::new(0.9).should_throttle());
    assert_eq!(Pressure::new(f64::NAN).ratio(), 0.0);
    assert_eq!(Pressure::new(7.0).ratio(), 1.0);
}

#[test]
fn errors_display_what_happened_and_what_to_do() {
    assert_eq!(TryRecvError::Lagged { missed: 3 }.to_string(), "subscriber lagged: 3 events were overwritten");
    assert!(AlreadyTaken.to_string().contains("use a MultiPublisher"));
    let error: Box<dyn std::error::Error> = Box::new(Full(5u64));
    assert!(error.to_string().contains("ring is full"));
    assert_eq!(format!("{:?}", Full(5u64)), "Full(..)");
}

#[test]
fn debug_output_describes_the_state() {
    let ring = Ring::<u64, 4, Backpressure>::new();
    let subscriber = ring.subscribe().unwrap();
    let publisher = ring.publisher().unwrap();
    let text = format!("{ring:?} {subscriber:?} {publisher:?}");
    assert!(text.contains("capacity: 4") && text.contains("\"backpressure\"") && text.contains("Subscriber"));
}

#[test]
fn a_subscriber_in_a_chosen_record_is_found_by_index() {
    use hardwire_runtime::{AnyRing, SubscribeError};
    let ring = Ring::<u64, 8, Overwrite, 3>::new();
    let mut second = Subscriber::with_record(&ring, 1).unwrap();
    assert_eq!(Subscriber::with_record(&ring, 1).err(), Some(SubscribeError::RecordInUse { index: 1 }));
    assert_eq!(Subscriber::with_record(&ring, 3).err(), Some(SubscribeError::TooManySubscribers { max: 3 }));
    let mut publisher = ring.publisher().unwrap();
    publisher.publish(5);
    assert_eq!(second.try_recv(), Ok(5));
    second.flush_stats();
    assert_eq!(ring.record_stats(1).map(|s| s.received), Some(1));
    assert_eq!(ring.record_stats(0), None);
    // `subscribe` skips taken records.
    let _first = ring.subscribe().unwrap();
    assert!(ring.record_stats(0).is_some());
}

#[test]
fn wait_ready_returns_on_event_close_or_shutdown_without_consuming() {
    let ring = Arc::new(Ring::<u64, 8>::new());
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
    let producer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        publisher.publish(1);
        publisher
    });
    assert!(subscriber.wait_ready(None));
    assert_eq!(subscriber.try_recv(), Ok(1), "waiting consumed nothing");
    let publisher = producer.join().unwrap();
    let stop = Shutdown::new();
    stop.trigger();
    assert!(!subscriber.wait_ready(Some(&stop)));
    drop(publisher);
    assert!(subscriber.wait_ready(None), "a closed ring is ready (to report Closed)");
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn idle_paces_every_strategy_and_resets() {
    use hardwire_runtime::Idle;
    for strategy in [WaitStrategy::BusySpin, WaitStrategy::Yield, WaitStrategy::backoff(), WaitStrategy::Block] {
        let mut idle = Idle::new(strategy);
        let started = Instant::now();
        for _ in 0..40 {
            idle.wait();
        }
        idle.reset();
        assert!(started.elapsed() < Duration::from_secs(2), "{strategy:?} idles too long");
    }
}

#[test]
fn ring_memory_bytes_is_the_size_of_the_ring() {
    use hardwire_runtime::ring_memory_bytes;
    macro_rules! check {
        ($($ty:ty),*) => {$(
            let size = std::mem::size_of::<$ty>();
            assert_eq!(ring_memory_bytes(size, 2, 1), Ring::<$ty, 2, Overwrite, 1>::MEMORY_BYTES, "{size} B");
            assert_eq!(ring_memory_bytes(size, 64, 3), Ring::<$ty, 64, Backpressure, 3>::MEMORY_BYTES, "{size} B");
            assert_eq!(ring_memory_bytes(size, 1024, 8), Ring::<$ty, 1024, Overwrite, 8>::MEMORY_BYTES, "{size} B");
        )*};
    }
    check!(u8, u16, u32, u64, u128, [u8; 3], [u8; 13], [u8; 24], [u8; 40], [u8; 56], [u8; 64], [u8; 128], [u8; 1024]);
    check!([u32; 5], [u64; 7], [u64; 12], [u64; 16], [u64; 128]);
}

#[test]
fn a_panicking_publish_iter_leaves_the_ring_consistent() {
    let ring = Ring::<u32, 8, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    let events = (0..).map(|n| if n < 3 { n } else { panic!("the iterator fails at {n}") });
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| publisher.publish_iter(events)));
    assert!(unwound.is_err());
    // What the iterator yielded is published: the head moved past it as the panic unwound.
    assert_eq!(ring.published(), 3);
    assert_eq!(subscriber.pending(), 3);
    assert_eq!(subscriber.drain().collect::<Vec<_>>(), [0, 1, 2]);
    // And the publisher goes on from there, gating and all.
    publisher.publish_iter(10..18);
    assert_eq!(publisher.try_publish(99), Err(Full(99)));
    assert_eq!(subscriber.drain().collect::<Vec<_>>(), (10..18).collect::<Vec<_>>());
    drop(publisher);
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(ring.published(), 11);
}

#[test]
fn a_borrowing_read_sees_the_event_in_place_across_threads_and_a_panic_leaves_it_unread() {
    // A 1 KiB event through a 4-slot lossless ring, read in place by another thread while
    // the publisher waits for room: every event arrives whole and in order (Miri, in CI,
    // checks that the publisher's plain copies never overlap the borrows).
    let ring = Arc::new(Ring::<[u64; 128], 4, Backpressure>::new());
    let mut subscriber = Subscriber::new(ring.clone()).unwrap();
    let mut publisher = Publisher::new(ring).unwrap();
    let events: u64 = if cfg!(miri) { 20 } else { 2000 };
    let producer = thread::spawn(move || {
        for i in 0..events {
            publisher.publish([i; 128]);
        }
    });
    let mut next = 0;
    while next < events {
        match subscriber.try_recv_with(|words| words.iter().all(|&w| w == words[0]).then_some(words[0])) {
            Ok(first) => {
                assert_eq!(first, Some(next), "event {next} torn or out of order");
                next += 1;
            }
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(other) => panic!("{other:?}"),
        }
    }
    producer.join().unwrap();
    assert_eq!(subscriber.try_recv_with(|_| ()), Err(TryRecvError::Closed));

    let ring = Ring::<u64, 4, Backpressure>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish(1);
    publisher.publish(2);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        subscriber.try_recv_with(|_| panic!("handler failed"))
    }));
    assert!(panicked.is_err());
    assert_eq!(subscriber.try_recv_with(|&event| event), Ok(1), "the event f panicked on is read again");
    assert_eq!(subscriber.try_recv(), Ok(2));
    assert_eq!(subscriber.stats().received, 2);
}

#[test]
fn a_lossless_ring_reports_received_exactly_and_other_counts_when_its_subscriber_runs_dry() {
    let ring = Ring::<u64, 8, Backpressure, 2>::new();
    let mut subscriber = ring.subscribe().unwrap();
    let mut publisher = ring.publisher().unwrap();
    publisher.publish_batch(&[1, 2, 3]);
    assert_eq!((subscriber.try_recv(), subscriber.try_recv()), (Ok(1), Ok(2)));
    // No flush yet: `received` comes from the position, stored after every read.
    assert_eq!(ring.subscriber_stats().collect::<Vec<_>>(), [SubscriberStats { received: 2, ..Default::default() }]);
    assert_eq!(subscriber.try_recv(), Ok(3));
    subscriber.__reject();
    // Running dry flushes what the position cannot tell: the invalid count.
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Empty));
    let expected = SubscriberStats { received: 3, invalid: 1, ..Default::default() };
    assert_eq!(ring.subscriber_stats().collect::<Vec<_>>(), [expected]);
    assert_eq!(hardwire_runtime::AnyRing::record_stats(&ring, 0), Some(expected));
}

/// `publish_with` builds each event in its slot: across threads every event arrives whole,
/// once and in order, read in place; a builder that panics publishes nothing, and the next
/// publish takes its sequence.
#[test]
fn events_built_in_their_slots_arrive_whole_once_and_in_order() {
    const EVENTS: u64 = if cfg!(miri) { 40 } else { 100_000 };
    let ring = Ring::<[u64; 16], 4, Backpressure>::new_arc();
    let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
    let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
    let fill = |slot: &mut [u64; 16], n: u64| {
        for (i, word) in slot.iter_mut().enumerate() {
            *word = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i as u64;
        }
    };
    // A builder that panics halfway: nothing is published, the ring stays usable.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        publisher.publish_with(|slot| {
            slot[0] = u64::MAX;
            panic!("builder failed");
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(subscriber.try_recv(), Err(TryRecvError::Empty), "a failed build was published");
    let reader = thread::spawn(move || {
        for n in 0..EVENTS {
            let got = loop {
                match subscriber.try_recv_with(|slot| {
                    assert!(slot.iter().enumerate().all(|(i, &w)| w == slot[0] ^ i as u64), "torn: {slot:?}");
                    slot[0]
                }) {
                    Ok(first) => break first,
                    Err(TryRecvError::Empty) => thread::yield_now(),
                    Err(other) => panic!("{other:?}"),
                }
            };
            assert_eq!(got, n.wrapping_mul(0x9E37_79B9_7F4A_7C15), "event {n} lost, doubled or out of order");
        }
        assert_eq!(subscriber.recv(), Err(RecvError::Closed));
    });
    for n in 0..EVENTS {
        publisher.publish_with(|slot| fill(slot, n));
    }
    drop(publisher);
    reader.join().unwrap();
}

/// A producer that died between claiming a sequence and committing it (a process killed
/// mid-publish on a shared ring) leaves a hole. Once the ring is closed nobody can still be
/// writing it: readers pass it, counted as skipped, and the counts add up. (Simulated here
/// by claiming a sequence through the head, as `MultiPublisher::publish` does, and never
/// writing it.)
#[test]
fn after_close_a_claim_nobody_committed_is_skipped_and_counted() {
    fn with_a_hole<R: hardwire_runtime::AnyRing<Payload = u64>>(ring: &R) {
        let mut reader = Subscriber::new(ring).unwrap();
        let mut publisher = hardwire_runtime::MultiPublisher::new(ring).unwrap();
        publisher.publish(1);
        ring.head().fetch_add(1, std::sync::atomic::Ordering::Relaxed); // the dead producer's claim
        publisher.publish(3);
        assert_eq!(reader.try_recv(), Ok(1));
        assert_eq!(reader.try_recv(), Err(TryRecvError::Empty), "open: the claim may still be written");
        drop(publisher);
        assert_eq!(reader.try_recv(), Ok(3));
        assert_eq!(reader.try_recv(), Err(TryRecvError::Closed));
        let stats = reader.stats();
        assert_eq!((stats.received, stats.skipped, ring.published()), (2, 1, 3));
    }
    with_a_hole(&Ring::<u64, 8, Overwrite, 1>::new());
    with_a_hole(&Ring::<u64, 8, Backpressure, 1>::new());
}

/// `publish_bytes` (the slice written straight into the slot) leaves exactly what
/// `publish(Bytes::new(..))` would have, byte for byte, in every size class, on lossy and
/// lossless rings, from single and multi-producer publishers, over a slot whose previous lap
/// held a longer payload; a slice that does not fit publishes nothing.
#[test]
fn publish_bytes_stores_what_the_payload_value_would() {
    macro_rules! check {
        ($($ty:ident),*) => {$({
            use hardwire_runtime::$ty;
            let capacity = $ty::CAPACITY;
            let lengths = [0, 1, 7, 8, 9, 100.min(capacity), capacity - 1, capacity];
            let source: Vec<u8> = (0..capacity).map(|i| (i * 7 + 3) as u8).collect();
            let long = $ty::new(&[0xaa; $ty::CAPACITY]).unwrap();
            let expected = |len: usize| bytemuck::bytes_of(&$ty::new(&source[..len]).unwrap()).to_vec();

            let lossy = Ring::<$ty, 2>::new_boxed();
            let mut subscriber = lossy.subscribe().unwrap();
            let mut publisher = lossy.publisher().unwrap();
            for &len in &lengths {
                publisher.publish(long);
                publisher.publish(long);
                assert_eq!(subscriber.try_recv_batch(&mut [long; 2]), Ok(2));
                publisher.publish_bytes(&source[..len]).unwrap();
                let got = subscriber.try_recv().unwrap();
                assert_eq!(bytemuck::bytes_of(&got), expected(len), "{} lossy, {len} bytes", stringify!($ty));
            }
            let too_long = vec![1; capacity + 1];
            let head = lossy.published();
            assert_eq!(
                publisher.publish_bytes(&too_long),
                Err(hardwire_runtime::TooLong { len: capacity + 1, capacity })
            );
            assert_eq!(lossy.published(), head, "nothing published");

            let lossless = Ring::<$ty, 2, Backpressure>::new_boxed();
            let mut subscriber = lossless.subscribe().unwrap();
            let mut publisher = lossless.multi_publisher().unwrap();
            for &len in &lengths {
                publisher.publish(long);
                publisher.publish(long);
                assert_eq!(subscriber.drain().count(), 2);
                publisher.publish_bytes(&source[..len]).unwrap();
                let got = subscriber.try_recv_with(|event| bytemuck::bytes_of(event).to_vec()).unwrap();
                assert_eq!(got, expected(len), "{} lossless in place, {len} bytes", stringify!($ty));
                assert_eq!(publisher.try_publish_bytes(&source[..len]), Ok(true));
                assert_eq!(publisher.try_publish_bytes(&source[..len]), Ok(true));
                assert_eq!(publisher.try_publish_bytes(&source[..len]), Ok(false), "full");
                assert_eq!(subscriber.drain().count(), 2);
            }
            assert!(publisher.try_publish_bytes(&too_long).is_err());
        })*};
    }
    // Under Miri, one whole-copy class and one length-prefixed one: a 16 KiB payload's
    // word-by-word copies take minutes there.
    if cfg!(miri) {
        check!(BytesXS, BytesM);
    } else {
        check!(BytesXS, BytesS, BytesM, BytesL, BytesXL);
    }
}
