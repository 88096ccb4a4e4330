#[hardwire::bus]
pub struct NotAModule;

fn main() {}
