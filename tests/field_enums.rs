//! C-like enums as event fields, end to end: `#[derive(FieldEnum)]` and `#[event(enum)]` in
//! the Rust form, `[enums.Name]` in TOML; values travel as their integers; a value no
//! variant has (only bytes from outside a typed publisher can hold one) is refused,
//! counted as `invalid` and given to `on_invalid`, never delivered as an enum.

use hardwire::{Event, FieldEnum, WireError};

#[derive(FieldEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Side {
    Buy = 1,
    Sell = 2,
}

#[derive(FieldEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Venue {
    Xnas,
    Xnys = 300,
    Bats,
}

#[derive(Event, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Fill {
    pub price: f64,
    pub qty: u32,
    #[event(enum)]
    pub venue: Venue,
    #[event(enum)]
    pub side: Side,
    pub _pad: u8,
}

/// A tuple struct, and an enum event whose named variant holds an enum field.
#[derive(Event, Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Flag(#[event(enum)] pub Side, pub [u8; 7]);

#[derive(Event, Clone, Copy, Debug, PartialEq)]
pub enum Order {
    Cancel {
        id: u64,
    },
    Amend {
        id: u64,
        qty: u32,
        #[event(enum)]
        side: Side,
        _pad: [u8; 3],
    },
}

#[hardwire::bus]
pub mod desk {
    use super::{Fill, Order};

    #[topic(capacity = 16, overflow = "backpressure")]
    pub struct Fills(Fill);

    #[topic(capacity = 16, overflow = "backpressure")]
    pub struct Orders(Order);

    #[subscriber(Fills, Orders)]
    pub trait Book {}
}

#[derive(Default)]
struct Book {
    fills: Vec<Fill>,
    orders: Vec<Order>,
    invalid: Vec<(desk::Topic, WireError)>,
}

impl desk::Book for Book {
    fn on_fill(&mut self, fill: &Fill) {
        self.fills.push(*fill);
    }

    fn on_order(&mut self, order: &Order) {
        self.orders.push(*order);
    }

    fn on_invalid(&mut self, topic: desk::Topic, error: WireError) {
        self.invalid.push((topic, error));
    }
}

fn fill(side: Side) -> Fill {
    Fill { price: 101.5, qty: 7, venue: Venue::Xnys, side, _pad: 0 }
}

#[test]
fn values_round_trip_and_discriminants_are_the_declared_ones() {
    assert_eq!((Side::Buy.to_repr(), Side::Sell.to_repr()), (1, 2));
    assert_eq!((Venue::Xnas.to_repr(), Venue::Xnys.to_repr(), Venue::Bats.to_repr()), (0, 300, 301));
    assert_eq!(Venue::from_repr(301), Some(Venue::Bats));
    assert_eq!(Venue::from_repr(1), None);
    assert_eq!(Side::from_repr(0), None);
    for event in [fill(Side::Buy), fill(Side::Sell)] {
        assert_eq!(Fill::from_wire(&event.to_wire()), Ok(event));
    }
    let flag = Flag(Side::Sell, [0; 7]);
    assert_eq!(Flag::from_wire(&flag.to_wire()), Ok(flag));
    let amend = Order::Amend { id: 9, qty: 3, side: Side::Buy, _pad: [0; 3] };
    assert_eq!(Order::from_wire(&amend.to_wire()), Ok(amend));
    // The wire form is plain data of the same size: each enum is its integer.
    assert_eq!(size_of::<<Fill as Event>::Wire>(), size_of::<Fill>());
    assert_eq!(size_of::<<Flag as Event>::Wire>(), 8);
}

#[test]
fn an_invalid_value_is_refused_never_observed() {
    let mut wire = fill(Side::Buy).to_wire();
    bytemuck::bytes_of_mut(&mut wire)[14] = 9; // `side`, after price (8), qty (4), venue (2)
    assert_eq!(
        Fill::from_wire(&wire),
        Err(WireError::InvalidEnum { event: "Fill", field: "side", enumeration: "Side", value: 9 })
    );
    let mut wire = fill(Side::Buy).to_wire();
    bytemuck::bytes_of_mut(&mut wire)[12..14].copy_from_slice(&2u16.to_ne_bytes());
    assert_eq!(
        Fill::from_wire(&wire),
        Err(WireError::InvalidEnum { event: "Fill", field: "venue", enumeration: "Venue", value: 2 })
    );
    let mut wire = Flag(Side::Buy, [0; 7]).to_wire();
    bytemuck::bytes_of_mut(&mut wire)[0] = 0;
    assert!(matches!(Flag::from_wire(&wire), Err(WireError::InvalidEnum { field: "0", .. })));
    let mut wire = Order::Amend { id: 1, qty: 1, side: Side::Sell, _pad: [0; 3] }.to_wire();
    bytemuck::bytes_of_mut(&mut wire)[8 + 12] = 3; // tag (4) + reserved (4), then id (8), qty (4)
    assert_eq!(
        Order::from_wire(&wire),
        Err(WireError::InvalidEnum { event: "Order::Amend", field: "side", enumeration: "Side", value: 3 })
    );
    // Every byte value of `side`: exactly the two declared ones decode.
    let decoded = (0..=u8::MAX)
        .filter(|&byte| {
            let mut wire = fill(Side::Buy).to_wire();
            bytemuck::bytes_of_mut(&mut wire)[14] = byte;
            Fill::from_wire(&wire).is_ok()
        })
        .collect::<Vec<_>>();
    assert_eq!(decoded, [1, 2]);
}

#[test]
fn a_subscriber_counts_and_reports_invalid_events_and_goes_on() {
    let bus = desk::Bus::new_boxed();
    let mut book_handle = bus.book().unwrap();
    let mut fills = bus.fills().publisher().unwrap();
    let mut orders = bus.orders().publisher().unwrap();
    let mut bad_fill = fill(Side::Buy).to_wire();
    bytemuck::bytes_of_mut(&mut bad_fill)[14] = 0;
    let mut bad_order = Order::Cancel { id: 1 }.to_wire();
    bytemuck::bytes_of_mut(&mut bad_order)[0] = 5; // no variant has tag 5

    fills.publish(fill(Side::Buy));
    fills.__publish_wire(bad_fill);
    fills.publish(fill(Side::Sell));
    orders.__publish_wire(bad_order);
    orders.publish(Order::Cancel { id: 2 });

    let mut book = Book::default();
    assert_eq!(book_handle.poll(&mut book), 5);
    assert_eq!(book.fills, [fill(Side::Buy), fill(Side::Sell)]);
    assert_eq!(book.orders, [Order::Cancel { id: 2 }]);
    assert_eq!(
        book.invalid,
        [
            (
                desk::Topic::Fills,
                WireError::InvalidEnum { event: "Fill", field: "side", enumeration: "Side", value: 0 }
            ),
            (desk::Topic::Orders, WireError::UnknownTag { event: "Order", tag: 5 }),
        ]
    );
    let stats = book_handle.stats();
    assert_eq!((stats.received, stats.invalid), (5, 2));

    // The channel-style receive skips (and counts) an invalid event too.
    fills.__publish_wire(bad_fill);
    fills.publish(fill(Side::Sell));
    assert_eq!(book_handle.try_recv_fills(), Ok(desk::Fills::Fill(fill(Side::Sell))));
    assert_eq!(book_handle.stats().invalid, 3);
    drop(book_handle);
    // The bus's view agrees once the handle is gone.
    let topic = bus.stats().fills;
    assert_eq!(topic.subscribers[0].1.stats.invalid, 2);
}

#[hardwire::bus(topology = "tests/field_enums.toml")]
pub mod gateway {}

#[derive(Default)]
struct Log(Vec<gateway::Reading>, u64);

impl gateway::Logger for Log {
    fn on_reading(&mut self, reading: &gateway::Reading) {
        self.0.push(*reading);
    }

    fn on_invalid(&mut self, _: gateway::Topic, _: WireError) {
        self.1 += 1;
    }
}

#[test]
fn toml_enums_are_generated_padded_and_checked() {
    use gateway::{Reading, Status, Unit};
    // Declared values, the TOML form's `Default` (first variant), and padding inserted
    // around the 2-byte `unit`.
    assert_eq!(
        (Unit::Celsius.to_repr(), Unit::Kelvin.to_repr(), Status::Ok.to_repr(), Status::Fault.to_repr()),
        (0, 2, 10, 20)
    );
    assert_eq!(Reading::default().unit, Unit::Celsius);
    assert_eq!(Reading::default().status, Status::Ok);
    assert_eq!(size_of::<Reading>(), 12);
    assert_eq!(format!("{:?}", Unit::Fahrenheit), "Fahrenheit");

    let bus = gateway::Bus::new_boxed();
    let mut logger = bus.logger().unwrap();
    let mut readings = bus.readings().publisher().unwrap();
    let good = Reading { value: 21.5, unit: Unit::Kelvin, status: Status::Fault, ..Reading::default() };
    let mut bad = good.to_wire();
    bytemuck::bytes_of_mut(&mut bad)[4..6].copy_from_slice(&7u16.to_ne_bytes()); // `unit` after `value`
    readings.publish(good);
    readings.__publish_wire(bad);
    let mut log = Log::default();
    logger.poll(&mut log);
    assert_eq!((log.0.as_slice(), log.1), ([good].as_slice(), 1));
    assert_eq!(logger.stats().invalid, 1);
}
