//! A generated subscriber's handlers read a lossless topic's events where they lie, in the
//! ring's slot: no copy, whatever the event's size. A lossy topic's handlers read a checked
//! copy (a lapping publisher may rewrite the slot), as does an event whose alignment exceeds
//! the wire body's 8 bytes. A handler that panics leaves its event unread.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hardwire::Event;

/// 256-byte events, one per topic (a handler method is per event type).
macro_rules! frames {
    ($($name:ident)*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Event)]
        #[repr(C)]
        pub struct $name {
            pub words: [u64; 32],
        }

        impl $name {
            fn new(first: u64) -> Self {
                let mut words = [0; 32];
                words[0] = first;
                words[31] = !first;
                Self { words }
            }
        }
    )*};
}

frames!(Frame Still Thumb);

/// Aligned to 16 bytes: more than an enum wire body's 8.
#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C, align(16))]
pub struct Wide {
    pub a: u64,
    pub b: u64,
}

#[hardwire::bus]
pub mod video {
    use super::{Frame, Still, Thumb, Wide};

    /// Lossless, two events: the ring stores the tagged enum wire form.
    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct Frames(Frame, Wide);

    /// Lossless, one event: the ring stores the event itself.
    #[topic(capacity = 8, overflow = "backpressure")]
    pub struct Solo(Still);

    /// Lossy.
    #[topic(capacity = 8, overflow = "overwrite")]
    pub struct Preview(Thumb);

    #[subscriber(Frames, Solo, Preview)]
    pub trait Viewer {}
}

/// Where each handler call found its event.
#[derive(Default)]
struct Seen {
    frames: Vec<(usize, u64)>,
    wides: Vec<(usize, u64)>,
    solo: Vec<(usize, u64)>,
    preview: Vec<(usize, u64)>,
    /// The next frame of topic `Frames` whose first word is this panics, once.
    panic_on: Option<u64>,
}

impl video::Viewer for Seen {
    fn on_frame(&mut self, event: &Frame) {
        if self.panic_on.take_if(|word| *word == event.words[0]).is_some() {
            panic!("handler fails on frame {}", event.words[0]);
        }
        self.frames.push((core::ptr::from_ref(event) as usize, event.words[0]));
    }
    fn on_wide(&mut self, event: &Wide) {
        self.wides.push((core::ptr::from_ref(event) as usize, event.a));
    }
    fn on_still(&mut self, event: &Still) {
        self.solo.push((core::ptr::from_ref(event) as usize, event.words[0]));
    }
    fn on_thumb(&mut self, event: &Thumb) {
        self.preview.push((core::ptr::from_ref(event) as usize, event.words[0]));
    }
}

/// The bytes of `bus`, where its rings are.
fn span(bus: &video::Bus) -> Range<usize> {
    let start = core::ptr::from_ref(bus) as usize;
    start..start + size_of::<video::Bus>()
}

#[test]
fn lossless_handlers_read_the_event_in_its_ring_slot() {
    let bus = video::Bus::new_boxed();
    let mut viewer = bus.viewer().unwrap();
    let mut frames = bus.frames().publisher().unwrap();
    frames.publish(Frame::new(1));
    frames.publish(Wide { a: 2, b: 3 });
    bus.solo().publisher().unwrap().publish(Still::new(4));
    bus.preview().publisher().unwrap().publish(Thumb::new(5));

    let mut seen = Seen::default();
    assert_eq!(viewer.poll(&mut seen), 4);
    let ring = span(&bus);
    let [(at, 1)] = seen.frames[..] else { panic!("one frame: {:?}", seen.frames) };
    assert!(ring.contains(&at), "a lossless enum topic's event is read in its slot");
    let [(at, 4)] = seen.solo[..] else { panic!("one solo frame: {:?}", seen.solo) };
    assert!(ring.contains(&at), "a lossless single-event topic's event is read in its slot");
    let [(at, 2)] = seen.wides[..] else { panic!("one wide event: {:?}", seen.wides) };
    assert!(!ring.contains(&at), "an event aligned beyond the wire body is read from a copy");
    let [(at, 5)] = seen.preview[..] else { panic!("one preview frame: {:?}", seen.preview) };
    assert!(!ring.contains(&at), "a lossy topic's event is read from a checked copy");
}

#[test]
fn a_handler_that_panics_leaves_its_event_unread() {
    let bus = video::Bus::new_boxed();
    let mut viewer = bus.viewer().unwrap();
    let mut publisher = bus.frames().publisher().unwrap();
    for first in 1..=3 {
        publisher.publish(Frame::new(first));
    }

    let mut seen = Seen { panic_on: Some(2), ..Seen::default() };
    let failed = catch_unwind(AssertUnwindSafe(|| viewer.poll(&mut seen)));
    assert!(failed.is_err(), "the handler panicked");
    assert_eq!(seen.frames.iter().map(|&(_, first)| first).collect::<Vec<_>>(), [1]);
    assert_eq!(viewer.stats().received, 1, "the panicking read was not counted");

    // The next poll starts with the event the handler failed on.
    assert_eq!(viewer.poll(&mut seen), 2);
    assert_eq!(seen.frames.iter().map(|&(_, first)| first).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(viewer.stats().received, 3);
}

/// Checks each frame whole while it lies in the ring, as the publisher fills the other slots.
#[derive(Default)]
struct Checker {
    next: u64,
}

impl video::Viewer for Checker {
    fn on_frame(&mut self, event: &Frame) {
        assert_eq!(event.words[0], self.next, "frames arrive in order, none lost or repeated");
        assert!(event.words[1..31].iter().all(|&word| word == event.words[0] * 3), "no torn frame");
        assert_eq!(event.words[31], !event.words[0], "no torn frame");
        self.next += 1;
    }
    fn on_wide(&mut self, _: &Wide) {}
    fn on_still(&mut self, _: &Still) {}
    fn on_thumb(&mut self, _: &Thumb) {}
}

#[test]
fn in_place_reads_race_no_publisher() {
    // Few events under Miri, which checks the plain copies for data races.
    let count: u64 = if cfg!(miri) { 40 } else { 100_000 };
    let bus = video::SharedBus::new();
    let mut viewer = bus.viewer().unwrap();
    let mut publisher = bus.frames_publisher().unwrap();
    let producer = std::thread::spawn(move || {
        for first in 0..count {
            let mut frame = Frame::new(first);
            frame.words[1..31].fill(first * 3);
            publisher.publish(frame);
        }
    });
    let mut checker = Checker::default();
    while checker.next < count {
        if viewer.poll(&mut checker) == 0 {
            std::thread::yield_now();
        }
    }
    producer.join().unwrap();
    assert_eq!(viewer.stats().received, count);
}
