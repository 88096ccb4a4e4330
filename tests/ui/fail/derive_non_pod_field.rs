#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Named {
    pub id: u64,
    pub name: &'static str,
}

fn main() {}
