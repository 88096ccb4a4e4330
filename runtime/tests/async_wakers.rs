//! Async wake-ups whose wakers re-enter hardwire: woken and dropped outside any lock of
//! ours. Plain threads and hand-made wakers, no executor, so Miri runs these too.
#![cfg(all(feature = "async", not(loom)))]

use std::future::Future;
use std::sync::Arc;
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
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || done_tx.send(futures_executor::block_on(rx.recv_async())).unwrap());
    // Let it register and sleep (a close before that is seen by its first poll instead).
    while ring.waiting_subscribers() == 0 {
        std::thread::yield_now();
    }
    drop(tx);
    let result = done_rx.recv_timeout(Duration::from_secs(60)).expect("no wake-up after the ring closed in 60 s");
    assert_eq!(result, Err(AsyncRecvError::Closed));
}
