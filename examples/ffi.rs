//! The FFI pattern: C code (a driver, a game engine, a mobile host) hands frames of bytes to
//! a hardwire bus through one C-callable function, and Rust subscribers take it from there.
//!
//! ```c
//! // What the C side declares:
//! int32_t hardwire_emit_frame(const uint8_t *data, size_t len);
//! // 0: published; -1: `data` is null; -2: longer than 256 bytes (nothing published).
//! ```
//!
//! ```text
//! cargo run --release --example ffi
//! cargo test --example ffi
//! ```

use hardwire::{BytesS, TooLong};

#[hardwire::bus]
pub mod device {
    /// Frames from the C side, up to 256 bytes, lossless.
    #[topic(capacity = 1024, payload = "bytes", size = "S", overflow = "backpressure", producers = "multi")]
    pub struct Frames;

    #[subscriber(Frames)]
    pub trait Decoder {}
}

/// The bus lives in a `static`: C code needs no handle to reach it.
static BUS: device::Bus = device::Bus::new();

/// One publisher kept for the program's life: a multi-producer topic closes when its last
/// publisher is dropped, and C calls come and go. Each call clones it.
static FRAMES: std::sync::OnceLock<Option<device::frames::Publisher<'static>>> = std::sync::OnceLock::new();

/// Published.
pub const HW_OK: i32 = 0;
/// `data` was null.
pub const HW_NULL: i32 = -1;
/// The frame is longer than 256 bytes; nothing was published.
pub const HW_TOO_LONG: i32 = -2;
/// The topic's publisher could not be taken (its ring was closed before the first call).
pub const HW_CLOSED: i32 = -3;

/// Publishes the `len` bytes at `data` as one frame. Callable from C; never unwinds into C.
///
/// # Safety
///
/// `data` must be null or point to `len` readable bytes that stay valid and unchanged for
/// the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hardwire_emit_frame(data: *const u8, len: usize) -> i32 {
    if data.is_null() {
        return HW_NULL;
    }
    // SAFETY: the caller guarantees `data` points to `len` readable bytes, valid for the
    // call; it is not null (checked above), and the slice does not outlive the call.
    let frame = unsafe { std::slice::from_raw_parts(data, len) };
    // A clone per call: C threads may call this concurrently.
    let Some(mut frames) = FRAMES.get_or_init(|| BUS.frames().publisher().ok()).clone() else { return HW_CLOSED };
    match frames.publish_bytes(frame) {
        Ok(()) => HW_OK,
        Err(TooLong { .. }) => HW_TOO_LONG,
    }
}

struct Checksum {
    frames: u64,
    bytes: u64,
    sum: u64,
}

impl device::Decoder for Checksum {
    fn on_frames(&mut self, frame: &BytesS) {
        self.frames += 1;
        self.bytes += frame.len() as u64;
        self.sum = frame.iter().fold(self.sum, |sum, &b| sum.wrapping_mul(31).wrapping_add(u64::from(b)));
    }
}

fn main() {
    let mut decoder = BUS.decoder().expect("taken once");
    // Stand-in for the C side: calls through the C ABI, as a C caller would.
    let emit: unsafe extern "C" fn(*const u8, usize) -> i32 = hardwire_emit_frame;
    let frames: Vec<Vec<u8>> = (0..1000u32).map(|i| (0..(i % 300)).map(|b| (b ^ i) as u8).collect()).collect();
    let mut rejected = 0;
    let mut checksum = Checksum { frames: 0, bytes: 0, sum: 0 };
    for frame in &frames {
        // SAFETY: `frame` is a live `Vec<u8>` of `frame.len()` bytes.
        match unsafe { emit(frame.as_ptr(), frame.len()) } {
            HW_OK => {}
            HW_TOO_LONG => rejected += 1,
            other => panic!("unexpected status {other}"),
        }
        decoder.poll(&mut checksum);
    }
    // SAFETY: a null pointer is allowed and reported.
    assert_eq!(unsafe { emit(std::ptr::null(), 4) }, HW_NULL);
    println!(
        "ffi: {} frames through the C entry point, {} bytes, checksum {:#018x}; {rejected} frames over 256 bytes rejected (the size class S limit)",
        checksum.frames, checksum.bytes, checksum.sum
    );
    assert_eq!(checksum.frames + rejected, frames.len() as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_callers_get_status_codes_and_subscribers_get_the_bytes() {
        let mut decoder = BUS.decoder().unwrap();
        let emit: unsafe extern "C" fn(*const u8, usize) -> i32 = hardwire_emit_frame;
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..100u8 {
                        let frame = [t, i, 0xAB];
                        // SAFETY: `frame` is a live array of 3 bytes.
                        assert_eq!(unsafe { emit(frame.as_ptr(), frame.len()) }, HW_OK);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let long = [0u8; 257];
        // SAFETY: live array, correct length; a null pointer is allowed.
        unsafe {
            assert_eq!(emit(long.as_ptr(), long.len()), HW_TOO_LONG);
            assert_eq!(emit(std::ptr::null(), 0), HW_NULL);
        }
        let mut checksum = Checksum { frames: 0, bytes: 0, sum: 0 };
        while decoder.poll(&mut checksum) > 0 {}
        assert_eq!((checksum.frames, checksum.bytes), (400, 1200));
    }
}
