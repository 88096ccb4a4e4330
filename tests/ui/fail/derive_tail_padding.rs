#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Fill {
    pub qty: u64,
    pub side: u16,
}

fn main() {}
