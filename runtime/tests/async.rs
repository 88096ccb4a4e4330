//! Async receive, publish and registry under tokio's multi-thread runtime.
//!
//! The wake-up tests are ping-pongs: each side waits for the other's reply before it
//! sends again, so a single lost wake-up leaves both waiting forever. Every test runs
//! under a timeout, so such a hang fails the test instead of stalling the suite.
#![cfg(all(feature = "async", not(loom), not(miri)))] // tokio needs a real OS; loom and Miri cannot run it

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use hardwire_runtime::{
    AsyncRecvError, AsyncRecvUntilError, AsyncRegistry, Backpressure, Lagged, MultiPublisher, Ring, Shutdown, Stopped,
    Subscriber, wait_any_async,
};

/// Fails (rather than hangs) when `future` does not finish in time.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(60), future).await {
        Ok(done) => done,
        Err(_) => panic!("{what}: no progress for 60 s, a wake-up was lost"),
    }
}

const ROUNDS: u64 = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_pong_between_tasks_loses_no_wake_up() {
    let ping = Arc::new(Ring::<u64, 8>::new());
    let pong = Arc::new(Ring::<u64, 8>::new());
    let mut ping_rx = Subscriber::new(ping.clone()).unwrap();
    let mut pong_rx = Subscriber::new(pong.clone()).unwrap();
    let echo = tokio::spawn({
        let pong = pong.clone();
        async move {
            let mut pong_tx = pong.publisher().unwrap();
            while let Ok(n) = ping_rx.recv_async().await {
                pong_tx.publish(n + 1);
            }
        }
    });
    let mut ping_tx = ping.publisher().unwrap();
    within("task ping-pong", async {
        for round in 0..ROUNDS {
            ping_tx.publish(round * 2);
            assert_eq!(pong_rx.recv_async().await, Ok(round * 2 + 1));
        }
    })
    .await;
    drop(ping_tx); // closes `ping`: the echo task's receive returns `Closed`
    within("echo task end", echo).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_os_thread_wakes_an_async_receiver() {
    let to_task = Arc::new(Ring::<u64, 8>::new());
    let to_thread = Arc::new(Ring::<u64, 8>::new());
    let mut task_rx = Subscriber::new(to_task.clone()).unwrap();
    let mut thread_rx = Subscriber::new(to_thread.clone()).unwrap();
    let thread = std::thread::spawn({
        let to_task = to_task.clone();
        move || {
            let mut tx = to_task.publisher().unwrap();
            for round in 0..ROUNDS {
                tx.publish(round);
                // Blocking receive with the default strategy (spin, yield, park).
                assert_eq!(thread_rx.recv(), Ok(round));
            }
        }
    });
    let mut tx = to_thread.publisher().unwrap();
    within("thread to task", async {
        for round in 0..ROUNDS {
            assert_eq!(task_rx.recv_async().await, Ok(round));
            tx.publish(round);
        }
    })
    .await;
    thread.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_async_waits_for_room_and_loses_nothing() {
    const EVENTS: u64 = 100_000;
    let ring = Arc::new(Ring::<u64, 4, Backpressure>::new());
    let mut rx = Subscriber::new(ring.clone()).unwrap();
    let producer = tokio::spawn({
        let ring = ring.clone();
        async move {
            let mut tx = ring.publisher().unwrap();
            for n in 0..EVENTS {
                tx.publish_async(n).await;
            }
        }
    });
    within("backpressure", async {
        for n in 0..EVENTS {
            assert_eq!(rx.recv_async().await, Ok(n));
        }
        assert_eq!(rx.recv_async().await, Err(AsyncRecvError::Closed));
    })
    .await;
    producer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_async_is_woken_by_a_slow_thread_reader() {
    // One slot of room at a time: the publisher waits on nearly every event, and only the
    // reader's receive can wake it.
    const EVENTS: u64 = 20_000;
    let ring = Arc::new(Ring::<u64, 2, Backpressure>::new());
    let mut rx = Subscriber::new(ring.clone()).unwrap();
    let reader = std::thread::spawn(move || {
        let mut sum = 0;
        while let Ok(n) = rx.recv() {
            sum += n;
        }
        sum
    });
    let mut tx = ring.publisher().unwrap();
    within("publisher woken by thread", async {
        for n in 0..EVENTS {
            tx.publish_async(n).await;
        }
    })
    .await;
    drop(tx);
    assert_eq!(reader.join().unwrap(), EVENTS * (EVENTS - 1) / 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_publishers_publish_async_concurrently() {
    const PER_TASK: u64 = 20_000;
    let ring = Arc::new(Ring::<u64, 8, Backpressure>::new());
    let mut rx = Subscriber::new(ring.clone()).unwrap();
    let first = MultiPublisher::new(ring.clone()).unwrap();
    let producers: Vec<_> = (0..3)
        .map(|task| {
            let mut tx = first.clone();
            tokio::spawn(async move {
                for n in 0..PER_TASK {
                    tx.publish_async(task * PER_TASK + n).await;
                }
            })
        })
        .collect();
    drop(first);
    let mut seen = vec![0u64; 3];
    within("MPMC publish_async", async {
        for _ in 0..3 * PER_TASK {
            let n = rx.recv_async().await.unwrap();
            let task = (n / PER_TASK) as usize;
            // Each producer's events arrive in its order.
            assert_eq!(n % PER_TASK, seen[task]);
            seen[task] += 1;
        }
        assert_eq!(rx.recv_async().await, Err(AsyncRecvError::Closed));
    })
    .await;
    for producer in producers {
        producer.await.unwrap();
    }
    assert_eq!(seen, [PER_TASK; 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_receive_loses_no_event_and_leaves_no_waiter() {
    let ring = Arc::new(Ring::<u64, 8>::new());
    let mut rx = Subscriber::new(ring.clone()).unwrap();
    let mut tx = ring.publisher().unwrap();
    for round in 0..1000 {
        // Nothing published yet: the receive pends and is cancelled by the timeout.
        let timed_out = tokio::time::timeout(Duration::from_micros(50), rx.recv_async()).await;
        assert!(timed_out.is_err());
        tx.publish(round);
        assert_eq!(within("after cancel", rx.recv_async()).await, Ok(round));
    }
    // The cancelled waits withdrew themselves: no wake-up work is left for publishers.
    assert!(format!("{ring:?}").contains("readers: WaitQueue { parked: 0 }"), "{ring:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_stops_awaiting_receivers_and_publishers() {
    for round in 0..200 {
        let ring = Arc::new(Ring::<u64, 2, Backpressure>::new());
        let lossy = Arc::new(Ring::<u64, 8>::new());
        let mut rx = Subscriber::new(ring.clone()).unwrap();
        let mut lossy_rx = Subscriber::new(lossy.clone()).unwrap();
        let mut tx = MultiPublisher::new(ring.clone()).unwrap();
        let _lossy_tx = lossy.publisher().unwrap(); // open, never published to
        tx.publish(1);
        tx.publish(2); // full: the next publish waits for room that never comes
        let stop = Arc::new(Shutdown::new());
        let publisher = tokio::spawn({
            let stop = stop.clone();
            async move { tx.publish_async_until(3, &stop).await }
        });
        let receiver = tokio::spawn({
            let stop = stop.clone();
            async move { lossy_rx.recv_async_until(&stop).await }
        });
        // Let both tasks reach their wait (most rounds), or trigger first (some rounds).
        if round % 2 == 0 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_micros(100)).await;
        }
        std::thread::spawn({
            let stop = stop.clone();
            move || stop.trigger()
        })
        .join()
        .unwrap();
        assert_eq!(within("stopped publisher", publisher).await.unwrap(), Err(Stopped(3)));
        assert_eq!(within("stopped receiver", receiver).await.unwrap(), Err(AsyncRecvUntilError::Shutdown));
        // Events that are ready are still returned after the trigger; nothing was lost.
        assert_eq!(rx.recv_async_until(&stop).await, Ok(1));
        assert_eq!(rx.recv_async_until(&stop).await, Ok(2));
        assert_eq!(rx.recv_async_until(&stop).await, Err(AsyncRecvUntilError::Closed));
        assert!(format!("{lossy:?}").contains("readers: WaitQueue { parked: 0 }"), "{lossy:?}");
        assert!(format!("{ring:?}").contains("writers: WaitQueue { parked: 0 }"), "{ring:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_any_async_is_woken_by_either_ring_or_a_shutdown() {
    let a = Arc::new(Ring::<u64, 8>::new());
    let b = Arc::new(Ring::<u64, 8>::new());
    let (mut rx_a, mut rx_b) = (Subscriber::new(a.clone()).unwrap(), Subscriber::new(b.clone()).unwrap());
    let (mut tx_a, mut tx_b) = (a.publisher().unwrap(), b.publisher().unwrap());
    let stop = Arc::new(Shutdown::new());
    let received = Arc::new(AtomicU64::new(0));
    let waiter = tokio::spawn({
        let (stop, received) = (stop.clone(), received.clone());
        async move {
            let mut sum = 0;
            while wait_any_async(Some(&stop), [&rx_a, &rx_b]).await {
                for n in rx_a.try_recv().ok().into_iter().chain(rx_b.try_recv().ok()) {
                    sum += n;
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
            sum
        }
    });
    // Each event is published only once the waiter has received the previous one and is
    // asleep on both rings again, so every event needs a wake-up, alternately from `a`
    // and from `b`.
    const EVENTS: u64 = 2000;
    for n in 0..EVENTS {
        within("wait_any_async asleep", async {
            while received.load(Ordering::Relaxed) != n || a.waiting_subscribers() != 1 || b.waiting_subscribers() != 1
            {
                tokio::task::yield_now().await;
            }
        })
        .await;
        if n % 2 == 0 { tx_a.publish(n) } else { tx_b.publish(n) }
    }
    within("last event", async {
        while received.load(Ordering::Relaxed) != EVENTS {
            tokio::task::yield_now().await;
        }
    })
    .await;
    stop.trigger();
    assert_eq!(within("wait_any_async stopped", waiter).await.unwrap(), EVENTS * (EVENTS - 1) / 2);
    assert_eq!((a.waiting_subscribers(), b.waiting_subscribers()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_reports_laps_and_ends_when_closed() {
    let ring = Arc::new(Ring::<u64, 16>::new());
    let rx = Subscriber::new(ring.clone()).unwrap();
    let producer = std::thread::spawn(move || {
        let mut tx = ring.publisher().unwrap();
        for n in 0..100_000 {
            tx.publish(n);
        }
    });
    let (mut received, mut missed, mut last) = (0u64, 0u64, None);
    let mut stream = rx.into_stream();
    within("stream", async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(n) => {
                    assert!(last.is_none_or(|last| n > last), "out of order");
                    last = Some(n);
                    received += 1;
                }
                Err(Lagged { missed: m }) => missed += m,
            }
        }
    })
    .await;
    producer.join().unwrap();
    assert_eq!(received + missed, 100_000, "every event received or counted as missed");
    assert_eq!(last, Some(99_999));
    assert!(stream.next().await.is_none(), "fused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_notify_runs_handlers_concurrently() {
    // Each handler waits for the other one: only a concurrent notify can finish.
    let registry = AsyncRegistry::<u64>::new();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let total = Arc::new(AtomicU64::new(0));
    for _ in 0..2 {
        let (barrier, total) = (barrier.clone(), total.clone());
        registry.register(move |n| {
            let (barrier, total) = (barrier.clone(), total.clone());
            async move {
                barrier.wait().await;
                total.fetch_add(n, Ordering::Relaxed);
            }
        });
    }
    assert_eq!(within("concurrent notify", registry.notify(&5)).await, 2);
    assert_eq!(total.load(Ordering::Relaxed), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_sequential_runs_in_priority_order_and_isolates_panics() {
    let registry = AsyncRegistry::<u64>::new();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let reported = Arc::new(AtomicUsize::new(0));
    registry.set_on_panic({
        let reported = reported.clone();
        move |_, _| {
            reported.fetch_add(1, Ordering::Relaxed);
        }
    });
    for (priority, name) in [(0, "low"), (10, "high"), (0, "low-2"), (5, "mid")] {
        let order = order.clone();
        registry.register_with_priority(priority, move |_| {
            let order = order.clone();
            async move {
                tokio::task::yield_now().await; // each one really suspends
                order.lock().unwrap().push(name);
            }
        });
    }
    registry.register_with_priority(7, |_| async {
        tokio::task::yield_now().await;
        panic!("a handler future panics after suspending");
    });
    registry.register_once(|_| async {});
    assert_eq!(within("sequential", registry.notify_sequential(&1)).await, 5);
    assert_eq!(*order.lock().unwrap(), ["high", "mid", "low", "low-2"]);
    assert_eq!(registry.panics(), 1);
    assert_eq!(reported.load(Ordering::Relaxed), 1);
    assert_eq!(registry.handler_count(), 5, "the once-handler is spent");
    // The concurrent form isolates the same panic and runs the rest.
    assert_eq!(within("concurrent", registry.notify(&1)).await, 4);
    assert_eq!(registry.panics(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_once_handler_runs_once_under_concurrent_notifies() {
    let registry = Arc::new(AsyncRegistry::<u64>::new());
    let calls = Arc::new(AtomicUsize::new(0));
    let calls_in = calls.clone();
    registry.register_once(move |_| {
        calls_in.fetch_add(1, Ordering::Relaxed);
        async {}
    });
    let notifies: Vec<_> = (0..8)
        .map(|_| {
            let registry = registry.clone();
            tokio::spawn(async move { registry.notify(&1).await })
        })
        .collect();
    let mut completed = 0;
    for notify in notifies {
        completed += notify.await.unwrap();
    }
    assert_eq!((completed, calls.load(Ordering::Relaxed)), (1, 1));
    assert!(registry.is_empty() || registry.handler_count() == 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guards_and_unregister_work_on_the_async_registry() {
    let registry = AsyncRegistry::<u64>::new();
    let guard = registry.register_guard(|_| async {});
    let id = guard.id();
    assert!(registry.contains(id));
    assert_eq!(registry.notify(&0).await, 1);
    drop(guard);
    assert!(!registry.contains(id) && registry.is_empty());
    assert_eq!(registry.notify(&0).await, 0);
    assert_eq!(registry.notify_sequential(&0).await, 0);
    let id = registry.register(|_| async {});
    assert!(registry.unregister_and_wait(id));
    assert!(!registry.unregister(id));
}
