#[derive(Clone, Copy, hardwire::Event)]
pub struct Tick {
    pub ts: u64,
}

fn main() {}
