use hardwire::{Event, FieldEnum};

#[derive(FieldEnum, Clone, Copy)]
pub struct NotAnEnum {
    pub x: u8,
}

#[derive(FieldEnum, Clone, Copy)]
pub enum NoRepr {
    A,
}

#[derive(FieldEnum, Clone, Copy)]
#[repr(i8)]
pub enum Signed {
    A,
}

#[derive(FieldEnum, Clone, Copy)]
#[repr(u8)]
pub enum WithData {
    A,
    B(u32),
}

#[derive(Event, Clone, Copy)]
#[repr(C)]
pub struct BadOption {
    #[event(enumeration)]
    pub side: u8,
}

#[derive(Event, Clone, Copy)]
#[repr(C)]
#[event(enum)]
pub struct MarkedStruct {
    pub side: u8,
}

fn main() {}
