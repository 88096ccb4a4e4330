//! Shared-memory segments across real processes: this test binary spawns itself as child
//! processes (the `child` entry point below), which open the segment the test created,
//! and kills them where a test needs a crash.
//!
//! * `Overwrite` across processes: checksummed events, exact lag counts
//!   (`received + lagged == published` in every child).
//! * `Backpressure` across processes: two publisher processes, subscribers in two processes,
//!   no loss, no duplicate, per-producer order.
//! * A subscriber process killed with SIGKILL mid-stream, and another resuming its record: the
//!   publisher waited for it, and nothing was lost.
//! * A publisher process killed mid-stream: the reap closes the ring, subscribers drain it.
//! * A multi-producer process killed holding a claim it never committed, while another
//!   publisher lives: subscribers find the claim dead, pass it (counted as skipped), and the
//!   slot's next lap is written.
//! * Dead peers found by the live handles themselves, blocking, polling `try_*` or awaiting.
//! * Layout mismatches refused with their message, stale segments detected, permissions,
//!   removal when the last process detaches, blocking receives woken across processes.

#![cfg(all(target_os = "linux", feature = "shm", not(loom), not(miri)))]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hardwire_runtime::shm::{OpenOptions, Segment, SegmentLayout, ShmError};
use hardwire_runtime::{Backpressure, Overwrite, RecvError, Ring, TryRecvError, WaitStrategy};

/// Events carry `[producer, seq, check, !seq]`: a torn or mixed value fails `open`.
type Event = [u64; 4];
type Lossy = Ring<Event, 64, Overwrite, 4>;
type Lossless = Ring<Event, 64, Backpressure, 4>;

const TOPOLOGY: u64 = 0x5eed;

#[path = "support/mix.rs"]
mod mix;
use mix::mix;

fn make(producer: u64, seq: u64) -> Event {
    [producer, seq, mix(producer << 48 ^ seq), !seq]
}

fn open(event: &Event) -> (u64, u64) {
    let [producer, seq, check, not_seq] = *event;
    assert!(check == mix(producer << 48 ^ seq) && not_seq == !seq, "torn or corrupt event {event:x?}");
    (producer, seq)
}

/// Ring 0: lossy, two reserved records. Ring 1: lossless, two reserved records.
fn layout() -> SegmentLayout {
    SegmentLayout::new(TOPOLOGY).ring::<Lossy>("lossy", 2).ring::<Lossless>("lossless", 2)
}

fn unique(test: &str) -> String {
    format!("test-{}-{test}", std::process::id())
}

/// A child process of this binary running `role`, killed if the test ends first.
struct Spawned(Child);

impl Spawned {
    fn new(role: &str, segment: &str) -> Self {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("HARDWIRE_SHM_ROLE", role)
            .env("HARDWIRE_SHM_SEGMENT", segment)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        Self(child)
    }

    /// [`Spawned::new`], run as user `nobody` (for a root test process); `None` without
    /// `setpriv`.
    fn as_nobody(role: &str, segment: &str) -> Option<Self> {
        let child = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(std::env::current_exe().unwrap())
            .args(["child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("HARDWIRE_SHM_ROLE", role)
            .env("HARDWIRE_SHM_SEGMENT", segment)
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        Some(Self(child))
    }

    /// Everything the child reports, until it exits; asserts it succeeded.
    fn finish(mut self) -> Vec<String> {
        let lines: Vec<String> = self.reports().collect();
        let status = self.0.wait().unwrap();
        assert!(status.success(), "child failed: {status}; it reported {lines:?}");
        lines
    }

    /// The child's reports as it makes them: what follows `@@ ` on a line of its output
    /// (the test harness may print `test child ... ` before it on the same line).
    fn reports(&mut self) -> impl Iterator<Item = String> + use<> {
        let stdout = self.0.stdout.take().expect("reports taken twice");
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| line.split_once("@@ ").map(|(_, report)| report.to_owned()))
    }

    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn report(line: impl std::fmt::Display) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "@@ {line}").unwrap();
    out.flush().unwrap();
}

fn field(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        .parse()
        .unwrap()
}

/// The child processes' entry point: a no-op unless spawned by a test above.
#[test]
#[ignore = "entry point of the child processes the tests spawn"]
fn child() {
    let Ok(role) = std::env::var("HARDWIRE_SHM_ROLE") else { return };
    let name = std::env::var("HARDWIRE_SHM_SEGMENT").unwrap();
    let (role, arg) = role.split_once(':').unwrap_or((role.as_str(), ""));
    match role {
        "lossy-reader" => lossy_reader(&name, arg.parse().unwrap()),
        "lossless-reader" => lossless_reader(&name, arg.parse().unwrap(), false),
        "lossless-reader-slow" => lossless_reader(&name, arg.parse().unwrap(), true),
        "producer" => producer(&name, arg.parse().unwrap()),
        "endless-publisher" => endless_publisher(&name),
        "claim-and-wait" => {
            // A full lap of ring 1, then one more: its claim is made, and the publish waits
            // for room until the process is killed, the claim never committed.
            let segment = Segment::attach(&name, &layout()).unwrap();
            let mut publisher = segment.ring::<Lossless>(1).unwrap().multi_publisher().unwrap();
            report("publishing");
            (0..=64).for_each(|seq| publisher.publish(make(1, seq)));
            report("unexpected: room");
        }
        "dynamic-reader" => {
            let segment = Segment::attach(&name, &layout()).unwrap();
            let _subscriber = segment.ring::<Lossless>(1).unwrap().subscribe().unwrap();
            report("subscribed");
            std::thread::sleep(Duration::from_secs(600)); // until killed
        }
        "attach-expect-denied" => match Segment::attach(&name, &layout()) {
            Err(ShmError::PermissionDenied { .. }) => report("permission denied"),
            other => report(format!("unexpected: {other:?}")),
        },
        "late-publisher" => {
            let segment = Segment::attach(&name, &layout()).unwrap();
            let mut publisher = segment.ring::<Lossless>(1).unwrap().publisher().unwrap();
            std::thread::sleep(Duration::from_millis(300)); // the parent is awaiting by now
            publisher.publish(make(0, 42));
            report("published");
        }
        "creator-that-dies" => {
            let segment = Segment::create(&name, &layout()).unwrap();
            report("created");
            std::mem::forget(segment);
            std::process::exit(0); // no destructor runs: the segment stays, its user dead
        }
        "blocked-reader" => {
            let segment = Segment::attach(&name, &layout()).unwrap();
            let ring = segment.ring::<Lossless>(1).unwrap();
            let mut subscriber = ring.resume(0).unwrap();
            subscriber.set_wait_strategy(WaitStrategy::Block);
            report("waiting");
            let (_, seq) = open(&subscriber.recv().unwrap());
            report(format!("got seq={seq}"));
        }
        other => panic!("unknown role {other}"),
    }
}

/// Reads ring 0 through reserved record `record` until it closes, checking every event and
/// the lag arithmetic.
fn lossy_reader(name: &str, record: usize) {
    let segment = Segment::attach(name, &layout()).unwrap();
    let ring = segment.ring::<Lossy>(0).unwrap();
    let mut subscriber = ring.resume(record).unwrap();
    subscriber.set_wait_strategy(WaitStrategy::Yield);
    report("ready");
    let (mut expected, mut received, mut lagged) = (0u64, 0u64, 0u64);
    loop {
        match subscriber.recv() {
            Ok(event) => {
                let (_, seq) = open(&event);
                assert_eq!(seq, expected, "out of order");
                expected += 1;
                received += 1;
            }
            Err(RecvError::Lagged { missed }) => {
                expected += missed;
                lagged += missed;
            }
            Err(RecvError::Closed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    report(format!("received={received} lagged={lagged}"));
}

/// Reads ring 1 through reserved record `record` until it closes; reports per-producer
/// counts after checking order and duplicates. `slow` reads one event per 20 µs.
fn lossless_reader(name: &str, record: usize, slow: bool) {
    let segment = Segment::open(name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    let mut subscriber = ring.resume(record).unwrap();
    report("ready");
    let mut next = [u64::MAX; 2];
    let mut first = None;
    let mut received = 0u64;
    loop {
        // In place: the cursor moves past the event only once the closure returned, so a
        // reader killed inside it leaves the event to the next one resuming the record.
        let got = subscriber.try_recv_with(|event| {
            let (producer, seq) = open(event);
            if slow {
                report(format!("seq={seq}"));
            }
            (producer, seq)
        });
        match got {
            Ok((producer, seq)) => {
                let slot = &mut next[producer as usize];
                if *slot == u64::MAX {
                    first.get_or_insert(seq);
                } else {
                    assert_eq!(seq, *slot, "producer {producer}: lost or duplicated");
                }
                *slot = seq + 1;
                received += 1;
                if slow {
                    std::thread::sleep(Duration::from_micros(20));
                }
            }
            Err(TryRecvError::Empty) => std::thread::yield_now(),
            Err(TryRecvError::Closed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    report(format!("received={received} first={} end0={} end1={}", first.unwrap_or(0), next[0], next[1]));
}

/// Publishes `[id, 0..count)` into ring 1 through a multi-producer publisher.
fn producer(name: &str, arg: u64) {
    let (id, count) = (arg >> 32, arg & 0xffff_ffff);
    let segment = Segment::attach(name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    let mut publisher = ring.multi_publisher().unwrap();
    for seq in 0..count {
        publisher.publish(make(id, seq));
    }
    report("done");
}

/// Publishes into ring 0 until killed.
fn endless_publisher(name: &str) {
    let segment = Segment::attach(name, &layout()).unwrap();
    let ring = segment.ring::<Lossy>(0).unwrap();
    let mut publisher = ring.publisher().unwrap();
    report("publishing");
    for seq in 0.. {
        publisher.publish(make(0, seq));
    }
}

#[test]
fn overwrite_across_processes_counts_lag_exactly() {
    let name = unique("lossy");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossy>(0).unwrap();
    let mut readers: Vec<Spawned> =
        (0..2).map(|record| Spawned::new(&format!("lossy-reader:{record}"), &name)).collect();
    let mut tails = Vec::new();
    for reader in &mut readers {
        let mut reports = reader.reports();
        assert_eq!(reports.next().as_deref(), Some("ready"));
        tails.push(reports);
    }
    const EVENTS: u64 = 400_000;
    let mut publisher = ring.publisher().unwrap();
    for seq in 0..EVENTS {
        publisher.publish(make(0, seq));
    }
    drop(publisher);
    for (reader, tail) in readers.into_iter().zip(tails) {
        let line = tail.last().unwrap();
        let mut reader = reader;
        assert!(reader.0.wait().unwrap().success());
        let (received, lagged) = (field(&line, "received"), field(&line, "lagged"));
        assert_eq!(received + lagged, EVENTS, "{line}");
        assert!(received > 0);
    }
    assert_eq!(ring.published(), EVENTS);
}

#[test]
fn backpressure_across_processes_loses_and_duplicates_nothing() {
    let name = unique("lossless");
    let segment = Segment::create(&name, &layout()).unwrap();
    const EVENTS: u64 = 100_000;
    let readers: Vec<Spawned> =
        (0..2).map(|record| Spawned::new(&format!("lossless-reader:{record}"), &name)).collect();
    let producers: Vec<Spawned> =
        (0..2).map(|id| Spawned::new(&format!("producer:{}", id << 32 | EVENTS), &name)).collect();
    for producer in producers {
        assert_eq!(producer.finish(), ["done"]);
    }
    for reader in readers {
        let lines = reader.finish();
        let line = lines.last().unwrap();
        assert_eq!(field(line, "received"), 2 * EVENTS, "{line}");
        assert_eq!((field(line, "end0"), field(line, "end1")), (EVENTS, EVENTS), "{line}");
    }
    let ring = segment.ring::<Lossless>(1).unwrap();
    assert_eq!(ring.published(), 2 * EVENTS);
    assert!(ring.is_closed());
}

#[test]
fn killed_subscriber_is_resumed_and_nothing_is_lost() {
    let name = unique("killed-sub");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    // Record 1 is declared but nobody reads it here: leave it, so only record 0 gates.
    ring.resume(1).unwrap().leave();
    const EVENTS: u64 = 20_000;
    let publisher_ring = ring.clone();
    let publishing = std::thread::spawn(move || {
        let mut publisher = publisher_ring.publisher().unwrap();
        for seq in 0..EVENTS {
            publisher.publish(make(0, seq)); // waits while record 0's reader is dead
        }
    });
    let mut first = Spawned::new("lossless-reader-slow:0", &name);
    let mut reports = first.reports();
    let mut seen = Vec::new();
    while seen.len() < 500 {
        let line = reports.next().expect("the first reader exited early");
        if let Some(seq) = line.strip_prefix("seq=") {
            seen.push(seq.parse::<u64>().unwrap());
        }
    }
    first.kill();
    seen.extend(reports.filter_map(|line| line.strip_prefix("seq=").and_then(|seq| seq.parse::<u64>().ok())));
    assert!(seen.windows(2).all(|w| w[1] == w[0] + 1), "the first reader skipped");
    let last_seen = *seen.last().unwrap();
    // The publisher cannot have gone further than a lap past the dead reader.
    std::thread::sleep(Duration::from_millis(50));
    assert!(ring.published() <= last_seen + 1 + 64, "the dead reader stopped gating");
    assert!(!publishing.is_finished());

    let second = Spawned::new("lossless-reader:0", &name);
    let lines = second.finish();
    let line = lines.last().unwrap();
    let resumed_at = field(line, "first");
    // The event the first reader was handling when killed may be delivered again (its
    // cursor moves once the in-place read returns); nothing is skipped.
    assert!(resumed_at == last_seen || resumed_at == last_seen + 1, "resumed at {resumed_at} after {last_seen}");
    assert_eq!(field(line, "end0"), EVENTS, "{line}");
    publishing.join().unwrap();
}

#[test]
fn killed_publisher_closes_the_ring_and_readers_drain_it() {
    let name = unique("killed-pub");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossy>(0).unwrap();
    let mut subscriber = ring.resume(0).unwrap();
    let mut publisher = Spawned::new("endless-publisher", &name);
    assert_eq!(publisher.reports().next().as_deref(), Some("publishing"));
    std::thread::sleep(Duration::from_millis(30));
    publisher.kill();
    assert!(!ring.is_closed(), "nothing has reaped yet");
    assert!(ring.publisher().is_err(), "the dead process still holds the publisher");
    assert_eq!(segment.reap().unwrap(), 1);
    assert!(ring.is_closed());
    let (mut received, mut lagged) = (0, 0);
    loop {
        match subscriber.try_recv() {
            Ok(event) => {
                open(&event);
                received += 1;
            }
            Err(TryRecvError::Lagged { missed }) => lagged += missed,
            Err(TryRecvError::Closed) => break,
            Err(TryRecvError::Empty) => panic!("a closed ring reported Empty"),
        }
    }
    assert_eq!(received + lagged, ring.published());
}

#[test]
fn a_claim_its_dead_process_never_committed_is_passed_while_other_publishers_live() {
    let name = unique("dead-claim");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    let mut readers = [ring.resume(0).unwrap(), ring.resume(1).unwrap()];
    let mut live = ring.multi_publisher().unwrap();
    let mut claimer = Spawned::new("claim-and-wait", &name);
    assert_eq!(claimer.reports().next().as_deref(), Some("publishing"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while ring.published() < 65 {
        assert!(Instant::now() < deadline, "the child never claimed seq 64");
        std::thread::sleep(Duration::from_millis(1));
    }
    claimer.kill(); // waiting for room with seq 64 claimed
    for reader in &mut readers {
        (0..64).for_each(|seq| assert_eq!(open(&reader.try_recv().unwrap()), (1, seq)));
    }
    live.publish(make(0, 0)); // seq 65, behind the hole
    for (index, reader) in readers.iter_mut().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(20);
        let event = loop {
            match reader.try_recv() {
                Ok(event) => break event,
                Err(TryRecvError::Empty) => {
                    assert!(Instant::now() < deadline, "reader {index} waits at the dead claim for good");
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(other) => panic!("reader {index}: {other}"),
            }
        };
        assert_eq!(open(&event), (0, 0), "reader {index}");
        assert_eq!((reader.stats().received, reader.stats().skipped), (65, 1), "reader {index}");
    }
    // A full lap more: seq 128 is written into the dead claim's slot.
    for seq in 1..=63 {
        live.publish(make(0, seq));
    }
    for reader in &mut readers {
        (1..=63).for_each(|seq| assert_eq!(open(&reader.try_recv().unwrap()), (0, seq)));
        assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    }
    assert_eq!(ring.published(), 129);
}

#[test]
fn different_layouts_are_refused_with_what_differs() {
    let name = unique("mismatch");
    let _segment = Segment::create(&name, &layout()).unwrap();
    let cases: [(SegmentLayout, &str); 5] = [
        (
            SegmentLayout::new(TOPOLOGY)
                .ring::<Ring<Event, 128, Overwrite, 4>>("lossy", 2)
                .ring::<Lossless>("lossless", 2),
            "ring 0 `lossy`: capacity: the segment has 64, this process 128",
        ),
        (
            SegmentLayout::new(TOPOLOGY)
                .ring::<Ring<[f64; 4], 64, Overwrite, 4>>("lossy", 2)
                .ring::<Lossless>("lossless", 2),
            "ring 0 `lossy`: payload layout fingerprint: the segment has 0x",
        ),
        (
            SegmentLayout::new(TOPOLOGY).ring::<Lossy>("lossy", 2).ring::<Ring<Event, 64, Overwrite, 4>>("lossless", 2),
            "ring 1 `lossless`: lossless (1 = Backpressure, 0 = Overwrite): the segment has 1, this process 0",
        ),
        (
            SegmentLayout::new(TOPOLOGY).ring::<Lossy>("ticks", 2).ring::<Lossless>("lossless", 2),
            "ring 0 `ticks`: the segment names it `lossy`, this process `ticks`",
        ),
        (SegmentLayout::new(TOPOLOGY + 1).ring::<Lossy>("lossy", 2).ring::<Lossless>("lossless", 2), "topology hash"),
    ];
    for (other, expected) in cases {
        let err = Segment::attach(&name, &other).unwrap_err();
        assert!(matches!(err, ShmError::Incompatible { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(expected), "{message}\ndoes not contain\n{expected}");
        assert!(message.contains("was laid out differently"), "{message}");
    }
    let fewer = SegmentLayout::new(TOPOLOGY).ring::<Lossy>("lossy", 2);
    let message = Segment::open(&name, &fewer).unwrap_err().to_string();
    assert!(message.contains("the segment has 2 rings, this process 1"), "{message}");

    let segment = Segment::attach(&name, &layout()).unwrap();
    let err = segment.ring::<Lossless>(0).unwrap_err();
    assert!(err.to_string().contains("lossless (1 = Backpressure, 0 = Overwrite)"), "{err}");
    assert!(matches!(segment.ring::<Lossy>(2), Err(ShmError::NoSuchRing { index: 2, rings: 2 })));
}

#[test]
fn a_stale_segment_is_detected_and_replaced() {
    let name = unique("stale");
    assert_eq!(Spawned::new("creator-that-dies", &name).finish(), ["created"]);
    let err = Segment::attach(&name, &layout()).unwrap_err();
    assert!(matches!(err, ShmError::Stale { .. }), "{err:?}");
    assert!(err.to_string().contains("left over from a run whose processes all died"), "{err}");
    let segment = Segment::open(&name, &layout()).unwrap();
    assert!(segment.created(), "the stale segment was replaced by a new one");
    assert_eq!(segment.users(), 1);
}

#[test]
fn segments_are_private_and_removed_by_the_last_process() {
    let name = unique("perm");
    let path = format!("/dev/shm/hardwire-{name}");
    let first = Segment::open(&name, &layout()).unwrap();
    assert!(first.created());
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let second = Segment::open(&name, &layout()).unwrap();
    assert!(!second.created());
    assert_eq!(first.users(), 2);
    let ring = second.ring::<Lossy>(0).unwrap();
    drop(second);
    assert!(std::fs::metadata(&path).is_ok(), "the first segment handle still uses it");
    drop(first);
    assert!(std::fs::metadata(&path).is_ok(), "a ring handle keeps the mapping (and its user) alive");
    drop(ring);
    assert!(std::fs::metadata(&path).is_err(), "the last user removed it");

    // A process the mode does not admit (here: the owner, with the owner's bits cleared).
    let locked = Segment::create(&name, &layout()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let running_as_root = std::fs::File::open(&path).is_ok(); // root ignores the mode
    if running_as_root {
        // Ask another user instead: a child process run as `nobody` (setpriv, util-linux).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        match Spawned::as_nobody("attach-expect-denied", &name) {
            Some(child) => assert_eq!(child.finish(), ["permission denied"]),
            None => eprintln!("SKIPPED: the permission-denied check (root, and no setpriv to become another user)"),
        }
    } else {
        let refused = Segment::attach(&name, &layout()).unwrap_err();
        assert!(matches!(refused, ShmError::PermissionDenied { .. }), "{refused:?}");
    }
    drop(locked);

    let wide = OpenOptions::new().mode(0o660).open(&name, &layout()).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o660);
    drop(wide);
    assert!(matches!(Segment::attach(&name, &layout()), Err(ShmError::NotFound { .. })));
    assert!(matches!(Segment::open("../etc", &layout()), Err(ShmError::InvalidName { .. })));
    assert!(!Segment::remove(&name).unwrap());
}

#[test]
fn handles_are_taken_once_across_processes() {
    let name = unique("once");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossy>(0).unwrap();
    let publisher = ring.publisher().unwrap();
    let other = Segment::attach(&name, &layout()).unwrap();
    let err = other.ring::<Lossy>(0).unwrap().publisher().unwrap_err();
    assert!(matches!(err, ShmError::Taken(_)), "{err:?}");
    let held = ring.resume(0).unwrap();
    assert!(other.ring::<Lossy>(0).unwrap().resume(0).is_err(), "record 0 is held");
    drop(held);
    assert!(other.ring::<Lossy>(0).unwrap().resume(0).is_ok());
    drop(publisher);
}

#[test]
fn a_blocked_receive_is_woken_from_another_process() {
    let name = unique("wake");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    let mut reader = Spawned::new("blocked-reader", &name);
    let mut reports = reader.reports();
    assert_eq!(reports.next().as_deref(), Some("waiting"));
    std::thread::sleep(Duration::from_millis(200)); // parked on the futex by now
    let mut publisher = ring.publisher().unwrap();
    let sent = Instant::now();
    publisher.publish(make(0, 7));
    assert_eq!(reports.next().as_deref(), Some("got seq=7"));
    // Not a timing assertion (machines here are noisy): printed for the log.
    eprintln!("woken across processes after {:?}", sent.elapsed());
    assert!(reader.0.wait().unwrap().success());
}

#[test]
fn inspect_reads_the_counters_without_attaching() {
    let name = unique("inspect");
    let segment = Segment::create(&name, &layout()).unwrap();
    let lossless = segment.ring::<Lossless>(1).unwrap();
    let mut publisher = lossless.publisher().unwrap();
    let mut reader = lossless.resume(0).unwrap();
    (0..10).for_each(|seq| publisher.publish(make(0, seq)));
    (0..4).for_each(|_| assert!(reader.try_recv().is_ok()));

    let seen = hardwire_runtime::shm::inspect(&name).unwrap();
    assert_eq!(seen.users, [std::process::id()]);
    assert_eq!(seen.rings.len(), 2);
    let ring = &seen.rings[1];
    assert_eq!((ring.spec.name.as_str(), ring.spec.capacity, ring.spec.lossless), ("lossless", 64, true));
    assert_eq!((ring.published, ring.publishers), (10, Some(1)));
    let records: Vec<_> = ring.records.iter().map(|r| (r.index, r.held, r.next, r.pending, r.received)).collect();
    assert_eq!(records, [(0, true, 4, 6, 4), (1, false, 0, 10, 0)]);
    assert_eq!(seen.rings[0].published, 0);
    let shown = seen.to_string();
    assert!(shown.contains("lossless         backpressure capacity 64"), "{shown}");
    assert!(shown.contains("record 1   reserved   next 0"), "{shown}");
    assert!(shown.contains(&format!("record 0   pid {:<6} next 4", std::process::id())), "{shown}");
    assert_eq!(ring.records[0].owner, std::process::id());
    assert_eq!(segment.users(), 1, "inspecting did not attach");
    drop(publisher);
    assert_eq!(hardwire_runtime::shm::inspect(&name).unwrap().rings[1].publishers, None, "closed");
}

#[test]
fn a_corrupt_segment_is_an_error_not_a_crash() {
    use std::io::Write;
    let name = unique("corrupt");
    let path = format!("/dev/shm/hardwire-{name}");
    let fresh = Segment::create(&name, &layout()).unwrap();
    let good = std::fs::read(&path).unwrap();
    drop(fresh);
    let mut seed = 0x1234_5678_9abc_def0u64;
    for round in 0..200 {
        let mut bytes = good.clone();
        // Flip a few words of the header and ring descriptions, or truncate.
        for _ in 0..1 + round % 4 {
            seed = mix(seed);
            let at = (seed as usize % 2048) & !7;
            bytes[at..at + 8].copy_from_slice(&mix(seed ^ 1).to_le_bytes());
        }
        if round == 3 {
            bytes.truncate(100); // shorter than a header: attach waits for a creator, then gives up
        } else if round % 7 == 0 {
            bytes.truncate(2048 + seed as usize % (bytes.len() - 2048));
        }
        let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(&path).unwrap();
        file.write_all(&bytes).unwrap();
        drop(file);
        let _ = hardwire_runtime::shm::inspect(&name); // any result, never a panic
        if let Ok(segment) = Segment::attach(&name, &layout()) {
            // Only if every checked word survived; then it must work.
            let ring = segment.ring::<Lossy>(0).unwrap();
            let _ = ring.stats();
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// How a test's handle waits for a peer process that died: blocking, polling `try_*`, or
/// awaiting (feature `async`). None of them calls `reap` or opens the segment.
#[derive(Clone, Copy, Debug)]
enum Polling {
    Block,
    Try,
    #[cfg(feature = "async")]
    Async,
}

const POLLINGS: &[Polling] = &[
    Polling::Block,
    Polling::Try,
    #[cfg(feature = "async")]
    Polling::Async,
];

/// A subscriber (not a declared one) whose process dies while it holds a lossless ring back:
/// the held-back publisher finds the dead process itself and goes on, whether it blocks,
/// polls `try_publish` or awaits `publish_async`.
#[test]
fn a_publisher_held_back_by_a_dead_subscriber_process_goes_on() {
    for &polling in POLLINGS {
        let name = unique(&format!("dead-gate-{polling:?}"));
        let segment = Segment::create(&name, &layout()).unwrap();
        let ring = segment.ring::<Lossless>(1).unwrap();
        ring.resume(0).unwrap().leave();
        ring.resume(1).unwrap().leave();
        let mut child = Spawned::new("dynamic-reader", &name);
        assert_eq!(child.reports().next().as_deref(), Some("subscribed"));
        let mut publisher = ring.publisher().unwrap();
        (0..64).for_each(|seq| publisher.publish(make(0, seq)));
        assert!(publisher.try_publish(make(0, 64)).is_err(), "the child's record holds it back");
        child.kill();
        let (done, finished) = std::sync::mpsc::channel();
        let publishing = std::thread::spawn(move || {
            match polling {
                Polling::Block => (64..200).for_each(|seq| publisher.publish(make(0, seq))),
                Polling::Try => {
                    for seq in 64..200 {
                        while publisher.try_publish(make(0, seq)).is_err() {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                }
                #[cfg(feature = "async")]
                Polling::Async => futures_executor::block_on(async {
                    for seq in 64..200 {
                        publisher.publish_async(make(0, seq)).await;
                    }
                }),
            }
            done.send(()).unwrap();
        });
        let waited = finished.recv_timeout(Duration::from_secs(30));
        assert!(waited.is_ok(), "{polling:?}: still held back by a dead process");
        publishing.join().unwrap();
        assert_eq!(ring.published(), 200, "{polling:?}");
    }
}

/// A publisher process killed while a subscriber blocks in `recv`, polls `try_recv` or
/// awaits `recv_async`: the subscriber finds the dead process itself (nobody calls `reap`),
/// and the ring closes after it drained.
#[test]
fn a_subscriber_of_a_dead_publisher_process_sees_the_ring_close() {
    for &polling in POLLINGS {
        let name = unique(&format!("dead-pub-{polling:?}"));
        let segment = Segment::create(&name, &layout()).unwrap();
        let ring = segment.ring::<Lossy>(0).unwrap();
        let mut subscriber = ring.resume(0).unwrap();
        let mut publisher = Spawned::new("endless-publisher", &name);
        assert_eq!(publisher.reports().next().as_deref(), Some("publishing"));
        std::thread::sleep(Duration::from_millis(30));
        publisher.kill();
        let (done, finished) = std::sync::mpsc::channel();
        let reading = std::thread::spawn(move || {
            let (mut received, mut lagged) = (0u64, 0u64);
            match polling {
                Polling::Block => loop {
                    match subscriber.recv() {
                        Ok(event) => {
                            open(&event);
                            received += 1;
                        }
                        Err(RecvError::Lagged { missed }) => lagged += missed,
                        Err(RecvError::Closed) => break,
                        Err(other) => panic!("{other}"),
                    }
                },
                Polling::Try => loop {
                    match subscriber.try_recv() {
                        Ok(event) => {
                            open(&event);
                            received += 1;
                        }
                        Err(TryRecvError::Lagged { missed }) => lagged += missed,
                        Err(TryRecvError::Closed) => break,
                        Err(TryRecvError::Empty) => std::thread::sleep(Duration::from_millis(1)),
                    }
                },
                #[cfg(feature = "async")]
                Polling::Async => futures_executor::block_on(async {
                    loop {
                        match subscriber.recv_async().await {
                            Ok(event) => {
                                open(&event);
                                received += 1;
                            }
                            Err(hardwire_runtime::AsyncRecvError::Lagged { missed }) => lagged += missed,
                            Err(hardwire_runtime::AsyncRecvError::Closed) => break,
                        }
                    }
                }),
            }
            done.send(received + lagged).unwrap();
        });
        let accounted = finished.recv_timeout(Duration::from_secs(30));
        assert!(accounted.is_ok(), "{polling:?}: the ring never closed");
        reading.join().unwrap();
        assert!(ring.is_closed(), "{polling:?}");
        assert_eq!(accounted.unwrap(), ring.published(), "{polling:?}");
    }
}

#[test]
fn a_segment_its_creator_never_sized_is_stale_after_a_wait() {
    let name = unique("unsized");
    let path = format!("/dev/shm/hardwire-{name}");
    std::fs::File::create(&path).unwrap(); // what a creator that died right after shm_open leaves
    assert!(matches!(Segment::attach(&name, &layout()), Err(ShmError::NotReady { .. })));
    let segment = Segment::open(&name, &layout()).unwrap();
    assert!(segment.created(), "replaced");
}

/// An async receive on a shared ring, woken by a publish from another process: this
/// process's reactor thread sleeps on the ring's futex for it (feature `async`).
#[cfg(feature = "async")]
#[test]
fn an_async_receive_is_woken_from_another_process() {
    let name = unique("async");
    let segment = Segment::create(&name, &layout()).unwrap();
    let ring = segment.ring::<Lossless>(1).unwrap();
    let mut subscriber = ring.resume(0).unwrap();
    let mut publisher = Spawned::new("late-publisher", &name);
    let (done, finished) = std::sync::mpsc::channel();
    let waiting = std::thread::spawn(move || {
        let got = futures_executor::block_on(subscriber.recv_async());
        done.send(got.map(|event| open(&event))).unwrap();
    });
    // The backstop-free async wait would hang without the reactor: 30 s is generous.
    let got = finished.recv_timeout(Duration::from_secs(30)).expect("the async receive was never woken");
    assert_eq!(got, Ok((0, 42)));
    waiting.join().unwrap();
    assert_eq!(publisher.reports().next().as_deref(), Some("published"));
}
