#[derive(hardwire::FieldEnum, Clone, Copy)]
#[repr(u8)]
pub enum Side {
    Buy,
    Sell,
}

// `side` is an enum, not plain data: it needs `#[event(enum)]`.
#[derive(hardwire::Event, Clone, Copy)]
#[repr(C)]
pub struct Fill {
    pub qty: u8,
    pub side: Side,
}

// `qty` is plain data: `#[event(enum)]` is for field enums only.
#[derive(hardwire::Event, Clone, Copy)]
#[repr(C)]
pub struct Order {
    #[event(enum)]
    pub qty: u32,
}

fn main() {}
