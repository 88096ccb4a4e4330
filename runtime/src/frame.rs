//! The wire form of events that leave the process (bridges to NATS JetStream and Redis
//! Streams, issue 16): a fixed header and the events' Pod bytes, packed many to a message.
//!
//! A *frame* carries `count` consecutive events of one topic from one publisher:
//!
//! ```text
//! offset  size  field
//!      0     4  magic "HWF1"
//!      4     2  format version (1)
//!      6     2  reserved, 0
//!      8     8  topology hash (which bus the sender was built from)
//!     16     8  layout fingerprint of the events' wire type (`Payload`'s hidden `LAYOUT`)
//!     24     8  publisher id (the sending publisher, unique per process and topic)
//!     32     8  sequence of the first event (per publisher, from 0, consecutive)
//!     40     4  count of events
//!     44     4  size of one event in bytes
//!     48     …  count × size bytes: the events' wire values, back to back
//! ```
//!
//! All integers are little-endian. No serde and no per-event allocation: [`FrameWriter`]
//! appends to a buffer the caller reuses, and [`Frame::events`] copies each event out of
//! the (unaligned) message bytes. A frame from the network is untrusted input: [`Frame::parse`]
//! checks everything before it reads an event, and every way a frame can be wrong is a
//! [`FrameError`] the caller counts, never a panic (`fuzz/fuzz_targets/frame.rs`).
//! [`Sequences`] turns each publisher's sequence numbers into delivery decisions: new events,
//! duplicates from a retried send (dropped), and gaps (counted as lagged on a lossy topic;
//! an error on a lossless one).
//!
//! ```
//! use hardwire_runtime::frame::{Expect, Frame, FrameWriter};
//!
//! let expect = Expect::of::<[u64; 2]>(0x70_901c);
//! let mut message = Vec::new();
//! let mut writer = FrameWriter::<[u64; 2]>::begin(&mut message, &expect, 7, 100);
//! writer.push(&[1, 2]);
//! writer.push(&[3, 4]);
//! writer.finish();
//!
//! let frame = Frame::<[u64; 2]>::parse(&message, &expect).unwrap();
//! assert_eq!((frame.publisher(), frame.first_sequence(), frame.len()), (7, 100, 2));
//! assert_eq!(frame.events().collect::<Vec<_>>(), [[1, 2], [3, 4]]);
//! ```

use core::fmt;
use core::marker::PhantomData;

use crate::payload::Payload;

/// `"HWF1"`.
pub const MAGIC: [u8; 4] = *b"HWF1";
/// The frame format this build writes and reads.
pub const VERSION: u16 = 1;
/// Bytes before the first event.
pub const HEADER_BYTES: usize = 48;

/// What a receiver expects of every frame: the topology it was built from and the layout
/// of the topic's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The topology hash.
    pub topology: u64,
    /// The layout fingerprint of the event type.
    pub layout: u64,
    /// `size_of` the event type.
    pub size: usize,
}

impl Expect {
    /// What frames of events of type `T` from topology `topology` carry.
    #[must_use]
    pub const fn of<T: Payload>(topology: u64) -> Self {
        Self { topology, layout: T::LAYOUT, size: size_of::<T>() }
    }
}

/// Why a message is not a frame this receiver can read. Each is counted by the receiver;
/// none is a panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// Shorter than a header.
    TooShort {
        /// The message's length.
        len: usize,
    },
    /// It does not start with `"HWF1"`: not a hardwire frame.
    BadMagic,
    /// Another frame format version.
    UnsupportedVersion {
        /// The frame's version.
        version: u16,
    },
    /// Sent by a process built from another topology.
    TopologyMismatch {
        /// The receiver's topology hash.
        expected: u64,
        /// The frame's.
        found: u64,
    },
    /// Its events are laid out differently from the receiver's type.
    LayoutMismatch {
        /// The receiver's layout fingerprint.
        expected: u64,
        /// The frame's.
        found: u64,
    },
    /// Its events are of another size than the receiver's type.
    WrongEventSize {
        /// The receiver's event size.
        expected: usize,
        /// The frame's.
        found: u32,
    },
    /// The body is not exactly `count × size` bytes.
    WrongLength {
        /// The events the header announces.
        count: u32,
        /// The body's length in bytes.
        body: usize,
    },
    /// The first sequence plus the count would pass `u64::MAX`.
    SequenceOverflow,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { len } => write!(f, "a {len}-byte message is shorter than a frame header ({HEADER_BYTES})"),
            Self::BadMagic => f.write_str("not a hardwire frame (no HWF1 magic)"),
            Self::UnsupportedVersion { version } => {
                write!(f, "frame format {version}; this build reads format {VERSION}")
            }
            Self::TopologyMismatch { expected, found } => write!(
                f,
                "sent from topology {found:#018x}, this receiver's is {expected:#018x}: rebuild both sides from the same topology"
            ),
            Self::LayoutMismatch { expected, found } => write!(
                f,
                "events laid out as {found:#018x}, this receiver's type is {expected:#018x}: rebuild both sides from the same event definitions"
            ),
            Self::WrongEventSize { expected, found } => {
                write!(f, "events of {found} bytes, this receiver's are {expected}")
            }
            Self::WrongLength { count, body } => {
                write!(f, "the header announces {count} events, the body has {body} bytes")
            }
            Self::SequenceOverflow => f.write_str("the frame's sequences run past u64::MAX"),
        }
    }
}

impl core::error::Error for FrameError {}

/// Appends one frame of events of type `T` to a buffer: [`FrameWriter::begin`] writes the
/// header, [`FrameWriter::push`] each event, [`FrameWriter::finish`] the count. The buffer is
/// the caller's, reused from frame to frame: after the first frames nothing allocates.
#[cfg(feature = "alloc")]
pub struct FrameWriter<'b, T: Payload> {
    buffer: &'b mut alloc::vec::Vec<u8>,
    start: usize,
    count: u32,
    _events: PhantomData<fn(&T)>,
}

#[cfg(feature = "alloc")]
impl<'b, T: Payload> FrameWriter<'b, T> {
    /// Starts a frame at the end of `buffer` for the events of `publisher` from sequence
    /// `first`.
    pub fn begin(buffer: &'b mut alloc::vec::Vec<u8>, expect: &Expect, publisher: u64, first: u64) -> Self {
        let start = buffer.len();
        buffer.extend_from_slice(&MAGIC);
        buffer.extend_from_slice(&VERSION.to_le_bytes());
        buffer.extend_from_slice(&0u16.to_le_bytes());
        buffer.extend_from_slice(&expect.topology.to_le_bytes());
        buffer.extend_from_slice(&T::LAYOUT.to_le_bytes());
        buffer.extend_from_slice(&publisher.to_le_bytes());
        buffer.extend_from_slice(&first.to_le_bytes());
        buffer.extend_from_slice(&0u32.to_le_bytes()); // the count, set by `finish`
        buffer.extend_from_slice(&(size_of::<T>() as u32).to_le_bytes());
        Self { buffer, start, count: 0, _events: PhantomData }
    }

    /// Appends `event`.
    ///
    /// # Panics
    ///
    /// Past `u32::MAX` events in one frame (bound frames by size long before that).
    #[inline]
    pub fn push(&mut self, event: &T) {
        self.count = self.count.checked_add(1).expect("a frame holds at most u32::MAX events");
        self.buffer.extend_from_slice(bytemuck::bytes_of(event));
    }

    /// Events pushed so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether no event was pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The frame's size in bytes so far (for bounding frames by size).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// Writes the count into the header; returns the number of events.
    pub fn finish(self) -> usize {
        let at = self.start + 40;
        self.buffer[at..at + 4].copy_from_slice(&self.count.to_le_bytes());
        self.count as usize
    }
}

/// A checked frame of events of type `T`, borrowing the message's bytes.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'m, T: Payload> {
    publisher: u64,
    first: u64,
    count: u32,
    body: &'m [u8],
    _events: PhantomData<fn() -> T>,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

impl<'m, T: Payload> Frame<'m, T> {
    /// Checks `message` against what the receiver `expect`s, in order: length, magic,
    /// version, topology, layout, event size, body length, sequence range.
    ///
    /// # Errors
    ///
    /// The first check that fails, as a [`FrameError`].
    pub fn parse(message: &'m [u8], expect: &Expect) -> Result<Self, FrameError> {
        if message.len() < HEADER_BYTES {
            return Err(FrameError::TooShort { len: message.len() });
        }
        if message[..4] != MAGIC {
            return Err(FrameError::BadMagic);
        }
        let version = u16_at(message, 4);
        if version != VERSION {
            return Err(FrameError::UnsupportedVersion { version });
        }
        let topology = u64_at(message, 8);
        if topology != expect.topology {
            return Err(FrameError::TopologyMismatch { expected: expect.topology, found: topology });
        }
        let layout = u64_at(message, 16);
        if layout != T::LAYOUT || layout != expect.layout {
            return Err(FrameError::LayoutMismatch { expected: T::LAYOUT, found: layout });
        }
        let size = u32_at(message, 44);
        if size as usize != size_of::<T>() {
            return Err(FrameError::WrongEventSize { expected: size_of::<T>(), found: size });
        }
        let count = u32_at(message, 40);
        let body = &message[HEADER_BYTES..];
        if (count as usize).checked_mul(size_of::<T>()) != Some(body.len()) {
            return Err(FrameError::WrongLength { count, body: body.len() });
        }
        let first = u64_at(message, 32);
        if first.checked_add(u64::from(count)).is_none() {
            return Err(FrameError::SequenceOverflow);
        }
        Ok(Self { publisher: u64_at(message, 24), first, count, body, _events: PhantomData })
    }

    /// The sending publisher's id.
    #[must_use]
    pub fn publisher(&self) -> u64 {
        self.publisher
    }

    /// The first event's sequence.
    #[must_use]
    pub fn first_sequence(&self) -> u64 {
        self.first
    }

    /// Events in the frame.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the frame carries no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The events, copied out of the message (which need not be aligned for `T`).
    pub fn events(&self) -> impl ExactSizeIterator<Item = T> + use<'m, T> {
        let size = size_of::<T>().max(1);
        let count = if size_of::<T>() == 0 { self.count as usize } else { self.body.len() / size };
        let body = self.body;
        (0..count).map(move |i| bytemuck::pod_read_unaligned(&body[i * size_of::<T>()..(i + 1) * size_of::<T>()]))
    }

    /// The events with their sequences, skipping the first `skip` (duplicates, see
    /// [`Sequences::accept`]).
    pub fn events_from(&self, skip: usize) -> impl Iterator<Item = (u64, T)> + use<'m, T> {
        let first = self.first;
        self.events().enumerate().skip(skip).map(move |(i, event)| (first + i as u64, event))
    }
}

/// What [`Sequences::accept`] decided for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Leading events already delivered (a retried send): skip them.
    pub duplicates: u64,
    /// Events missing before the frame's first new one (sequences never received).
    pub gap: u64,
    /// Events to deliver (the rest of the frame).
    pub new: u64,
}

/// Per-publisher expected sequences, for de-duplicating retried frames and counting gaps:
/// the receiving side of a bridge keeps one per topic. A fixed number of publishers is
/// tracked (no allocation); a frame from one more is [`Untracked`].
#[derive(Clone, Debug)]
pub struct Sequences<const PUBLISHERS: usize> {
    /// `(publisher id, next expected sequence)`; `next == 0` with id 0 is a free entry.
    next: [(u64, u64); PUBLISHERS],
    used: usize,
}

/// [`Sequences::accept`] for a publisher beyond the tracked number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Untracked;

impl fmt::Display for Untracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("more publishers than this receiver tracks")
    }
}

impl core::error::Error for Untracked {}

impl<const PUBLISHERS: usize> Default for Sequences<PUBLISHERS> {
    fn default() -> Self {
        Self { next: [(0, 0); PUBLISHERS], used: 0 }
    }
}

impl<const PUBLISHERS: usize> Sequences<PUBLISHERS> {
    /// Decides what to deliver of a frame from `publisher` with sequences
    /// `first .. first + count`, and records them as received. A publisher's first frame
    /// starts it at its first sequence (a receiver that joins late does not count what it
    /// never subscribed to as a gap).
    ///
    /// # Errors
    ///
    /// [`Untracked`] if `PUBLISHERS` other publishers are tracked already.
    pub fn accept(&mut self, publisher: u64, first: u64, count: u64) -> Result<Accepted, Untracked> {
        let end = first.saturating_add(count);
        let slot = match self.next[..self.used].iter().position(|&(id, _)| id == publisher) {
            Some(slot) => slot,
            None if self.used < PUBLISHERS => {
                self.next[self.used] = (publisher, first);
                self.used += 1;
                self.used - 1
            }
            None => return Err(Untracked),
        };
        let next = self.next[slot].1;
        let duplicates = next.saturating_sub(first).min(count);
        let gap = first.saturating_sub(next);
        self.next[slot].1 = next.max(end);
        Ok(Accepted { duplicates, gap, new: count - duplicates })
    }

    /// Starts (or moves) `publisher` at sequence `next`: what it sent before `next` counts as
    /// duplicates from now on. A receiver that restarts passes the position its application
    /// recorded with its effects, so that frames redelivered after the restart are not
    /// delivered twice.
    ///
    /// # Errors
    ///
    /// [`Untracked`] if `PUBLISHERS` other publishers are tracked already.
    pub fn resume(&mut self, publisher: u64, next: u64) -> Result<(), Untracked> {
        match self.next[..self.used].iter().position(|&(id, _)| id == publisher) {
            Some(slot) => self.next[slot].1 = next,
            None if self.used < PUBLISHERS => {
                self.next[self.used] = (publisher, next);
                self.used += 1;
            }
            None => return Err(Untracked),
        }
        Ok(())
    }

    /// Stops tracking the publisher tracked longest (to make room for a new one, such as a
    /// sender that restarted under a new id); returns its id and next sequence.
    pub fn forget_oldest(&mut self) -> Option<(u64, u64)> {
        if self.used == 0 {
            return None;
        }
        let oldest = self.next[0];
        self.next.copy_within(1..self.used, 0);
        self.used -= 1;
        self.next[self.used] = (0, 0);
        Some(oldest)
    }

    /// The publishers tracked, with the next sequence expected from each.
    pub fn tracked(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.next[..self.used].iter().copied()
    }

    /// The next sequence expected from `publisher`, if it sent anything.
    #[must_use]
    pub fn next_from(&self, publisher: u64) -> Option<u64> {
        self.next[..self.used].iter().find(|&&(id, _)| id == publisher).map(|&(_, next)| next)
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const EXPECT: Expect = Expect::of::<[u32; 3]>(0xabc);

    fn frame(events: &[[u32; 3]], publisher: u64, first: u64) -> Vec<u8> {
        let mut buffer = Vec::new();
        let mut writer = FrameWriter::<[u32; 3]>::begin(&mut buffer, &EXPECT, publisher, first);
        events.iter().for_each(|event| writer.push(event));
        assert_eq!(writer.finish(), events.len());
        buffer
    }

    #[test]
    fn a_frame_round_trips_at_any_alignment() {
        let events = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
        let bytes = frame(&events, 42, 1000);
        assert_eq!(bytes.len(), HEADER_BYTES + 36);
        // Shifted by one byte: events are read unaligned.
        let mut shifted = alloc::vec![0u8];
        shifted.extend_from_slice(&bytes);
        let parsed = Frame::<[u32; 3]>::parse(&shifted[1..], &EXPECT).unwrap();
        assert_eq!((parsed.publisher(), parsed.first_sequence(), parsed.len()), (42, 1000, 3));
        assert_eq!(parsed.events().collect::<Vec<_>>(), events);
        assert_eq!(parsed.events_from(2).collect::<Vec<_>>(), [(1002, [7, 8, 9])]);
    }

    #[test]
    fn every_wrong_frame_is_its_error() {
        let good = frame(&[[1, 2, 3]], 1, 0);
        let with = |at: usize, bytes: &[u8]| {
            let mut bad = good.clone();
            bad[at..at + bytes.len()].copy_from_slice(bytes);
            Frame::<[u32; 3]>::parse(&bad, &EXPECT).map(|_| ())
        };
        assert_eq!(Frame::<[u32; 3]>::parse(&good[..47], &EXPECT).map(|_| ()), Err(FrameError::TooShort { len: 47 }));
        assert_eq!(with(0, b"HWF2"), Err(FrameError::BadMagic));
        assert_eq!(with(4, &2u16.to_le_bytes()), Err(FrameError::UnsupportedVersion { version: 2 }));
        assert_eq!(with(8, &7u64.to_le_bytes()), Err(FrameError::TopologyMismatch { expected: 0xabc, found: 7 }));
        assert!(matches!(with(16, &7u64.to_le_bytes()), Err(FrameError::LayoutMismatch { found: 7, .. })));
        assert_eq!(with(44, &16u32.to_le_bytes()), Err(FrameError::WrongEventSize { expected: 12, found: 16 }));
        assert_eq!(with(40, &2u32.to_le_bytes()), Err(FrameError::WrongLength { count: 2, body: 12 }));
        assert_eq!(with(40, &u32::MAX.to_le_bytes()), Err(FrameError::WrongLength { count: u32::MAX, body: 12 }));
        assert_eq!(with(32, &u64::MAX.to_le_bytes()), Err(FrameError::SequenceOverflow));
        // Another event type with the same size: its layout fingerprint differs.
        assert!(matches!(
            Frame::<[f32; 3]>::parse(&good, &Expect::of::<[f32; 3]>(0xabc)),
            Err(FrameError::LayoutMismatch { .. })
        ));
        assert!(with(6, &[9, 9]).is_ok(), "the reserved field is not checked");
    }

    #[test]
    fn sequences_drop_duplicates_and_count_gaps_per_publisher() {
        let mut seen = Sequences::<2>::default();
        assert_eq!(seen.accept(1, 100, 10), Ok(Accepted { duplicates: 0, gap: 0, new: 10 }), "starts where it joins");
        assert_eq!(seen.accept(1, 105, 10), Ok(Accepted { duplicates: 5, gap: 0, new: 5 }), "a retried overlap");
        assert_eq!(seen.accept(1, 100, 10), Ok(Accepted { duplicates: 10, gap: 0, new: 0 }), "all seen");
        assert_eq!(seen.accept(1, 120, 1), Ok(Accepted { duplicates: 0, gap: 5, new: 1 }), "115..120 never came");
        assert_eq!(seen.accept(2, 0, 3), Ok(Accepted { duplicates: 0, gap: 0, new: 3 }));
        assert_eq!(seen.accept(3, 0, 3), Err(Untracked));
        assert_eq!((seen.next_from(1), seen.next_from(2), seen.next_from(3)), (Some(121), Some(3), None));
        assert_eq!(seen.accept(1, u64::MAX - 1, 5).map(|a| a.new), Ok(5), "saturates, never panics");
        assert_eq!(seen.forget_oldest(), Some((1, u64::MAX)));
        assert_eq!(seen.accept(3, 0, 3), Ok(Accepted { duplicates: 0, gap: 0, new: 3 }));
        assert_eq!(seen.tracked().collect::<Vec<_>>(), [(2, 3), (3, 3)]);
        seen.resume(2, 10).unwrap();
        assert_eq!(seen.accept(2, 8, 4), Ok(Accepted { duplicates: 2, gap: 0, new: 2 }), "resumed at 10");
        assert_eq!(seen.resume(4, 0), Err(Untracked));
    }
}
