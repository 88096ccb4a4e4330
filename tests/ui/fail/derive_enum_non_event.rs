#[derive(Clone, Copy, hardwire::Event)]
pub enum Command {
    Stop,
    Speed(f64),
    Label(char),
}

fn main() {}
