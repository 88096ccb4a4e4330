use hardwire::Event;

#[derive(Clone, Copy, Debug, PartialEq, Event)]
#[repr(C)]
pub struct Tick {
    pub seq: u64,
    pub price: f64,
}

#[hardwire::bus(topology = "tests/ui/fail/toml_bad_segment.toml")]
pub mod world {}

/// The mode belongs in the file when there is one.
#[hardwire::bus(topology = "tests/ui/fail/toml_bad_segment.toml", segment_mode = 0o640)]
pub mod twice {}

/// The owner could not use it.
#[hardwire::bus(segment_mode = 0o060)]
pub mod locked_out {
    use super::Tick;

    #[topic(capacity = 64, scope = "shared")]
    pub struct Ticks(Tick);
}

/// No topic is shared: there is no segment.
#[hardwire::bus(segment_mode = 0o640)]
pub mod in_process {
    use super::Tick;

    #[topic(capacity = 64)]
    pub struct Ticks(Tick);
}

/// Execute bits, in decimal by mistake.
#[hardwire::bus(segment_mode = 755)]
pub mod decimal {
    use super::Tick;

    #[topic(capacity = 64, scope = "shared")]
    pub struct Ticks(Tick);
}

fn main() {}
