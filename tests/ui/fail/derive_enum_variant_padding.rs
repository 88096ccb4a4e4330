#[derive(Clone, Copy, hardwire::Event)]
pub enum Command {
    Stop,
    Set { flag: u8, value: u64 },
}

fn main() {}
