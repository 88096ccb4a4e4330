//! F2: any bytes as a bridge frame (`hardwire_runtime::frame`) must parse to a frame whose
//! events can all be read, or to a `FrameError`; never a panic. Half the inputs get a valid
//! header in front, so the fuzzer reaches the count, size and sequence checks and the reads.
//!
//! ```text
//! cd fuzz && cargo fuzz run -s none frame -- -max_total_time=60
//! ```
#![no_main]

use hardwire_runtime::frame::{Expect, Frame, FrameWriter, Sequences};

const EXPECT: Expect = Expect::of::<[u32; 3]>(0x5eed);

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let mut message = Vec::new();
    let input = match bytes.split_first() {
        Some((&mode, rest)) if mode & 1 == 1 => {
            // A valid header, then the rest of the input over its count/sequence and body.
            FrameWriter::<[u32; 3]>::begin(&mut message, &EXPECT, 1, 0).finish();
            let keep = 24 + usize::from(mode >> 1) % 24;
            message.truncate(keep);
            message.extend_from_slice(rest);
            &message[..]
        }
        Some((_, rest)) => rest,
        None => bytes,
    };
    let mut sequences = Sequences::<4>::default();
    if let Ok(frame) = Frame::<[u32; 3]>::parse(input, &EXPECT) {
        assert_eq!(frame.events().count(), frame.len());
        if let Ok(accepted) = sequences.accept(frame.publisher(), frame.first_sequence(), frame.len() as u64) {
            assert_eq!(accepted.duplicates + accepted.new, frame.len() as u64);
            assert_eq!(frame.events_from(accepted.duplicates as usize).count() as u64, accepted.new);
        }
    }
    let _ = Frame::<u64>::parse(input, &Expect::of::<u64>(0x5eed));
});
