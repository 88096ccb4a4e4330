#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Price {
    pub value: f64,
}

#[derive(Clone, Copy, hardwire::Event)]
pub enum Command {
    Stop,
    Move(Price, Price),
}

fn main() {}
