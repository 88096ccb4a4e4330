//! Inline delivery: `emit` calls each subscribed handler directly, in declaration order.
use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Input {
    pub key: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub frame: u64,
}

#[hardwire::bus]
pub mod game {
    use super::{Input, Tick};

    #[topic(delivery = "inline")]
    pub struct Frame(Input, Tick);

    #[subscriber(Frame)]
    pub trait Physics {}

    #[subscriber(Frame(Tick))]
    pub trait Audio {}
}

struct Log<'a>(&'a std::cell::RefCell<Vec<String>>, &'static str);

impl game::Physics for Log<'_> {
    fn on_input(&mut self, input: &Input) {
        self.0.borrow_mut().push(format!("{} input {}", self.1, input.key));
    }
    fn on_tick(&mut self, tick: &Tick) {
        self.0.borrow_mut().push(format!("{} tick {}", self.1, tick.frame));
    }
}

impl game::Audio for Log<'_> {
    fn on_tick(&mut self, tick: &Tick) {
        self.0.borrow_mut().push(format!("{} tick {}", self.1, tick.frame));
    }
}

fn main() {
    let calls = std::cell::RefCell::new(Vec::new());
    let (mut physics, mut audio) = (Log(&calls, "physics"), Log(&calls, "audio"));
    let mut frame = game::frame::Dispatcher::new(&mut physics, &mut audio);
    frame.emit(Input { key: 7 });
    frame.emit(Tick { frame: 1 });
    frame.emit(game::Frame::Tick(Tick { frame: 2 }));
    assert_eq!(
        *calls.borrow(),
        ["physics input 7", "physics tick 1", "audio tick 1", "physics tick 2", "audio tick 2"]
    );
}
