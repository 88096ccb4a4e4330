//! Events a Rust-form bus module brings in with `use`: by a glob (names the macro cannot
//! see, so the topic and subscriber modules it generates import the bus module's names as a
//! glob too), by name, renamed, and declared in the module itself; and a bus whose every
//! event the macro can name, whose nested modules reach them as `super::Name`.
pub mod events {
    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(C)]
    pub struct Tick {
        pub seq: u64,
    }

    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(C)]
    pub struct Fill {
        pub id: u64,
    }
}

pub mod more {
    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(C)]
    pub struct Cancel {
        pub id: u64,
    }
}

#[hardwire::bus]
pub mod desk {
    use crate::events::*;
    use crate::more::Cancel as Pulled;

    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(C)]
    pub struct Note {
        pub code: u64,
    }

    #[topic(capacity = 4)]
    pub struct Ticks(Tick, Note);

    #[topic(capacity = 4, overflow = "backpressure")]
    pub struct Orders(Fill, Pulled);

    #[subscriber(Ticks, Orders)]
    pub trait Book {}
}

#[hardwire::bus]
pub mod named {
    use crate::events::{Fill, Tick};

    #[topic(capacity = 4)]
    pub struct Ticks(Tick);

    #[topic(capacity = 4, overflow = "backpressure")]
    pub struct Fills(Fill);

    #[subscriber(Ticks, Fills)]
    pub trait Book {}
}

#[derive(Default)]
struct Sum(u64);

impl desk::Book for Sum {
    fn on_tick(&mut self, tick: &events::Tick) {
        self.0 += tick.seq;
    }
    fn on_note(&mut self, note: &desk::Note) {
        self.0 += note.code;
    }
    fn on_fill(&mut self, fill: &events::Fill) {
        self.0 += fill.id;
    }
    fn on_pulled(&mut self, cancel: &more::Cancel) {
        self.0 += cancel.id;
    }
}

impl named::Book for Sum {
    fn on_tick(&mut self, tick: &events::Tick) {
        self.0 += tick.seq;
    }
    fn on_fill(&mut self, fill: &events::Fill) {
        self.0 += fill.id;
    }
}

fn main() {
    let bus = desk::Bus::new();
    let mut book = bus.book().unwrap();
    let mut ticks = bus.ticks().publisher().unwrap();
    let mut orders = bus.orders().publisher().unwrap();
    ticks.publish(events::Tick { seq: 1 });
    ticks.publish(desk::Note { code: 10 });
    orders.publish(events::Fill { id: 100 });
    orders.publish(more::Cancel { id: 1000 });
    let mut sum = Sum::default();
    assert_eq!(book.poll(&mut sum), 4);
    assert_eq!(sum.0, 1111);

    let bus = named::Bus::new();
    let mut book = bus.book().unwrap();
    bus.ticks().publisher().unwrap().publish(events::Tick { seq: 2 });
    bus.fills().publisher().unwrap().publish(events::Fill { id: 20 });
    let mut sum = Sum::default();
    assert_eq!(book.poll(&mut sum), 2);
    assert_eq!(sum.0, 22);
}
