//! A bus's life from the first publish to the last: declared subscribers gate lossless topics
//! from the moment the bus exists, a dropped handle keeps its place and a re-take resumes it,
//! `leave()` and `optional` give the place up, stage takes are all-or-nothing, and the counts
//! say where every event went. Each test here reproduces a bug found in use (issue 11) and
//! failed before the fix.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hardwire::{Event, Presence, Shutdown, TakeError, TryRecvError, WaitStrategy};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Cmd {
    pub id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Reading {
    pub value: u64,
}

#[hardwire::bus]
pub mod plant {
    use super::{Cmd, Reading};

    /// Lossless commands.
    #[topic(capacity = 64, overflow = "backpressure")]
    pub struct Commands(Cmd);

    /// Lossy readings.
    #[topic(capacity = 8, overflow = "overwrite")]
    pub struct Readings(Reading);

    /// Lossless, with a subscriber that may never be taken.
    #[topic(capacity = 4, overflow = "backpressure")]
    pub struct Audit(Cmd);

    #[subscriber(Commands)]
    pub trait Actuator {}

    #[subscriber(Readings)]
    pub trait Display {}

    #[subscriber(Audit, optional)]
    pub trait Auditor {}

    #[subscriber(Audit)]
    pub trait Archive {}

    /// Reads two topics: waits for both at once.
    #[subscriber(Commands, Readings)]
    pub trait Logger {}
}

#[hardwire::bus]
pub mod staged {
    use super::Cmd;

    #[topic(capacity = 16, overflow = "backpressure")]
    pub struct Input(Cmd);

    #[topic(capacity = 16, overflow = "backpressure")]
    pub struct O1(Cmd);

    #[topic(capacity = 16, overflow = "backpressure")]
    pub struct O2(Cmd);

    #[subscriber(Input, publishes = [O1, O2])]
    pub trait Stage {}

    #[subscriber(O1)]
    pub trait Sink {}

    #[subscriber(O2)]
    pub trait Sink2 {}
}

#[derive(Default)]
struct Ids(Vec<u64>);

impl plant::Actuator for Ids {
    fn on_cmd(&mut self, cmd: &Cmd) {
        self.0.push(cmd.id);
    }
}

#[derive(Default)]
struct Both {
    commands: u64,
    readings: u64,
}

impl plant::Logger for Both {
    fn on_cmd(&mut self, _: &Cmd) {
        self.commands += 1;
    }
    fn on_reading(&mut self, _: &Reading) {
        self.readings += 1;
    }
}

#[test]
fn a_lossless_topic_keeps_what_is_published_before_its_subscriber_is_taken() {
    let bus = plant::Bus::new_boxed();
    let mut commands = bus.commands().publisher().unwrap();
    for id in 0..10 {
        commands.try_publish(Cmd { id }).unwrap();
    }
    let stats = bus.stats().commands;
    assert_eq!(stats.ring.published, 10);
    let actuator = stats.subscribers[0].1;
    assert_eq!((actuator.presence, actuator.stats.received, actuator.pending), (Presence::Parked, 0, 10));

    let mut handle = bus.actuator().unwrap();
    let mut ids = Ids::default();
    assert_eq!(handle.poll(&mut ids), 10);
    assert_eq!(ids.0, (0..10).collect::<Vec<_>>());
    let actuator = bus.stats().commands.subscribers[0].1;
    assert_eq!((actuator.presence, actuator.stats.received, actuator.pending), (Presence::Held, 10, 0));
}

#[test]
fn the_same_holds_for_a_static_bus_and_for_new() {
    static BUS: plant::Bus = plant::Bus::new();
    let local = plant::Bus::new();
    for bus in [&BUS, &local] {
        let mut commands = bus.commands().publisher().unwrap();
        commands.publish(Cmd { id: 7 });
        assert!(matches!(bus.actuator().unwrap().try_recv_commands(), Ok(plant::Commands::Cmd(Cmd { id: 7 }))));
    }
}

#[test]
fn a_publisher_held_back_by_an_untaken_subscriber_can_find_out_which() {
    let bus = plant::Bus::new_boxed();
    let mut commands = bus.commands().publisher().unwrap();
    // Logger reads `commands` too; take it and keep it drained, so only the actuator,
    // never taken, holds the topic back.
    let mut logger = bus.logger().unwrap();
    for id in 0..64 {
        commands.try_publish(Cmd { id }).unwrap();
    }
    logger.poll(&mut Both::default());
    assert_eq!(commands.try_publish(Cmd { id: 64 }), Err(hardwire::Full(Cmd { id: 64 })));
    let stats = bus.stats().commands;
    let (name, status) = stats.holding_back().expect("the ring is full for someone");
    assert_eq!((name, status.presence, status.pending), ("actuator", Presence::Parked, 64));
    assert!(stats.to_string().contains("held back by `actuator`"), "{stats}");
    assert!(stats.to_string().contains("actuator: received 0, pending 64 (no handle held)"), "{stats}");
}

#[test]
fn a_dropped_subscriber_is_taken_again_and_resumes_where_it_stopped() {
    let bus = plant::Bus::new_boxed();
    let mut commands = bus.commands().publisher().unwrap();
    let mut ids = Ids::default();
    (0..3).for_each(|id| commands.publish(Cmd { id }));
    let mut first = bus.actuator().unwrap();
    assert_eq!(bus.actuator().err(), Some(TakeError::AlreadyTaken { name: "actuator" }));
    assert_eq!(first.poll(&mut ids), 3);
    drop(first);
    // Published while no handle is held: kept for it, not lost.
    (3..8).for_each(|id| commands.publish(Cmd { id }));
    let status = bus.stats().commands.subscribers[0].1;
    assert_eq!((status.presence, status.stats.received, status.pending), (Presence::Parked, 3, 5));
    let mut second = bus.actuator().expect("a dropped subscriber can be taken again");
    assert_eq!(second.poll(&mut ids), 5);
    assert_eq!(ids.0, (0..8).collect::<Vec<_>>());
    assert_eq!(second.stats().received, 8, "the counters continue too");
}

#[test]
fn a_subscriber_that_leaves_stops_gating_and_cannot_come_back() {
    let bus = plant::Bus::new_boxed();
    let mut commands = bus.commands().publisher().unwrap();
    bus.logger().unwrap().leave();
    bus.actuator().unwrap().leave();
    assert_eq!(bus.actuator().err(), Some(TakeError::Left { name: "actuator" }));
    // Nobody gates: publishing past the capacity never waits.
    for id in 0..1000 {
        commands.try_publish(Cmd { id }).unwrap();
    }
    assert_eq!(bus.stats().commands.subscribers[0].1.presence, Presence::Absent);
}

#[test]
fn an_optional_subscriber_gates_only_while_held() {
    let bus = plant::Bus::new_boxed();
    let mut audit = bus.audit().publisher().unwrap();
    let mut archive = bus.archive().unwrap();
    let drain = |archive: &mut plant::archive::Subscriber<'_>| while archive.try_recv_audit().is_ok() {};
    // Not taken: it holds nothing back, and what is published now is not kept for it.
    for id in 0..10 {
        audit.try_publish(Cmd { id }).unwrap();
        drain(&mut archive);
    }
    assert_eq!(bus.stats().audit.subscribers[0].1.presence, Presence::Absent);
    let mut auditor = bus.auditor().unwrap();
    assert!(matches!(auditor.try_recv_audit(), Err(TryRecvError::Empty)), "joins at the newest event");
    for id in 10..14 {
        audit.try_publish(Cmd { id }).unwrap();
    }
    drain(&mut archive);
    assert!(audit.try_publish(Cmd { id: 14 }).is_err(), "held: it gates");
    assert!(matches!(auditor.try_recv_audit(), Ok(plant::Audit::Cmd(Cmd { id: 10 }))));
    drop(auditor);
    for id in 14..30 {
        audit.try_publish(Cmd { id }).unwrap();
        drain(&mut archive);
    }
    let mut auditor = bus.auditor().unwrap();
    assert!(matches!(auditor.try_recv_audit(), Err(TryRecvError::Empty)), "a re-take joins anew");
}

#[test]
fn a_late_subscriber_of_a_lossy_topic_starts_at_the_oldest_event_still_there() {
    let bus = plant::Bus::new_boxed();
    let mut readings = bus.readings().publisher().unwrap();
    (0..20).for_each(|value| readings.publish(Reading { value }));
    let mut display = bus.display().unwrap();
    assert!(matches!(display.try_recv_readings(), Err(TryRecvError::Lagged { missed: 12 })));
    let values: Vec<u64> = std::iter::from_fn(|| display.try_recv_readings().ok())
        .map(|plant::Readings::Reading(reading)| reading.value)
        .collect();
    assert_eq!(values, (12..20).collect::<Vec<_>>());
    let stats = display.stats();
    assert_eq!(stats.received + stats.lagged + stats.skipped, 20);
    drop(display);
    let status = bus.stats().readings.subscribers[0].1;
    assert_eq!((status.stats.received, status.stats.lagged, status.pending), (8, 12, 0));
}

#[test]
fn a_failed_stage_take_leaves_every_topic_as_it_was() {
    let bus = staged::Bus::new_boxed();
    let o2 = bus.o2().publisher().unwrap();
    assert_eq!(bus.stage().err(), Some(TakeError::OutputTaken { subscriber: "stage", topic: "o2" }));
    // `o1` is untouched: not closed, and its publisher can still be taken.
    let mut sink = bus.sink().unwrap();
    assert!(matches!(sink.try_recv_o1(), Err(TryRecvError::Empty)));
    let mut o1 = bus.o1().publisher().expect("the failed take gave o1's publisher back");
    o1.publish(Cmd { id: 1 });
    assert!(matches!(sink.try_recv_o1(), Ok(staged::O1::Cmd(Cmd { id: 1 }))));
    drop((o1, o2));
    assert!(matches!(sink.try_recv_o1(), Err(TryRecvError::Closed)));
}

#[test]
fn a_stage_take_succeeds_once_its_outputs_are_free() {
    let bus = staged::Bus::new_boxed();
    let _stage = bus.stage().unwrap();
    assert_eq!(bus.stage().err(), Some(TakeError::AlreadyTaken { name: "stage" }));
    assert_eq!(bus.o1().publisher().err(), Some(TakeError::AlreadyTaken { name: "o1" }));
}

#[test]
fn a_two_topic_subscriber_parked_in_run_wakes_on_either_topic() {
    let bus = plant::Bus::new_boxed();
    let shutdown = Shutdown::new();
    bus.actuator().unwrap().leave();
    let (seen_tx, seen_rx) = mpsc::channel();
    struct Report(mpsc::Sender<&'static str>);
    impl plant::Logger for Report {
        fn on_cmd(&mut self, _: &Cmd) {
            self.0.send("command").unwrap();
        }
        fn on_reading(&mut self, _: &Reading) {
            self.0.send("reading").unwrap();
        }
    }
    thread::scope(|scope| {
        let mut logger = bus.logger().unwrap().with_wait_strategy(WaitStrategy::Block);
        let shutdown = &shutdown;
        scope.spawn(move || logger.run(&mut Report(seen_tx), shutdown));
        let mut commands = bus.commands().publisher().unwrap();
        let mut readings = bus.readings().publisher().unwrap();
        for n in 0..3 {
            thread::sleep(Duration::from_millis(5)); // let it park
            readings.publish(Reading { value: n });
            assert_eq!(seen_rx.recv_timeout(Duration::from_secs(60)), Ok("reading"));
            thread::sleep(Duration::from_millis(5));
            commands.publish(Cmd { id: n });
            assert_eq!(seen_rx.recv_timeout(Duration::from_secs(60)), Ok("command"));
        }
        shutdown.trigger();
    });
}

#[test]
fn run_on_two_topics_ends_on_shutdown_and_counts_add_up() {
    let bus = plant::Bus::new_boxed();
    let shutdown = Shutdown::new();
    bus.actuator().unwrap().leave();
    let mut commands = bus.commands().publisher().unwrap();
    let mut readings = bus.readings().publisher().unwrap();
    thread::scope(|scope| {
        let mut logger = bus.logger().unwrap();
        let shutdown = &shutdown;
        let worker = scope.spawn(move || {
            let mut both = Both::default();
            logger.run(&mut both, shutdown);
            (both.commands, both.readings, logger.stats())
        });
        for n in 0..500 {
            commands.publish(Cmd { id: n });
            readings.publish(Reading { value: n });
        }
        // Both drained: lossless positions are exact, and a lossy reader flushes its
        // position whenever it runs dry.
        let drained = || {
            let stats = bus.stats();
            stats.commands.subscribers[1].1.pending == 0 && stats.readings.subscribers[1].1.pending == 0
        };
        while !drained() {
            thread::sleep(Duration::from_millis(1));
        }
        shutdown.trigger();
        let (commands_seen, readings_seen, stats) = worker.join().unwrap();
        assert_eq!(commands_seen, 500);
        assert_eq!(readings_seen + stats.lagged, 500);
    });
    // The handle is gone: its final counters were flushed when it was dropped.
    let stats = bus.stats();
    let logger_commands = stats.commands.subscribers[1].1;
    assert_eq!((logger_commands.stats.received, logger_commands.pending), (500, 0));
    let logger_readings = stats.readings.subscribers[1].1;
    assert_eq!(logger_readings.stats.received + logger_readings.stats.lagged + logger_readings.pending, 500);
}

#[test]
fn a_full_publisher_names_the_subscriber_it_waits_for() {
    let bus = plant::Bus::new_boxed();
    let mut audit = bus.audit().publisher().unwrap();
    for id in 0..4 {
        audit.try_publish(Cmd { id }).unwrap();
    }
    assert!(audit.try_publish(Cmd { id: 4 }).is_err());
    // `auditor` is optional and absent; `archive` was never taken and holds it back.
    let (name, status) = audit.holding_back().expect("full for someone");
    assert_eq!((name, status.presence, status.pending), ("archive", Presence::Parked, 4));
    assert_eq!(bus.audit().holding_back().map(|(name, _)| name), Some("archive"));
    let mut archive = bus.archive().unwrap();
    assert!(archive.try_recv_audit().is_ok());
    assert_eq!(audit.holding_back(), None, "one slot free: nobody holds it back");
}

#[test]
fn bus_stats_iterate_every_topic_and_print_one_line_each() {
    let bus = plant::Bus::new_boxed();
    bus.commands().publisher().unwrap().publish(Cmd { id: 1 });
    let stats = bus.stats();
    let names: Vec<&str> = stats.topics().map(|topic| topic.name).collect();
    assert_eq!(names, ["commands", "readings", "audit"]);
    let published: Vec<u64> = stats.topics().map(|topic| topic.ring.published).collect();
    assert_eq!(published, [1, 0, 0]);
    let text = stats.to_string();
    assert_eq!(text.lines().count(), 3);
    assert!(!text.ends_with('\n'), "no trailing newline: println! adds the only one");
    assert_eq!(text.lines().next(), Some(stats.commands.to_string().as_str()));
}

/// An event type with neither `Debug` nor `PartialEq`: its topic's enum still compiles and
/// works; only printing or comparing it would be an error, naming `Opaque`.
#[derive(Clone, Copy, Event)]
#[repr(C)]
pub struct Opaque {
    pub bits: u64,
}

#[hardwire::bus]
pub mod mixed {
    use super::{Cmd, Opaque};

    #[topic(capacity = 4)]
    pub struct Printable(Cmd);

    #[topic(capacity = 4)]
    pub struct Hidden(Opaque, Cmd);

    #[subscriber(Printable, Hidden)]
    pub trait Reader {}
}

#[test]
fn topic_enums_print_and_compare_when_their_events_do() {
    let bus = mixed::Bus::new_boxed();
    let mut reader = bus.reader().unwrap();
    bus.printable().publisher().unwrap().publish(Cmd { id: 3 });
    let got = reader.try_recv_printable();
    assert_eq!(got, Ok(mixed::Printable::Cmd(Cmd { id: 3 })));
    assert_eq!(format!("{:?}", got.unwrap()), "Cmd(Cmd { id: 3 })");
    bus.hidden().publisher().unwrap().publish(Opaque { bits: 7 });
    match reader.try_recv_hidden() {
        Ok(mixed::Hidden::Opaque(opaque)) => assert_eq!(opaque.bits, 7),
        _ => panic!("expected the opaque event"),
    }
}

#[test]
fn generated_handles_block_time_out_drain_and_publish_iterators() {
    let bus = plant::Bus::new_boxed();
    let mut actuator = bus.actuator().unwrap();
    let mut logger = bus.logger().unwrap();
    let mut commands = bus.commands().publisher().unwrap();
    assert_eq!(actuator.recv_commands_timeout(Duration::from_millis(5)), Err(hardwire::RecvError::Timeout));
    commands.publish_iter((0..3).map(|id| Cmd { id }));
    assert_eq!(actuator.recv_commands(), Ok(plant::Commands::Cmd(Cmd { id: 0 })));
    assert_eq!(actuator.drain_commands().count(), 2);
    assert_eq!(logger.drain_commands().count(), 3);
    thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(Duration::from_millis(5));
            commands.publish(Cmd { id: 9 });
        });
        assert_eq!(actuator.recv_commands_timeout(Duration::from_secs(60)), Ok(plant::Commands::Cmd(Cmd { id: 9 })));
    });
    // A full topic: publish_timeout gives the event back, and the publisher finds out that
    // the dropped (parked) logger, one event behind the actuator, is what it waits for.
    drop(logger);
    commands.publish_iter((10..73).map(|id| Cmd { id }));
    assert_eq!(
        commands.publish_timeout(Cmd { id: 99 }, Duration::from_millis(5)),
        Err(hardwire::Stopped(Cmd { id: 99 }))
    );
    let (name, status) = commands.holding_back().unwrap();
    assert_eq!((name, status.presence, status.pending), ("logger", Presence::Parked, 64));
}

#[test]
fn a_shared_bus_hands_out_static_handles_for_spawned_threads() {
    let bus = plant::SharedBus::new();
    let mut actuator = bus.actuator().unwrap();
    bus.logger().unwrap().leave(); // only the actuator reads `commands` here
    let mut commands = bus.commands_publisher().unwrap();
    // `'static` handles: they move into `thread::spawn`, no scope, no leak.
    let reader = thread::spawn(move || {
        let mut ids = Ids::default();
        while ids.0.len() < 100 {
            actuator.poll(&mut ids);
            thread::yield_now();
        }
        (ids.0, actuator) // the handle comes back, still valid
    });
    let writer = thread::spawn(move || (0..100).for_each(|id| commands.publish(Cmd { id })));
    writer.join().unwrap();
    let (ids, actuator) = reader.join().unwrap();
    assert_eq!(ids, (0..100).collect::<Vec<_>>());
    // The Deref'd bus: stats and borrowed handles as on `Bus`.
    assert_eq!(bus.stats().commands.ring.published, 100);
    assert_eq!(bus.actuator().err(), Some(TakeError::AlreadyTaken { name: "actuator" }));
    // The bus outlives its last `SharedBus` clone while a handle holds it.
    let mut readings = bus.readings_publisher().unwrap();
    drop((bus, actuator));
    readings.publish(Reading { value: 1 });
    assert_eq!(readings.ring().published(), 1);
}

#[test]
fn a_shared_stage_takes_and_publishes_from_a_thread() {
    let bus = staged::SharedBus::new();
    let mut stage = bus.stage().unwrap();
    let mut sink = bus.sink().unwrap();
    let mut sink2 = bus.sink2().unwrap();
    struct Forward;
    impl staged::Stage for Forward {
        fn on_cmd(&mut self, cmd: &Cmd, out: &mut staged::stage::Outputs<'_>) {
            out.o1.publish(*cmd);
            out.o2.publish(Cmd { id: cmd.id * 10 });
        }
    }
    let mut input = bus.input_publisher().unwrap();
    let worker = thread::spawn(move || {
        let mut seen = 0;
        while seen < 3 {
            seen += stage.poll(&mut Forward);
        }
    });
    (1..=3).for_each(|id| input.publish(Cmd { id }));
    worker.join().unwrap();
    let ids: Vec<u64> = sink.drain_o1().map(|staged::O1::Cmd(cmd)| cmd.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(sink2.drain_o2().count(), 3);
}
