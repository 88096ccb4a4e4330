//! Generated buses end to end, across threads, for every topic mode: overwrite and
//! backpressure × single and multiple producers × ring, and inline delivery. Every test
//! asserts exact delivery: every event once and in order on backpressure topics, and
//! `received + lagged == published` with gap-free sequences on overwrite topics.

use std::thread;

use hardwire::{Event, Shutdown, WaitStrategy};

/// A sequenced event: `producer` and its own sequence `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub seq: u64,
    pub producer: u32,
    pub _pad: u32,
}

/// A second event type, so topics carry an event enum.
#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Mark {
    pub seq: u64,
}

#[hardwire::bus]
pub mod modes {
    use super::{Mark, Tick};

    #[topic(capacity = 64, overflow = "overwrite", producers = "single")]
    pub struct LossySingle(Tick, Mark);

    #[topic(capacity = 64, overflow = "overwrite", producers = "multi")]
    pub struct LossyMulti(Tick);

    #[topic(capacity = 64, overflow = "backpressure", producers = "single")]
    pub struct LosslessSingle(Tick, Mark);

    #[topic(capacity = 16, overflow = "backpressure", producers = "multi")]
    pub struct LosslessMulti(Tick);

    #[topic(delivery = "inline")]
    pub struct Immediate(Tick, Mark);

    #[subscriber(LossySingle)]
    pub trait LossyReader {}

    #[subscriber(LossyMulti)]
    pub trait LossyMultiReader {}

    #[subscriber(LosslessSingle)]
    pub trait LosslessReader {}

    #[subscriber(LosslessSingle(Tick))]
    pub trait TickOnly {}

    #[subscriber(LosslessMulti)]
    pub trait LosslessMultiReader {}

    #[subscriber(Immediate)]
    pub trait First {}

    #[subscriber(Immediate(Mark))]
    pub trait Second {}
}

const EVENTS: u64 = if cfg!(miri) { 200 } else { 200_000 };

/// Checks a stream of ticks from `producers` producers: per-producer sequences increase
/// without gaps, except across a reported lag.
#[derive(Default)]
struct Checker {
    next: [u64; 8],
    received: u64,
    lagged: u64,
    marks: u64,
    lossless: bool,
}

impl Checker {
    fn tick(&mut self, tick: &Tick) {
        let next = &mut self.next[tick.producer as usize];
        if self.lossless {
            assert_eq!(tick.seq, *next, "lossless topic: gap or reorder for producer {}", tick.producer);
        } else {
            assert!(tick.seq >= *next, "reordered or duplicated for producer {}", tick.producer);
        }
        *next = tick.seq + 1;
        self.received += 1;
    }

    fn lagged(&mut self, missed: u64) {
        assert!(!self.lossless, "a backpressure topic reported lag");
        self.lagged += missed;
    }
}

macro_rules! handler {
    ($trait:ident, $($method:ident: $event:ty => $body:expr),*) => {
        impl modes::$trait for Checker {
            $(fn $method(&mut self, event: &$event) { ($body)(self, event) })*
            fn on_lagged(&mut self, _: modes::Topic, missed: u64) {
                self.lagged(missed);
            }
        }
    };
}

handler!(LossyReader, on_tick: Tick => Checker::tick, on_mark: Mark => |c: &mut Checker, _| c.marks += 1);
handler!(LossyMultiReader, on_tick: Tick => Checker::tick);
handler!(LosslessReader, on_tick: Tick => Checker::tick, on_mark: Mark => |c: &mut Checker, _| c.marks += 1);
handler!(TickOnly, on_tick: Tick => Checker::tick);
handler!(LosslessMultiReader, on_tick: Tick => Checker::tick);

fn tick(seq: u64, producer: u32) -> Tick {
    Tick { seq, producer, _pad: 0 }
}

#[test]
fn overwrite_single_producer_counts_every_lost_event_exactly() {
    let bus = modes::Bus::new_boxed();
    let mut reader = bus.lossy_reader().unwrap();
    let shutdown = Shutdown::new();
    thread::scope(|scope| {
        let mut publisher = bus.lossy_single().publisher().unwrap();
        scope.spawn(move || {
            for seq in 0..EVENTS {
                publisher.publish(tick(seq, 0));
                if seq % 1000 == 999 {
                    publisher.publish(Mark { seq });
                }
            }
        });
        let mut checker = Checker::default();
        reader.run(&mut checker, &shutdown);
        let marks = EVENTS / 1000;
        assert_eq!(checker.received + checker.marks + checker.lagged, EVENTS + marks);
        let stats = bus.stats().lossy_single;
        assert_eq!(stats.ring.published, EVENTS + marks);
        let mine = stats.subscribers[0].1;
        assert_eq!(mine.presence, hardwire::Presence::Held);
        assert_eq!((mine.stats.received, mine.stats.lagged), (checker.received + checker.marks, checker.lagged));
        assert_eq!(mine.pending, 0, "flushed when the ring ran dry");
    });
}

#[test]
fn overwrite_multi_producer_accounts_for_every_event() {
    let bus = modes::Bus::new_boxed();
    let mut reader = bus.lossy_multi_reader().unwrap();
    let shutdown = Shutdown::new();
    thread::scope(|scope| {
        let publisher = bus.lossy_multi().publisher().unwrap();
        for producer in 0..3 {
            let mut publisher = publisher.clone();
            scope.spawn(move || (0..EVENTS / 3).for_each(|seq| publisher.publish(tick(seq, producer))));
        }
        drop(publisher);
        let mut checker = Checker::default();
        reader.run(&mut checker, &shutdown);
        assert_eq!(checker.received + checker.lagged, EVENTS / 3 * 3);
    });
}

#[test]
fn backpressure_single_producer_delivers_everything_in_order_to_each_subscriber() {
    let bus = modes::Bus::new_boxed();
    let mut all = bus.lossless_reader().unwrap().with_wait_strategy(WaitStrategy::Block);
    let mut ticks_only = bus.tick_only().unwrap();
    let shutdown = Shutdown::new();
    thread::scope(|scope| {
        let mut publisher = bus.lossless_single().publisher().unwrap();
        scope.spawn(move || {
            for seq in 0..EVENTS {
                publisher.publish(tick(seq, 0));
                if seq % 10 == 0 {
                    publisher.publish(Mark { seq });
                }
            }
        });
        let other = scope.spawn(move || {
            let mut checker = Checker { lossless: true, ..Checker::default() };
            ticks_only.run(&mut checker, &Shutdown::new());
            checker
        });
        let mut checker = Checker { lossless: true, ..Checker::default() };
        all.run(&mut checker, &shutdown);
        assert_eq!((checker.received, checker.marks, checker.lagged), (EVENTS, EVENTS / 10, 0));
        let other = other.join().unwrap();
        assert_eq!((other.received, other.marks, other.lagged), (EVENTS, 0, 0));
    });
}

#[test]
fn backpressure_multi_producer_delivers_each_producers_events_in_order() {
    let bus = modes::Bus::new_boxed();
    let mut reader = bus.lossless_multi_reader().unwrap();
    thread::scope(|scope| {
        let publisher = bus.lossless_multi().publisher().unwrap();
        for producer in 0..4 {
            let mut publisher = publisher.clone();
            scope.spawn(move || {
                for seq in 0..EVENTS / 4 {
                    if seq % 2 == 0 {
                        publisher.publish(tick(seq, producer));
                    } else {
                        let mut event = tick(seq, producer);
                        while let Err(full) = publisher.try_publish(event) {
                            event = full.into_inner();
                            thread::yield_now();
                        }
                    }
                }
            });
        }
        drop(publisher);
        let mut checker = Checker { lossless: true, ..Checker::default() };
        reader.run(&mut checker, &Shutdown::new());
        assert_eq!(checker.received, EVENTS / 4 * 4);
        assert_eq!(&checker.next[..4], &[EVENTS / 4; 4]);
    });
}

#[test]
fn inline_delivery_calls_handlers_directly_in_declaration_order() {
    #[derive(Default)]
    struct Seen(Vec<(char, u64)>);
    impl modes::First for Seen {
        fn on_tick(&mut self, tick: &Tick) {
            self.0.push(('t', tick.seq));
        }
        fn on_mark(&mut self, mark: &Mark) {
            self.0.push(('m', mark.seq));
        }
    }
    impl modes::Second for Seen {
        fn on_mark(&mut self, mark: &Mark) {
            self.0.push(('M', mark.seq));
        }
    }
    let (mut first, mut second) = (Seen::default(), Seen::default());
    let mut dispatcher = modes::immediate::Dispatcher::new(&mut first, &mut second);
    for seq in 0..1000 {
        dispatcher.emit(tick(seq, 0));
        dispatcher.emit(modes::Immediate::Mark(Mark { seq }));
    }
    assert_eq!(first.0.len(), 2000);
    assert_eq!(second.0, (0..1000).map(|seq| ('M', seq)).collect::<Vec<_>>());
}

#[test]
fn channel_style_receive_skips_unsubscribed_events() {
    let bus = modes::Bus::new();
    let mut ticks_only = bus.tick_only().unwrap();
    let mut publisher = bus.lossless_single().publisher().unwrap();
    publisher.publish(Mark { seq: 1 });
    publisher.publish(tick(2, 0));
    // A subscriber of only `Tick` receives an enum of exactly that: no arm for `Mark`.
    let modes::tick_only::LosslessSingle::Tick(t) = ticks_only.try_recv_lossless_single().unwrap();
    assert_eq!(t.seq, 2);
    assert_eq!(ticks_only.try_recv_lossless_single(), Err(hardwire::TryRecvError::Empty));
}

#[test]
fn handles_are_taken_once_and_shutdown_stops_run() {
    let bus = modes::Bus::new();
    let mut reader = bus.lossy_reader().unwrap();
    assert!(matches!(bus.lossy_reader(), Err(hardwire::TakeError::AlreadyTaken { name: "lossy_reader" })));
    let _publisher = bus.lossy_single().publisher().unwrap();
    assert!(bus.lossy_single().publisher().is_err());
    let shutdown = Shutdown::new();
    shutdown.trigger();
    reader.run(&mut Checker::default(), &shutdown); // returns at once
}

#[hardwire::bus]
pub mod blobs {
    /// Lossless byte payloads from several threads.
    #[topic(capacity = 32, payload = "bytes", size = "M", overflow = "backpressure", producers = "multi")]
    pub struct Frames;

    /// Lossy byte payloads.
    #[topic(capacity = 8, payload = "bytes", size = "XS")]
    pub struct Samples;

    #[subscriber(Frames, Samples)]
    pub trait Sink {}
}

/// A frame of `len` bytes whose content encodes producer, sequence and length.
fn frame(producer: u8, seq: u32, len: usize) -> Vec<u8> {
    let mut bytes = vec![producer; len.max(5)];
    bytes[1..5].copy_from_slice(&seq.to_le_bytes());
    for (i, byte) in bytes.iter_mut().enumerate().skip(5) {
        *byte = (i as u8) ^ producer;
    }
    bytes
}

#[test]
fn byte_topics_deliver_every_payload_intact_across_threads() {
    const PER_PRODUCER: u32 = if cfg!(miri) { 50 } else { 20_000 };
    #[derive(Default)]
    struct Sink {
        next: [u32; 2],
        frames: u64,
        samples: u64,
        lagged: u64,
    }
    impl blobs::Sink for Sink {
        fn on_frames(&mut self, payload: &hardwire::BytesM) {
            let producer = payload[0];
            let seq = u32::from_le_bytes(payload[1..5].try_into().unwrap());
            assert_eq!(seq, self.next[usize::from(producer)], "in order per producer, none lost");
            self.next[usize::from(producer)] += 1;
            let len = 5 + (seq as usize * 37) % 1019;
            assert_eq!(payload.as_slice(), frame(producer, seq, len).as_slice(), "the bytes arrive intact");
            self.frames += 1;
        }
        fn on_samples(&mut self, _: &hardwire::BytesXS) {
            self.samples += 1;
        }
        fn on_lagged(&mut self, _: blobs::Topic, missed: u64) {
            self.lagged += missed;
        }
    }
    let bus = blobs::Bus::new_boxed();
    let mut sink = bus.sink().unwrap();
    let frames = bus.frames().publisher().unwrap();
    let mut samples = bus.samples().publisher().unwrap();
    let shutdown = Shutdown::new();
    let mut handler = Sink::default();
    thread::scope(|scope| {
        for producer in 0..2u8 {
            let mut frames = frames.clone();
            scope.spawn(move || {
                for seq in 0..PER_PRODUCER {
                    let len = 5 + (seq as usize * 37) % 1019;
                    frames.publish_bytes(&frame(producer, seq, len)).unwrap();
                }
                let too_long = frames.publish_bytes(&[0; 1025]);
                assert_eq!(too_long, Err(hardwire::TooLong { len: 1025, capacity: 1024 }));
            });
        }
        drop(frames);
        scope.spawn(move || {
            for i in 0..1000u32 {
                samples.publish_bytes(&i.to_le_bytes()).unwrap();
            }
        });
        sink.run(&mut handler, &shutdown); // until both topics close and drain
    });
    assert_eq!(handler.frames, 2 * u64::from(PER_PRODUCER));
    assert_eq!(handler.next, [PER_PRODUCER; 2]);
    assert_eq!(handler.samples + handler.lagged, 1000, "lossy: every sample read or counted lost");
}

#[test]
fn taps_see_every_published_event_without_being_in_the_topology() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    let bus = modes::Bus::new_boxed();
    let ticks = Arc::new(AtomicU64::new(0));
    let marks = Arc::new(AtomicU64::new(0));
    let (t, m) = (Arc::clone(&ticks), Arc::clone(&marks));
    let taps = bus.lossless_single().taps();
    assert!(taps.is_empty());
    let guard = taps.registry().register_guard(move |event: &modes::LosslessSingle| match event {
        modes::LosslessSingle::Tick(_) => {
            t.fetch_add(1, Ordering::Relaxed);
        }
        modes::LosslessSingle::Mark(_) => {
            m.fetch_add(1, Ordering::Relaxed);
        }
    });
    let mut reader = bus.lossless_reader().unwrap();
    let mut publisher = bus.lossless_single().publisher().unwrap();
    publisher.publish(tick(0, 0));
    publisher.publish_batch(&[Mark { seq: 1 }, Mark { seq: 2 }]);
    publisher.try_publish(tick(1, 0)).unwrap();
    assert_eq!((ticks.load(Ordering::Relaxed), marks.load(Ordering::Relaxed)), (2, 2));
    let mut checker = Checker { lossless: true, ..Checker::default() };
    assert_eq!(reader.poll(&mut checker), 4, "taps do not take events from subscribers");
    drop(guard);
    publisher.publish(tick(2, 0));
    assert_eq!(ticks.load(Ordering::Relaxed), 2, "an unregistered tap sees nothing more");

    // Multi-producer topics are tapped on every producer's thread.
    let seen = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&seen);
    bus.lossless_multi().taps().registry().register(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let mut multi_reader = bus.lossless_multi_reader().unwrap();
    let multi = bus.lossless_multi().publisher().unwrap();
    thread::scope(|scope| {
        for producer in 0..2 {
            let mut multi = multi.clone();
            scope.spawn(move || (0..500).for_each(|seq| multi.publish(tick(seq, producer))));
        }
        drop(multi);
        multi_reader.run(&mut Checker { lossless: true, ..Checker::default() }, &Shutdown::new());
    });
    assert_eq!(seen.load(Ordering::Relaxed), 1000);

    // Inline topics: a dispatcher from the bus calls the taps after the subscribers.
    #[derive(Default)]
    struct Count(u64);
    impl modes::First for Count {
        fn on_tick(&mut self, _: &Tick) {
            self.0 += 1;
        }
        fn on_mark(&mut self, _: &Mark) {
            self.0 += 1;
        }
    }
    impl modes::Second for Count {
        fn on_mark(&mut self, _: &Mark) {
            self.0 += 1;
        }
    }
    let tapped = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&tapped);
    bus.immediate().taps().registry().register(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let (mut first, mut second) = (Count::default(), Count::default());
    let mut dispatcher = bus.immediate().dispatcher(&mut first, &mut second);
    dispatcher.emit(tick(0, 0));
    dispatcher.emit(Mark { seq: 1 });
    let mut untapped = modes::immediate::Dispatcher::new(&mut first, &mut second);
    untapped.emit(Mark { seq: 2 });
    assert_eq!(tapped.load(Ordering::Relaxed), 2, "only the bus's dispatcher calls taps");
    assert_eq!((first.0, second.0), (3, 2));
}
