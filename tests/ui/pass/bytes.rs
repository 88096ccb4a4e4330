//! Byte topics in the Rust form: a unit struct with `payload = "bytes"` and a size class;
//! handlers get `on_<topic>(&BytesX)`, publishers `publish_bytes`, dispatchers `emit_bytes`.
use hardwire::{BytesS, BytesXS, TooLong};

#[hardwire::bus]
pub mod io {
    /// Frames from a device, up to 256 bytes.
    #[topic(capacity = 16, payload = "bytes", size = "S", overflow = "backpressure")]
    pub struct Frames;

    /// Log lines, delivered inline.
    #[topic(delivery = "inline", payload = "bytes", size = "XS")]
    pub struct Lines;

    #[subscriber(Frames)]
    pub trait Decoder {}

    #[subscriber(Lines)]
    pub trait Console {}
}

struct Lengths(Vec<usize>);

impl io::Decoder for Lengths {
    fn on_frames(&mut self, frame: &BytesS) {
        self.0.push(frame.len());
    }
}

impl io::Console for Lengths {
    fn on_lines(&mut self, line: &BytesXS) {
        self.0.push(line.len());
    }
}

fn main() {
    let bus = io::Bus::new();
    let mut decoder = bus.decoder().unwrap();
    let mut frames = bus.frames().publisher().unwrap();
    frames.publish_bytes(b"abc").unwrap();
    frames.publish_bytes(&[7; 256]).unwrap();
    assert_eq!(frames.publish_bytes(&[7; 257]), Err(TooLong { len: 257, capacity: 256 }));
    assert_eq!(frames.try_publish_bytes(b""), Ok(true));
    frames.publish(BytesS::new(b"typed").unwrap());
    let mut lengths = Lengths(Vec::new());
    assert_eq!(decoder.poll(&mut lengths), 4);
    assert_eq!(lengths.0, [3, 256, 0, 5]);

    let mut console = Lengths(Vec::new());
    let mut lines = io::lines::Dispatcher::new(&mut console);
    lines.emit_bytes(b"hello").unwrap();
    assert!(lines.emit_bytes(&[b'x'; 65]).is_err());
    assert_eq!(console.0, [5]);
}
