#[hardwire::bus(topology = "tests/ui/fail/toml_errors.toml")]
pub mod market {}

fn main() {}
