#[hardwire::bus(topology = "tests/ui/fail/toml_bad_bridge.toml")]
pub mod market {}

#[hardwire::bus(topology = "tests/ui/fail/toml_bad_bridge.toml", redis = "redis://127.0.0.1:6379")]
pub mod twice {}

fn main() {}
