// Not compiled: a Rust file for `hardwire check|graph|expand|footprint` to read (cli.rs).
#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Reading {
    pub value: u64,
}

#[hardwire::bus]
pub mod good {
    use super::Reading;

    #[topic(capacity = 64, overflow = "backpressure")]
    pub struct Readings(Reading);

    #[subscriber(Readings)]
    pub trait Logger {}
}

mod nested {
    #[hardwire::event_bus]
    pub mod bad {
        use super::super::Reading;

        #[topic(capacity = 1000)]
        pub struct Readings(Reading);

        #[subscriber(Reading)]
        pub trait Logger {}
    }
}

#[hardwire::bus(topology = "../schema-examples/market.toml")]
pub mod from_toml {}
