//! Topics declared `scope = "shared"`: the generated bus opened with `SharedBus::open` in two
//! real processes (this test binary spawns itself), with the generated handles on both
//! sides. The declared subscriber gates the lossless shared topic from the segment's
//! creation, handles are taken once across processes, the topic's stats are the segment's,
//! topics that are not shared stay in each process, and a different topology is refused.

#![cfg(all(target_os = "linux", not(miri)))]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use hardwire::shm::ShmError;
use hardwire::{Event, TakeError};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Reading {
    pub seq: u64,
    pub value: f64,
}

#[hardwire::bus]
pub mod plant {
    use super::Reading;

    /// Shared between processes, lossless: the logger process reads every reading.
    #[topic(capacity = 64, overflow = "backpressure", scope = "shared")]
    pub struct Readings(Reading);

    /// In each process only.
    #[topic(capacity = 8)]
    pub struct Local(Reading);

    #[subscriber(Readings)]
    pub trait Logger {}

    #[subscriber(Local)]
    pub trait Nearby {}
}

/// The same topic with another capacity: its segment layout differs.
#[hardwire::bus]
pub mod other {
    use super::Reading;

    #[topic(capacity = 128, overflow = "backpressure", scope = "shared")]
    pub struct Readings(Reading);

    #[subscriber(Readings)]
    pub trait Logger {}
}

/// A topology that lets the owner's group read its segment (`hardwire stats` from an
/// operator's account, say).
#[hardwire::bus(segment_mode = 0o640)]
pub mod grouped {
    use super::Reading;

    #[topic(capacity = 8, scope = "shared")]
    pub struct Readings(Reading);
}

const READINGS: u64 = 20_000;

#[derive(Default)]
struct Check {
    next: u64,
}

impl plant::Logger for Check {
    fn on_reading(&mut self, reading: &Reading) {
        assert_eq!(reading.seq, self.next, "lost or reordered");
        assert_eq!(reading.value, reading.seq as f64 * 0.5);
        self.next += 1;
    }
}

/// The logger process: opens the bus's segment, takes the declared subscriber, reads until
/// the publisher (in the parent) is gone.
#[test]
#[ignore = "entry point of the child process `readings_cross_processes_through_generated_handles` spawns"]
fn logger_process() {
    let Ok(name) = std::env::var("HARDWIRE_SHARED_TOPICS_SEGMENT") else { return };
    let bus = plant::SharedBus::open_with(&name, hardwire::shm::OpenOptions::new().attach_only()).unwrap();
    let mut logger = bus.logger().unwrap();
    println!("@@ ready");
    let mut check = Check::default();
    let shutdown = hardwire::Shutdown::new();
    logger.run(&mut check, &shutdown); // returns when the topic is closed and drained
    println!("@@ received {}", check.next);
}

#[test]
fn readings_cross_processes_through_generated_handles() {
    let name = format!("shared-topics-{}", std::process::id());
    let bus = plant::SharedBus::open(&name).unwrap();
    // The declared logger gates from the start: nothing published before its process exists
    // is lost.
    let mut publisher = bus.readings_publisher().unwrap();
    for seq in 0..10 {
        publisher.publish(Reading { seq, value: seq as f64 * 0.5 });
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["logger_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("HARDWIRE_SHARED_TOPICS_SEGMENT", &name)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reports = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| line.split_once("@@ ").map(|(_, report)| report.to_owned()));
    assert_eq!(reports.next().as_deref(), Some("ready"));

    // Taken once across processes: the child holds the logger's record.
    assert!(matches!(bus.logger(), Err(TakeError::AlreadyTaken { name: "logger" })), "{:?}", bus.logger().err());
    // A topic that is not shared is this process's own: its subscriber is free here.
    assert!(bus.nearby().is_ok());

    for seq in 10..READINGS {
        publisher.publish(Reading { seq, value: seq as f64 * 0.5 }); // waits for the child
    }
    let stats = bus.stats().readings;
    assert_eq!(stats.ring.published, READINGS, "the topic's counters are the segment's");
    drop(publisher); // closes the shared topic: the child drains it and returns
    assert_eq!(reports.next(), Some(format!("received {READINGS}")));
    assert!(child.wait().unwrap().success());

    // Another topology cannot open the segment.
    match other::SharedBus::open(&name) {
        Err(ShmError::Incompatible { difference, .. }) => {
            assert!(difference.contains("capacity: the segment has 64, this process 128"), "{difference}")
        }
        other => panic!("expected Incompatible, got {other:?}"),
    }
}

#[test]
fn an_attach_only_open_of_a_missing_segment_is_not_found() {
    let name = format!("shared-topics-missing-{}", std::process::id());
    let options = hardwire::shm::OpenOptions::new().attach_only();
    assert!(matches!(plant::SharedBus::open_with(&name, options), Err(ShmError::NotFound { .. })));
}

#[test]
fn the_topology_sets_the_segments_mode() {
    use std::os::unix::fs::PermissionsExt;
    let mode_of = |name: &str| {
        let path = format!("/dev/shm/hardwire-{name}");
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    };
    let name = format!("shared-topics-mode-{}", std::process::id());
    let bus = grouped::SharedBus::open(&name).unwrap();
    assert_eq!(mode_of(&name), 0o640, "the topology's `segment_mode`");
    drop(bus);
    let name = format!("shared-topics-default-mode-{}", std::process::id());
    let bus = plant::SharedBus::open(&name).unwrap();
    assert_eq!(mode_of(&name), 0o600, "owner only unless the topology widens it");
    drop(bus);
    // The open call decides when it passes its own options.
    let name = format!("shared-topics-open-with-{}", std::process::id());
    let bus = grouped::SharedBus::open_with(&name, hardwire::shm::OpenOptions::new().mode(0o660)).unwrap();
    assert_eq!(mode_of(&name), 0o660);
    drop(bus);
}

#[test]
fn a_bus_with_shared_topics_still_works_in_one_process() {
    // `Bus::new` (or `SharedBus::new`) keeps every ring in the process.
    let bus = plant::Bus::new_boxed();
    let mut publisher = bus.readings().publisher().unwrap();
    let mut logger = bus.logger().unwrap();
    publisher.publish(Reading { seq: 0, value: 0.0 });
    let mut check = Check::default();
    assert_eq!(logger.poll(&mut check), 1);
    assert_eq!(plant::Bus::segment_layout().specs().count(), 1, "only the shared topic is in the segment");
}
