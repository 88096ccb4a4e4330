//! A topology with mistakes still leaves its module behind (empty): code that names the
//! module gets the topology's own errors, not a cascade of "unresolved module" ones.
#[hardwire::bus(topology = "tests/ui/fail/toml_errors.toml")]
pub mod market {}

#[allow(unused_imports)]
use market::*;

mod strategy {
    #[allow(unused_imports)]
    use super::market;
}

fn main() {}
