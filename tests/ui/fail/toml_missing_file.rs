#[hardwire::bus(topology = "nope.toml")]
pub mod market {}

fn main() {}
