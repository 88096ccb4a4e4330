//! A TOML field whose type is not plain data: the error names the TOML line.
#[derive(Clone, Copy)]
pub struct Sensor {
    pub id: u32,
}

#[hardwire::bus(topology = "tests/ui/fail/toml_field_not_pod.toml")]
pub mod plant {}

fn main() {}
