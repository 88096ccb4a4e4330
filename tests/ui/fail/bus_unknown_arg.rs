#[hardwire::bus(topolgy = "market.toml")]
pub mod market {}

fn main() {}
