#[derive(Clone, Copy, hardwire::Event)]
pub enum Never {}

fn main() {}
