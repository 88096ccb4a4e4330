//! The sending half's packer: drains a local subscriber into frames.

use core::ops::Deref;

use hardwire_runtime::frame::{Expect, FrameWriter};
use hardwire_runtime::{AnyRing, AsyncRecvUntilError, Overflow, Shutdown, Subscriber, TryRecvError};

use crate::{Packing, Stats};

type PayloadOf<P> = <<P as Deref>::Target as AnyRing>::Payload;

/// The local side of an outbound bridge half: one subscriber of the topic's ring and the
/// reusable buffer its frames are packed in. Engines' `send_*` functions drive it.
pub struct Outbound<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    subscriber: Subscriber<P>,
    expect: Expect,
    publisher: u64,
    max_events: usize,
    stats: Stats,
    buffer: Vec<u8>,
    first: u64,
    count: u64,
    started: bool,
    ended: bool,
}

impl<P> Outbound<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    /// Sends what `subscriber` receives, as frames of topology `topology`, from a new random
    /// publisher id ([`crate::new_publisher_id`]).
    pub fn new(subscriber: Subscriber<P>, topology: u64, packing: Packing, stats: Stats) -> Self {
        let size = size_of::<PayloadOf<P>>();
        let max_events = packing.events_per_frame(size);
        Self {
            subscriber,
            expect: Expect::of::<PayloadOf<P>>(topology),
            publisher: crate::new_publisher_id(),
            max_events,
            stats,
            buffer: Vec::with_capacity(hardwire_runtime::frame::HEADER_BYTES + max_events.min(4096) * size),
            first: 0,
            count: 0,
            started: false,
            ended: false,
        }
    }

    /// Sends topic `bridged` (`bus.topic().bridged()`) from its bridge reader
    /// (`bus.topic().bridge_reader()`), as frames of its declaration's hash.
    pub fn for_topic(reader: Subscriber<P>, bridged: &crate::Bridged, packing: Packing, stats: Stats) -> Self {
        Self::new(reader, bridged.hash, packing, stats)
    }

    /// This half's publisher id, as receivers see it.
    #[must_use]
    pub fn publisher_id(&self) -> u64 {
        self.publisher
    }

    /// The counters of this half.
    #[must_use]
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Waits for the next event, then packs it and every event ready after it, up to the
    /// packing bounds, into [`Outbound::frame`]. When a lossy ring is closed and drained, one
    /// last frame carries no event and marks the ring's end (receivers count what this half
    /// missed after its last frame), as a first one marks where it started. `false` after that, or once `shutdown` is triggered.
    pub async fn next_frame(&mut self, shutdown: &Shutdown) -> bool {
        self.buffer.clear();
        let lossy = !<<P::Target as AnyRing>::Overflow as Overflow>::LOSSLESS;
        if lossy && !self.started {
            // A first, empty frame at the subscriber's start: receivers listening then count
            // a lap before this half's first events as lagged too.
            self.started = true;
            self.empty_frame();
            return true;
        }
        let first_event = loop {
            match self.subscriber.recv_async_until(shutdown).await {
                Ok(event) => break event,
                Err(AsyncRecvUntilError::Lagged { missed }) => self.stats.lagged(missed),
                Err(AsyncRecvUntilError::Closed) if lossy && !self.ended => {
                    // A last, empty frame at the ring's end: receivers count events lapped
                    // after the last frame as lagged too.
                    self.ended = true;
                    self.empty_frame();
                    return true;
                }
                Err(AsyncRecvUntilError::Closed | AsyncRecvUntilError::Shutdown) => return false,
            }
        };
        self.first = self.subscriber.next_sequence() - 1;
        let mut writer = FrameWriter::begin(&mut self.buffer, &self.expect, self.publisher, self.first);
        writer.push(&first_event);
        while writer.len() < self.max_events {
            match self.subscriber.try_recv_with(|event| writer.push(event)) {
                Ok(()) => {}
                Err(TryRecvError::Lagged { missed }) => {
                    // The next frame starts after the gap; receivers count it from the
                    // sequences too.
                    self.stats.lagged(missed);
                    break;
                }
                Err(_) => break,
            }
        }
        self.count = writer.finish() as u64;
        true
    }

    fn empty_frame(&mut self) {
        self.first = self.subscriber.next_sequence();
        self.count = FrameWriter::<PayloadOf<P>>::begin(&mut self.buffer, &self.expect, self.publisher, self.first)
            .finish() as u64;
    }

    /// The frame [`Outbound::next_frame`] packed.
    #[must_use]
    pub fn frame(&self) -> &[u8] {
        &self.buffer
    }

    /// The frame's first sequence and event count.
    #[must_use]
    pub fn frame_range(&self) -> (u64, u64) {
        (self.first, self.count)
    }

    /// Counts the frame as sent.
    pub fn sent(&self) {
        self.stats.message(self.count, self.buffer.len());
    }
}

impl<P> core::fmt::Debug for Outbound<P>
where
    P: Deref,
    P::Target: AnyRing,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Outbound")
            .field("publisher", &format_args!("{:#018x}", self.publisher))
            .field("max_events", &self.max_events)
            .field("stats", &self.stats.snapshot())
            .finish_non_exhaustive()
    }
}
