//! iceoryx2 0.7, the cross-process peer (feature `iceoryx2`: its build runs bindgen, which
//! needs libclang, `apt-get install libclang-dev`). The same two measurements as
//! `processes.rs`, through iceoryx2 publish-subscribe services between this process and a
//! child (this bench binary again, started with [`CHILD`] set): `MESSAGES` `u64`s to a
//! consumer that sends their sum back, lossless (no safe overflow, publishers block while
//! the subscriber's buffer is full), and round trips through an echo. iceoryx2's ports are
//! not `Send`, so the parent's live in a thread-local (the contenders run on the bench's
//! main thread) and each child thread opens its own.

use std::cell::RefCell;
use std::process::{Child, Command};

use iceoryx2::port::publisher::Publisher as IoxPublisher;
use iceoryx2::port::subscriber::Subscriber as IoxSubscriber;
use iceoryx2::prelude::*;

use super::*;

/// Set in the child's environment: the prefix of the services' names.
const CHILD: &str = "HARDWIRE_BENCH_ICEORYX2_CHILD";

/// Sent on `data` and `ping` to end the child's threads (never a measured value).
const STOP: u64 = u64::MAX;

/// Slots of a subscriber's buffer: the in-process contenders' ring capacity.
const BUFFER: usize = CAP;

type Out = IoxPublisher<ipc::Service, u64, ()>;
type In = IoxSubscriber<ipc::Service, u64, ()>;
type Factory = iceoryx2::service::port_factory::publish_subscribe::PortFactory<ipc::Service, u64, ()>;

/// The service `name` under `prefix`, created by the parent (which also sets its limits)
/// and opened by the child.
fn service(node: &Node<ipc::Service>, prefix: &str, name: &str, create: bool) -> Factory {
    let name: ServiceName = format!("{prefix}/{name}").as_str().try_into().expect("a valid service name");
    let builder = node.service_builder(&name).publish_subscribe::<u64>();
    if create {
        builder
            .enable_safe_overflow(false)
            .subscriber_max_buffer_size(BUFFER)
            .history_size(0)
            .max_publishers(1)
            .max_subscribers(1)
            .create()
            .expect("create an iceoryx2 service")
    } else {
        builder.open().expect("open the parent's iceoryx2 service")
    }
}

fn publisher(factory: &Factory) -> Out {
    factory
        .publisher_builder()
        .unable_to_deliver_strategy(UnableToDeliverStrategy::Block)
        .create()
        .expect("an iceoryx2 publisher")
}

/// The parent's side.
struct Ports {
    child: Child,
    data: Out,
    sums: In,
    ping: Out,
    pong: In,
    _services: [Factory; 4],
    _node: Node<ipc::Service>,
}

thread_local! {
    static PORTS: RefCell<Option<Ports>> = const { RefCell::new(None) };
}

fn with_ports<R>(f: impl FnOnce(&mut Ports) -> R) -> R {
    PORTS.with_borrow_mut(|ports| {
        let ports = ports.get_or_insert_with(|| {
            set_log_level(LogLevel::Error);
            let prefix = format!("hardwire-bench-{}", std::process::id());
            let node = NodeBuilder::new().create::<ipc::Service>().expect("an iceoryx2 node");
            let (data, sums, ping, pong) = (
                service(&node, &prefix, "data", true),
                service(&node, &prefix, "sums", true),
                service(&node, &prefix, "ping", true),
                service(&node, &prefix, "pong", true),
            );
            let child = Command::new(std::env::current_exe().unwrap())
                .env(CHILD, &prefix)
                .spawn()
                .expect("start the bench's iceoryx2 child process");
            // A sample goes only to subscribers that exist when it is sent: wait for the
            // child's two.
            while data.dynamic_config().number_of_subscribers() == 0
                || ping.dynamic_config().number_of_subscribers() == 0
            {
                thread::sleep(Duration::from_millis(1));
            }
            Ports {
                data: publisher(&data),
                sums: sums.subscriber_builder().create().expect("an iceoryx2 subscriber"),
                ping: publisher(&ping),
                pong: pong.subscriber_builder().create().expect("an iceoryx2 subscriber"),
                child,
                _services: [data, sums, ping, pong],
                _node: node,
            }
        });
        f(ports)
    })
}

/// Busy-waits for the next value of `subscriber`.
fn receive(subscriber: &In) -> u64 {
    loop {
        if let Some(sample) = subscriber.receive().expect("an iceoryx2 receive") {
            return *sample.payload();
        }
        std::hint::spin_loop();
    }
}

/// The 1 -> 1 throughput contender.
pub(crate) fn iceoryx2_processes_1to1() -> Duration {
    with_ports(|ports| {
        timed(|| {
            (0..MESSAGES).for_each(|value| {
                ports.data.send_copy(value).expect("an iceoryx2 send");
            });
            assert_eq!(receive(&ports.sums), SUM);
        })
    })
}

/// The round-trip contender.
pub(crate) fn iceoryx2_processes_round_trips(samples: usize) -> Vec<u64> {
    with_ports(|ports| {
        let (ping, pong) = (&ports.ping, &ports.pong);
        round_trips(
            samples,
            |i| {
                ping.send_copy(i).expect("an iceoryx2 send");
            },
            |_| receive(pong),
        )
    })
}

/// Ends the child's threads and waits for it.
pub(crate) fn stop_iceoryx2_child() {
    PORTS.with_borrow_mut(|ports| {
        if let Some(mut ports) = ports.take() {
            let _ = ports.data.send_copy(STOP);
            let _ = ports.ping.send_copy(STOP);
            let _ = ports.child.wait();
        }
    });
}

/// In the child process: serves the parent until it sends [`STOP`]; `false` in the parent.
pub(crate) fn iceoryx2_child_main() -> bool {
    let Ok(prefix) = std::env::var(CHILD) else { return false };
    set_log_level(LogLevel::Error);
    let parent = std::os::unix::process::parent_id();
    thread::scope(|scope| {
        let prefix = prefix.as_str();
        scope.spawn(move || {
            let node = NodeBuilder::new().create::<ipc::Service>().expect("an iceoryx2 node");
            let data = service(&node, prefix, "data", false).subscriber_builder().create().unwrap();
            let sums = publisher(&service(&node, prefix, "sums", false));
            let (mut sum, mut count) = (0u64, 0u64);
            while let Some(value) = next(&data, parent) {
                sum = sum.wrapping_add(black_box(value));
                count += 1;
                if count == MESSAGES {
                    sums.send_copy(sum).unwrap();
                    (sum, count) = (0, 0);
                }
            }
        });
        scope.spawn(move || {
            let node = NodeBuilder::new().create::<ipc::Service>().expect("an iceoryx2 node");
            let ping = service(&node, prefix, "ping", false).subscriber_builder().create().unwrap();
            let pong = publisher(&service(&node, prefix, "pong", false));
            while let Some(value) = next(&ping, parent) {
                pong.send_copy(value).unwrap();
            }
        });
    });
    true
}

/// The next value for a child thread: spinning while values come, sleeping 50 µs at a time
/// after about a millisecond without one (so that it leaves the cores to the other
/// contenders between runs); `None` on [`STOP`] or once the parent is gone.
fn next(subscriber: &In, parent: u32) -> Option<u64> {
    let mut idle = 0u32;
    loop {
        if let Some(sample) = subscriber.receive().expect("an iceoryx2 receive") {
            let value = *sample.payload();
            return (value != STOP).then_some(value);
        }
        idle += 1;
        if idle < 1 << 14 {
            std::hint::spin_loop();
        } else {
            if std::os::unix::process::parent_id() != parent {
                return None;
            }
            thread::sleep(Duration::from_micros(50));
        }
    }
}
