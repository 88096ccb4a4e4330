//! Enum events: a tagged Pod wire form, conversions both ways, unknown tags rejected.
use hardwire::{Event, Payload};

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Target {
    pub x: f32,
    pub y: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
pub enum Command {
    Stop,
    MoveTo(Target),
    Set { speed: f64, gear: u32, _pad: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
pub enum Nested {
    Command(Command),
    Idle,
}

fn round_trip<E: Event + PartialEq + std::fmt::Debug>(event: E) {
    assert_eq!(E::from_wire(&event.to_wire()), Ok(event));
}

fn main() {
    round_trip(Command::Stop);
    round_trip(Command::MoveTo(Target { x: 1.0, y: 2.0 }));
    round_trip(Command::Set { speed: 3.5, gear: 2, _pad: 0 });
    round_trip(Nested::Command(Command::MoveTo(Target { x: 1.0, y: 2.0 })));
    round_trip(Nested::Idle);
    assert_eq!(Command::NAME, "Command");
    // tag (4) + reserved (4) + the largest body (16 bytes).
    assert_eq!(Command::WIRE_SIZE, 24);
    let mut wire = Command::Stop.to_wire();
    let bytes: &mut [u8] = bytemuck::bytes_of_mut(&mut wire);
    bytes[0] = 9;
    assert_eq!(Command::from_wire(&wire), Err(hardwire::WireError::UnknownTag { event: "Command", tag: 9 }));
    assert_eq!(std::mem::size_of::<<<Command as Event>::Wire as Payload>::Words>(), 24);
}
