//! A zero-sized event, events named by module paths, and a bus whose only subscriber
//! reads two topics.
pub mod events {
    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(C)]
    pub struct Heartbeat;

    #[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
    #[repr(transparent)]
    pub struct Temperature(pub f32);
}

#[hardwire::bus]
pub mod monitor {
    #[topic(capacity = 2)]
    pub struct Beats(crate::events::Heartbeat);

    #[topic(capacity = 16, producers = "multi")]
    pub struct Temps(super::events::Temperature);

    #[subscriber(Beats, Temps)]
    pub trait Watchdog {}
}

struct Watch(u32);

impl monitor::Watchdog for Watch {
    fn on_heartbeat(&mut self, _: &events::Heartbeat) {
        self.0 += 1;
    }
    fn on_temperature(&mut self, t: &events::Temperature) {
        self.0 += t.0 as u32;
    }
}

fn main() {
    let bus = monitor::Bus::new();
    let mut watchdog = bus.watchdog().unwrap();
    bus.beats().publisher().unwrap().publish(events::Heartbeat);
    let temps = bus.temps().publisher().unwrap();
    temps.clone().publish(events::Temperature(20.0));
    let mut watch = Watch(0);
    assert_eq!(watchdog.poll(&mut watch), 2);
    assert_eq!(watch.0, 21);
    // The `Beats` publisher above was a temporary: dropping it closed the topic for good.
    assert!(matches!(watchdog.try_recv_beats(), Err(hardwire::TryRecvError::Closed)));
    assert!(bus.beats().publisher().is_err());
    assert!(matches!(watchdog.try_recv_temps(), Err(hardwire::TryRecvError::Empty)));
}
