//! Topics declared `bridge = ".."`: what the generated bus tells the bridge (`BRIDGE`), the
//! record it reserves for the bridge's reader from the start, and the receiving side's
//! publisher, which gives that record up. The engines themselves are tested in
//! `bridge/tests` against real servers.

use hardwire::{BridgeEngine, Event, TakeError, TryRecvError};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Quote {
    pub instrument: u32,
    pub price: u32,
}

#[hardwire::bus(nats = "nats://127.0.0.1:4222", redis = "redis://127.0.0.1:6379")]
pub mod desk {
    use super::Quote;

    /// Lossless, across machines through JetStream.
    #[topic(capacity = 8, overflow = "backpressure", bridge = "nats")]
    pub struct Orders(Quote);

    /// Lossy, through a capped Redis stream; read locally too.
    #[topic(capacity = 8, bridge = "redis")]
    pub struct Quotes(Quote);

    /// Not bridged.
    #[topic(capacity = 8)]
    pub struct Local(Quote);

    #[subscriber(Quotes, Local)]
    pub trait Screen {}

    #[subscriber(Quotes, optional)]
    pub trait Recorder {}
}

fn quote(n: u32) -> Quote {
    Quote { instrument: n % 3, price: 100 + n }
}

#[test]
fn the_bus_describes_each_bridged_topic() {
    let bus = desk::Bus::new();
    let orders = bus.orders().bridged().expect("orders is bridged");
    assert_eq!((orders.topic, orders.engine, orders.url), ("orders", BridgeEngine::Nats, "nats://127.0.0.1:4222"));
    assert!(orders.lossless);
    assert_eq!(orders.record, 0, "the only reader of `orders`");
    let quotes = bus.quotes().bridged().expect("quotes is bridged");
    assert_eq!((quotes.engine, quotes.url, quotes.lossless), (BridgeEngine::Redis, "redis://127.0.0.1:6379", false));
    assert_eq!(quotes.record, 1, "after the declared subscriber, before the optional one");
    assert_ne!(orders.hash, quotes.hash, "each topic's declaration has its own hash");
    assert_eq!(bus.local().bridged(), None);
    assert!(matches!(bus.local().bridge_reader(), Err(TakeError::NotBridged { topic: "local" })));
    assert!(matches!(bus.local().bridge_publisher(), Err(TakeError::NotBridged { topic: "local" })));
}

#[test]
fn a_lossless_topic_keeps_its_first_events_for_the_bridge() {
    let bus = desk::Bus::new();
    let mut publisher = bus.orders().publisher().unwrap();
    for n in 0..8 {
        publisher.publish(quote(n));
    }
    assert!(publisher.try_publish(quote(8)).is_err(), "the bridge's record holds the ring full");
    let stats = bus.stats();
    assert!(stats.orders.to_string().contains("nats bridge"), "{}", stats.orders);
    let mut reader = bus.orders().bridge_reader().expect("the bridge's reader");
    assert!(matches!(bus.orders().bridge_reader(), Err(TakeError::AlreadyTaken { name: "orders" })));
    for n in 0..8 {
        let wire = reader.try_recv().expect("every event published before the bridge came");
        assert_eq!(<desk::Orders as hardwire::__private::RingTopic>::decode(&wire), Ok(desk::Orders::Quote(quote(n))));
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    drop(reader); // keeps its place
    publisher.publish(quote(9));
    let mut again = bus.orders().bridge_reader().unwrap();
    assert!(again.try_recv().is_ok(), "the re-taken reader resumes where the first stopped");
}

#[test]
fn the_receiving_side_gives_the_bridge_record_up() {
    let bus = desk::Bus::new();
    let reader = bus.orders().bridge_reader().unwrap();
    // While this process holds the bridge's reader, it sends the topic: no receiving here.
    assert!(matches!(bus.orders().bridge_publisher(), Err(TakeError::AlreadyTaken { .. })));
    drop(reader);
    let mut publisher = bus.orders().bridge_publisher().expect("the receiving side's publisher");
    assert!(matches!(bus.orders().publisher(), Err(TakeError::AlreadyTaken { name: "orders" })));
    // Nobody reads `orders` here: with the bridge's record given up, nothing holds it back.
    for n in 0..100 {
        assert!(
            publisher.try_publish(hardwire::Carries::<desk::Orders>::into_wire(quote(n))).is_ok(),
            "event {n} waited for nobody"
        );
    }
}
