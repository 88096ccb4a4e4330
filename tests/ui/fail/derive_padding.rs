#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Fill {
    pub side: u8,
    pub qty: u64,
}

fn main() {}
