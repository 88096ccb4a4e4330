//! The generated hot paths allocate nothing: publish (taps check included), poll-dispatch,
//! `try_recv_<topic>`, inline emit, byte-topic publish, and a tapped publish whose tap does
//! not panic, each over a million messages, counted by a global allocator.

#[path = "../runtime/tests/support/counting.rs"]
mod counting;
use counting::measured;

use std::hint::black_box;

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Tick {
    pub value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Quote {
    pub bid: u64,
    pub ask: u64,
}

#[hardwire::bus]
pub mod paths {
    use super::{Quote, Tick};

    #[topic(capacity = 1024)]
    pub struct Feed(Tick, Quote);

    #[topic(capacity = 1024, overflow = "backpressure", producers = "multi")]
    pub struct Orders(Tick);

    #[topic(capacity = 64, payload = "bytes", size = "S")]
    pub struct Frames;

    #[topic(delivery = "inline")]
    pub struct Alarms(Tick);

    #[subscriber(Feed, Orders, Frames)]
    pub trait Reader {}

    #[subscriber(Alarms)]
    pub trait Console {}
}

const MESSAGES: u64 = if cfg!(miri) { 200 } else { 1_000_000 };

#[derive(Default)]
struct Sink(u64);

impl paths::Reader for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(event.value);
    }
    fn on_quote(&mut self, event: &Quote) {
        self.0 = self.0.wrapping_add(event.bid);
    }
    fn on_frames(&mut self, bytes: &hardwire::BytesS) {
        self.0 = self.0.wrapping_add(bytes.len() as u64);
    }
}

impl paths::Console for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(event.value);
    }
}

#[test]
fn the_counter_sees_allocations() {
    let (_, allocations) = measured(|| black_box(vec![1u8; 16]));
    assert_eq!(allocations, 1, "the guard must be able to fail");
}

#[test]
fn generated_hot_paths_allocate_nothing() {
    let bus = paths::Bus::new_boxed();
    let mut feed = bus.feed().publisher().unwrap();
    let mut orders = bus.orders().publisher().unwrap();
    let mut frames = bus.frames().publisher().unwrap();
    let mut reader = bus.reader().unwrap();
    let (mut sink, mut console) = (Sink::default(), Sink::default());
    // A tap that does not panic: created and registered before measuring (registration
    // allocates; notify must not).
    let tap = bus.orders().taps().registry().register(|order| {
        black_box(order);
    });
    let frame = [7u8; 100];
    let ((), allocations) = measured(|| {
        for value in 0..MESSAGES {
            feed.publish(Tick { value });
            feed.publish(Quote { bid: value, ask: value });
            orders.publish(Tick { value }); // tapped
            if value % 8 == 0 {
                frames.publish_bytes(&frame).unwrap();
            }
            assert!(reader.poll(&mut sink) >= 3);
            feed.publish(Tick { value });
            assert!(reader.try_recv_feed().is_ok());
            let mut alarms = bus.alarms().dispatcher(&mut console);
            alarms.emit(Tick { value });
        }
    });
    assert_eq!(allocations, 0);
    assert!(bus.orders().taps().registry().unregister(tap));
    assert!(sink.0 > 0 && console.0 > 0);
}
