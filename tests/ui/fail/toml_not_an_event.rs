#[derive(Clone, Copy)]
pub struct NotAnEvent;

#[hardwire::bus(topology = "tests/ui/fail/toml_not_an_event.toml")]
pub mod market {}

fn main() {}
