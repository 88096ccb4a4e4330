#[derive(Clone, Copy, hardwire::Event)]
#[repr(C)]
pub struct Tick {
    pub n: u64,
}

#[hardwire::bus]
pub mod io {
    use super::Tick;

    #[topic(capacity = 8, payload = "bytes")]
    pub struct NoSize;

    #[topic(capacity = 8, size = "M")]
    pub struct SizeWithoutBytes(Tick);

    #[topic(capacity = 8, payload = "bytes", size = "M")]
    pub struct BytesWithEvents(Tick);

    #[topic(capacity = 8, payload = "bytes", size = "m")]
    pub struct LowerCase;

    #[topic(capacity = 8, payload = "blob", size = "S")]
    pub struct BadPayload;
}

fn main() {}
