//! A stage subscribes and publishes: sensor → filter → planner, declared, not hand-wired.
use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Reading {
    pub value: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Smoothed {
    pub value: f64,
}

#[hardwire::bus]
pub mod robot {
    use super::{Reading, Smoothed};

    #[topic(capacity = 256, overflow = "backpressure")]
    pub struct Sensor(Reading);

    #[topic(capacity = 256, overflow = "backpressure")]
    pub struct Filtered(Smoothed);

    #[subscriber(Sensor, publishes = [Filtered])]
    pub trait Filter {}

    #[subscriber(Filtered)]
    pub trait Planner {}
}

struct Average {
    last: f64,
}

impl robot::Filter for Average {
    fn on_reading(&mut self, reading: &Reading, out: &mut robot::filter::Outputs<'_>) {
        self.last = (self.last + reading.value) / 2.0;
        out.filtered.publish(Smoothed { value: self.last });
    }
}

struct Plan {
    count: u32,
}

impl robot::Planner for Plan {
    fn on_smoothed(&mut self, _: &Smoothed) {
        self.count += 1;
    }
}

fn main() {
    let bus = robot::Bus::new();
    let mut filter = bus.filter().unwrap();
    assert!(bus.filtered().publisher().is_err(), "the stage is the single producer of `filtered`");
    let mut planner = bus.planner().unwrap();
    let mut sensor = bus.sensor().publisher().unwrap();
    for i in 0..100 {
        sensor.publish(Reading { value: f64::from(i) });
    }
    let mut average = Average { last: 0.0 };
    assert_eq!(filter.poll(&mut average), 100);
    let mut plan = Plan { count: 0 };
    assert_eq!(planner.poll(&mut plan), 100);
    assert_eq!(plan.count, 100);
}
