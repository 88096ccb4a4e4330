#[hardwire::bus]
pub mod empty {}

fn main() {}
