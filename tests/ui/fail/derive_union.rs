#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub union Bits {
    pub int: u64,
    pub float: f64,
}

fn main() {}
