#[derive(Clone, Copy, hardwire::Event)]
pub enum Mode {
    Idle = 1,
    Busy,
}

fn main() {}
