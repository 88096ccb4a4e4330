//! Owned handles in tokio tasks: a `SharedBus` hands out `'static` handles that move into
//! `tokio::spawn`; the tasks await events with `recv_<topic>_async` (feature `async`).
//!
//! ```text
//! cargo run --release --features async --example shared_tokio
//! ```

use hardwire::{AsyncRecvError, Event};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub seq: u64,
}

#[hardwire::bus]
pub mod clock {
    use super::Tick;

    #[topic(capacity = 64, overflow = "backpressure")]
    pub struct Ticks(Tick);

    #[subscriber(Ticks)]
    pub trait Display {}
}

const TICKS: u64 = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bus = clock::SharedBus::new();
    let mut display = bus.display().expect("taken once");
    let mut ticks = bus.ticks_publisher().expect("taken once");
    // Both handles are `'static`: `tokio::spawn` takes them.
    let shown = tokio::spawn(async move {
        let mut sum = 0;
        loop {
            match display.recv_ticks_async().await {
                Ok(clock::Ticks::Tick(tick)) => sum += tick.seq,
                Err(AsyncRecvError::Closed) => return sum,
                Err(AsyncRecvError::Lagged { .. }) => unreachable!("a backpressure topic never laps"),
            }
        }
    });
    let produced = tokio::spawn(async move {
        for seq in 0..TICKS {
            ticks.publish_async(Tick { seq }).await; // waits for room, woken by the display
        }
    }); // the publisher drops with the task: the topic closes, the display's loop ends
    produced.await.unwrap();
    let sum = shown.await.unwrap();
    println!("shared_tokio: {TICKS} ticks through two tokio tasks, sum {sum}");
    assert_eq!(sum, TICKS * (TICKS - 1) / 2);
}
