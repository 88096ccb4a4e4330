//! Async wake-ups whose wakers re-enter hardwire: woken and dropped outside any lock of
//! ours. Plain threads and hand-made wakers, no executor, so Miri runs these too.
#![cfg(all(feature = "async", not(loom)))]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hardwire_runtime::{AsyncRecvError, Ring, Subscriber};

/// A waker whose last drop drops a publisher (closing the ring), the shape of tokio's
/// `send_in_waker_drop`: its drop re-enters hardwire while the receive future replaces it.
struct DropsPublisher(std::sync::Mutex<Option<hardwire_runtime::Publisher<Arc<Ring<u8, 2>>>>>);

impl std::task::Wake for DropsPublisher {
    fn wake(self: Arc<Self>) {
        // Waking publishes nothing; only the last drop (of the field) closes the ring.
        let _held = self.0.lock().unwrap().is_some();
    }
}

#[test]
fn a_waker_whose_drop_closes_the_ring_does_not_deadlock() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // On its own thread: a deadlock must fail the test, not hang the suite.
    std::thread::spawn(move || {
        let ring = Ring::<u8, 2>::new_arc();
        let mut rx = Subscriber::new(ring.clone()).unwrap();
        let tx = hardwire_runtime::Publisher::new(ring.clone()).unwrap();
        let waker = std::task::Waker::from(Arc::new(DropsPublisher(std::sync::Mutex::new(Some(tx)))));
        let mut future = std::pin::pin!(rx.recv_async());
        let polled = future.as_mut().poll(&mut std::task::Context::from_waker(&waker));
        assert!(polled.is_pending(), "nothing was published");
        drop(waker); // the future's registration now holds the last clone
        // Polling with another waker replaces (drops) the registered one: the publisher goes,
        // the ring closes, and the close notifies the very list the waker was in.
        let noop = std::task::Waker::noop();
        let result = loop {
            if let std::task::Poll::Ready(result) = future.as_mut().poll(&mut std::task::Context::from_waker(noop)) {
                break result;
            }
        };
        done_tx.send(result).unwrap();
    });
    let result = done_rx.recv_timeout(Duration::from_secs(60)).expect("deadlocked in the waker's drop");
    assert_eq!(result, Err(AsyncRecvError::Closed));
}

/// The real-thread form of loom model L6's close wake-up: an async waiter has no backstop
/// timer, so a close that wakes nobody leaves it waiting for good.
#[test]
fn closing_the_ring_wakes_an_async_receiver() {
    let ring = Ring::<u64, 4>::new_arc();
    let mut rx = Subscriber::new(ring.clone()).unwrap();
    let tx = hardwire_runtime::Publisher::new(ring.clone()).unwrap();
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Polled again only after a wake: a close that wakes nobody leaves it parked for
        // good, and a poll that would find the ring closed by itself never happens.
        let woken = Arc::new(Woken(std::thread::current(), AtomicBool::new(false)));
        let waker = std::task::Waker::from(woken.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut future = std::pin::pin!(rx.recv_async());
        let result = loop {
            if let std::task::Poll::Ready(result) = future.as_mut().poll(&mut cx) {
                break result;
            }
            let _ = parked_tx.send(());
            while !woken.1.swap(false, Ordering::Acquire) {
                std::thread::park();
            }
        };
        done_tx.send(result).unwrap();
    });
    // The first poll returned Pending: the receiver is registered and asleep, so only the
    // close's wake-up can finish it.
    parked_rx.recv_timeout(Duration::from_secs(60)).expect("the receiver never returned Pending");
    drop(tx);
    let result = done_rx.recv_timeout(Duration::from_secs(60)).expect("no wake-up after the ring closed in 60 s");
    assert_eq!(result, Err(AsyncRecvError::Closed));
}

/// A waker that records the wake and unparks the thread that polls.
struct Woken(std::thread::Thread, AtomicBool);

impl std::task::Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.1.store(true, Ordering::Release);
        self.0.unpark();
    }
}
