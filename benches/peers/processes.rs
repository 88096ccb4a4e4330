//! The cross-process contenders: the same rings as the in-process `hardwire` contenders, in a
//! shared-memory segment (`hardwire::shm`), with the other side in a child process (this
//! bench binary again, started with [`CHILD`] set). The child is started once, on first use,
//! and serves every round: a consumer that sums each run's `MESSAGES` values and sends the
//! sum back, and an echo for the round trips. Its threads spin while events come, as the
//! in-process contenders' threads do, and park on the ring's futex after about a millisecond
//! without one, so between runs they leave both cores to the other contenders.

use std::process::{Child, Command};
use std::sync::Mutex;

use hardwire::AnyRing;
use hardwire::shm::{Segment, SegmentLayout, SharedPublisher, SharedSubscriber};

use super::*;

/// Set in the child's environment: the segment to attach to.
const CHILD: &str = "HARDWIRE_BENCH_CHILD_SEGMENT";

type Data = Ring<u64, CAP, Backpressure, 1>;
type Echo = Ring<u64, 64, Overwrite, 1>;
type Sums = Ring<u64, 64, Backpressure, 1>;

fn layout() -> SegmentLayout {
    SegmentLayout::new(0xbe7c)
        .ring::<Data>("data", 1)
        .ring::<Sums>("sums", 1)
        .ring::<Echo>("ping", 1)
        .ring::<Echo>("pong", 1)
}

/// The parent's side of the pair.
struct Pair {
    child: Child,
    data: SharedPublisher<Data>,
    sums: SharedSubscriber<Sums>,
    ping: SharedPublisher<Echo>,
    pong: SharedSubscriber<Echo>,
    _segment: Segment,
}

static PAIR: Mutex<Option<Pair>> = Mutex::new(None);

fn with_pair<R>(f: impl FnOnce(&mut Pair) -> R) -> R {
    let mut pair = PAIR.lock().unwrap();
    let pair = pair.get_or_insert_with(|| {
        let name = format!("bench-{}", std::process::id());
        let segment = Segment::create(&name, &layout()).expect("create the bench segment");
        let child = Command::new(std::env::current_exe().unwrap())
            .env(CHILD, &name)
            .spawn()
            .expect("start the bench's child process");
        let data = segment.ring::<Data>(0).unwrap().publisher().unwrap();
        let sums = segment.ring::<Sums>(1).unwrap().resume(0).unwrap();
        let ping = segment.ring::<Echo>(2).unwrap().publisher().unwrap();
        let pong = segment.ring::<Echo>(3).unwrap().resume(0).unwrap();
        let mut pair = Pair { child, data, sums, ping, pong, _segment: segment };
        pair.data.set_wait_strategy(WaitStrategy::BusySpin);
        pair.sums.set_wait_strategy(WaitStrategy::BusySpin);
        pair.pong.set_wait_strategy(WaitStrategy::BusySpin);
        pair
    });
    f(pair)
}

/// Closes the rings (the child's threads see them closed and return) and waits for the child.
pub(crate) fn stop_child() {
    if let Some(pair) = PAIR.lock().unwrap().take() {
        let Pair { mut child, data, sums, ping, pong, _segment } = pair;
        drop((data, ping, sums, pong));
        let _ = child.wait();
    }
}

/// The 1 -> 1 throughput contender: `MESSAGES` values to the child, its sum back.
pub(crate) fn hardwire_processes_1to1() -> Duration {
    with_pair(|pair| {
        timed(|| {
            (0..MESSAGES).for_each(|value| pair.data.publish(value));
            assert_eq!(pair.sums.recv(), Ok(SUM));
        })
    })
}

/// The round-trip contender: a value to the child's echo and back.
pub(crate) fn hardwire_processes_round_trips(samples: usize) -> Vec<u64> {
    with_pair(|pair| {
        let (ping, pong) = (&mut pair.ping, &mut pair.pong);
        round_trips(samples, |i| ping.publish(i), |_| pong.recv().unwrap())
    })
}

/// In the child process: serves the parent until it closes the rings; `false` in the parent.
pub(crate) fn child_main() -> bool {
    let Ok(name) = std::env::var(CHILD) else { return false };
    let segment = Segment::attach(&name, &layout()).expect("attach to the bench segment");
    let parent = std::os::unix::process::parent_id();
    let stop = hardwire::Shutdown::new();
    let serving = AtomicU64::new(2);
    thread::scope(|scope| {
        let (segment, stop, serving) = (&segment, &stop, &serving);
        // A child whose parent died without closing the rings (killed mid-bench) stops too.
        scope.spawn(move || {
            while serving.load(Ordering::Acquire) != 0 {
                thread::sleep(Duration::from_millis(100));
                if std::os::unix::process::parent_id() != parent {
                    stop.trigger();
                }
            }
        });
        scope.spawn(move || {
            let mut data = segment.ring::<Data>(0).unwrap().resume(0).unwrap();
            let mut sums = segment.ring::<Sums>(1).unwrap().publisher().unwrap();
            let (mut sum, mut count) = (0u64, 0u64);
            while let Some(value) = next(&mut data, stop) {
                sum = sum.wrapping_add(black_box(value));
                count += 1;
                if count == MESSAGES {
                    sums.publish(sum);
                    (sum, count) = (0, 0);
                }
            }
            serving.fetch_sub(1, Ordering::Release);
        });
        scope.spawn(move || {
            let mut ping = segment.ring::<Echo>(2).unwrap().resume(0).unwrap();
            let mut pong = segment.ring::<Echo>(3).unwrap().publisher().unwrap();
            while let Some(value) = next(&mut ping, stop) {
                pong.publish(value);
            }
            serving.fetch_sub(1, Ordering::Release);
        });
    });
    true
}

/// The next value for a child thread: spinning for up to [`SPINS`] empty polls (the
/// in-process contenders busy-spin), then parked until one comes; `None` once the ring is
/// closed or the child told to stop.
fn next<R>(subscriber: &mut SharedSubscriber<R>, stop: &hardwire::Shutdown) -> Option<u64>
where
    R: hardwire::shm::ShmRing + AnyRing<Payload = u64>,
{
    for _ in 0..SPINS {
        match subscriber.try_recv() {
            Ok(value) => return Some(value),
            Err(hardwire::TryRecvError::Empty) => std::hint::spin_loop(),
            Err(_) => return None,
        }
    }
    subscriber.set_wait_strategy(WaitStrategy::Block);
    subscriber.recv_until(stop).ok()
}

/// Empty polls before a child thread parks: about a millisecond.
const SPINS: u32 = 1 << 18;
