#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Wrapped<T: Copy> {
    pub value: T,
}

fn main() {}
