//! Counters: per ring, per subscriber, and the backpressure ratio.
//!
//! Nothing here adds a shared read-modify-write to a hot path. A ring's published count is
//! its head cursor. A subscriber counts in plain local fields and copies them to its
//! shared record with plain stores when it runs dry, every 256 events, and on demand
//! ([`Subscriber::flush_stats`](crate::Subscriber::flush_stats)); on `Overwrite` rings
//! that is also when its position becomes visible to [`Ring::pressure`](crate::Ring::pressure).

use core::fmt;

/// How full a ring is for its slowest subscriber: `0.0` empty … `1.0` a full lap behind.
///
/// On `Backpressure` rings a ratio of `1.0` means publishers are waiting. On `Overwrite`
/// rings it is computed from the positions subscribers last flushed, and `1.0` means the
/// slowest one is losing events.
///
/// ```
/// use hardwire_runtime::{Backpressure, Ring};
///
/// let ring = Ring::<u32, 8, Backpressure>::new();
/// let _subscriber = ring.subscribe().unwrap();
/// let mut publisher = ring.publisher().unwrap();
/// for i in 0..7 {
///     publisher.publish(i);
/// }
/// let pressure = ring.pressure();
/// assert_eq!(pressure.ratio(), 7.0 / 8.0);
/// assert!(pressure.is_under_pressure() && !pressure.should_throttle());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Pressure(f64);

impl Pressure {
    /// The ratio at which [`Pressure::is_under_pressure`] turns true.
    pub const UNDER_PRESSURE: f64 = 0.8;
    /// The ratio at which [`Pressure::should_throttle`] turns true.
    pub const THROTTLE: f64 = 0.9;

    /// A pressure of `ratio`, clamped to `0.0..=1.0`.
    #[must_use]
    pub fn new(ratio: f64) -> Self {
        Self(if ratio.is_nan() { 0.0 } else { ratio.clamp(0.0, 1.0) })
    }

    /// The backlog of the slowest subscriber over the capacity, `0.0..=1.0`.
    #[must_use]
    pub fn ratio(self) -> f64 {
        self.0
    }

    /// At least 80 % full: time to shed optional work.
    #[must_use]
    pub fn is_under_pressure(self) -> bool {
        self.0 >= Self::UNDER_PRESSURE
    }

    /// At least 90 % full: producers should slow down.
    #[must_use]
    pub fn should_throttle(self) -> bool {
        self.0 >= Self::THROTTLE
    }
}

impl fmt::Display for Pressure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.0}%", self.0 * 100.0)
    }
}

/// A snapshot of a ring's counters, from [`Ring::stats`](crate::Ring::stats).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RingStats {
    /// Slots in the ring.
    pub capacity: usize,
    /// `"overwrite"` or `"backpressure"`.
    pub overflow: &'static str,
    /// Events published (claimed, for multiple producers).
    pub published: u64,
    /// Subscribers registered now.
    pub subscribers: usize,
    /// Fill level for the slowest subscriber.
    pub pressure: Pressure,
    /// Whether every publisher has been dropped.
    pub closed: bool,
}

impl fmt::Display for RingStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capacity {} ({}), published {}, {} subscriber{}, pressure {}{}",
            self.capacity,
            self.overflow,
            self.published,
            self.subscribers,
            if self.subscribers == 1 { "" } else { "s" },
            self.pressure,
            if self.closed { ", closed" } else { "" },
        )
    }
}

/// One subscriber's counters.
///
/// For every subscriber, `received + lagged + skipped` equals the events published since
/// it joined, once it has drained the ring (a handle that resumes a reserved record
/// continues its predecessor's counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SubscriberStats {
    /// Events received.
    pub received: u64,
    /// Events lost to overwrite (always 0 on `Backpressure` rings).
    pub lagged: u64,
    /// Events passed over on purpose by [`Subscriber::latest`](crate::Subscriber::latest),
    /// and sequences a producer claimed but died before writing (a process killed
    /// mid-publish on a shared ring), passed once the ring closed.
    pub skipped: u64,
    /// Reads that raced a writer, were detected by the seqlock re-check and discarded.
    /// Diagnostic: non-zero means the ring is contended, never that data was wrong.
    pub torn_reads: u64,
    /// Events received (counted in `received` too) that did not decode as their topic's
    /// events and were discarded: an enum event's unknown tag, or a C-like enum field
    /// holding a value no variant has ([`WireError`](crate::WireError)). Only values that
    /// did not come from a typed publisher can be invalid.
    pub invalid: u64,
}

/// Adds every counter: the total over several subscribers (or a generated subscriber's
/// topics).
///
/// ```
/// use hardwire_runtime::SubscriberStats;
/// let mut total = SubscriberStats { received: 2, ..Default::default() };
/// total += SubscriberStats { received: 3, lagged: 1, ..Default::default() };
/// assert_eq!((total.received, total.lagged), (5, 1));
/// ```
impl core::ops::AddAssign for SubscriberStats {
    fn add_assign(&mut self, other: Self) {
        self.received += other.received;
        self.lagged += other.lagged;
        self.skipped += other.skipped;
        self.torn_reads += other.torn_reads;
        self.invalid += other.invalid;
    }
}

/// The counters of several subscriptions, added up (a generated subscriber's `stats()` over
/// its topics).
impl core::iter::Sum for SubscriberStats {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |mut total, each| {
            total += each;
            total
        })
    }
}

impl fmt::Display for SubscriberStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "received {}, lagged {}, skipped {}, torn reads rejected {}",
            self.received, self.lagged, self.skipped, self.torn_reads
        )?;
        if self.invalid != 0 {
            write!(f, ", invalid {}", self.invalid)?;
        }
        Ok(())
    }
}

/// Whether a subscriber record has a handle reading through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Presence {
    /// A handle holds it.
    Held,
    /// Reserved with no handle: its place is kept, and on a `Backpressure` ring it still
    /// holds publishers back (a declared subscriber before its first take, or after its
    /// handle was dropped).
    Parked,
    /// Free: an `optional` subscriber that is not taken, or a subscriber that left. It
    /// holds nothing back and receives nothing.
    Absent,
}

/// Where one subscriber of a ring stands: [`AnyRing::record_status`](crate::AnyRing::record_status).
///
/// On a `Backpressure` ring, `stats.received + pending` is the number of events published
/// since the subscriber joined (`stats.skipped` aside, which only
/// [`Subscriber::latest`](crate::Subscriber::latest) counts), exact at the moment it was
/// read: the position is stored after every read. On an `Overwrite` ring the position and
/// counters are as of the subscriber's last flush (when it ran dry, every 256 events, on
/// [`Subscriber::flush_stats`](crate::Subscriber::flush_stats), and when its handle went),
/// and `received + lagged + skipped + pending` is the number published since it joined,
/// `pending` counting the events it has not yet read or been told it lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubscriberStatus {
    /// Held, parked or absent.
    pub presence: Presence,
    /// Its counters (all zero while absent).
    pub stats: SubscriberStats,
    /// Events published and not yet read by it (0 while absent).
    pub pending: u64,
}

impl fmt::Display for SubscriberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.presence {
            Presence::Absent => f.write_str("absent"),
            presence => {
                write!(f, "received {}, pending {}", self.stats.received, self.pending)?;
                if self.stats.lagged != 0 {
                    write!(f, ", lagged {}", self.stats.lagged)?;
                }
                if self.stats.skipped != 0 {
                    write!(f, ", skipped {}", self.stats.skipped)?;
                }
                if self.stats.invalid != 0 {
                    write!(f, ", invalid {}", self.stats.invalid)?;
                }
                if presence == Presence::Parked { f.write_str(" (no handle held)") } else { Ok(()) }
            }
        }
    }
}

/// One topic of a generated bus: its ring and each declared subscriber, by name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicStats<const N: usize> {
    /// The topic, as declared.
    pub name: &'static str,
    /// The ring's counters.
    pub ring: RingStats,
    /// Each subscriber of the topic, in declaration order, and where it stands.
    pub subscribers: [(&'static str, SubscriberStatus); N],
}

impl<const N: usize> TopicStats<N> {
    /// The same counters as a [`TopicSummary`], one type for topics of any subscriber count
    /// (what `BusStats::topics()` of a generated bus yields).
    #[must_use]
    pub fn summary(&self) -> TopicSummary<'_> {
        TopicSummary { name: self.name, ring: self.ring, subscribers: &self.subscribers }
    }

    /// On a `Backpressure` topic whose ring is full for some subscriber (publishers wait,
    /// `try_publish` fails): that subscriber's name and status. A status of
    /// [`Presence::Parked`] means nobody holds the subscriber that holds the topic back:
    /// take its handle (or make it `optional`, or let it `leave`).
    #[must_use]
    pub fn holding_back(&self) -> Option<(&'static str, SubscriberStatus)> {
        self.summary().holding_back()
    }
}

impl<const N: usize> fmt::Display for TopicStats<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.summary().fmt(f)
    }
}

/// One topic's counters, whatever its number of subscribers: [`TopicStats::summary`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicSummary<'a> {
    /// The topic, as declared.
    pub name: &'static str,
    /// The ring's counters.
    pub ring: RingStats,
    /// Each subscriber of the topic, in declaration order, and where it stands.
    pub subscribers: &'a [(&'static str, SubscriberStatus)],
}

impl TopicSummary<'_> {
    /// As [`TopicStats::holding_back`].
    #[must_use]
    pub fn holding_back(&self) -> Option<(&'static str, SubscriberStatus)> {
        if self.ring.overflow != "backpressure" {
            return None;
        }
        self.subscribers
            .iter()
            .filter(|(_, status)| status.presence != Presence::Absent)
            .max_by_key(|(_, status)| status.pending)
            .filter(|(_, status)| status.pending >= self.ring.capacity as u64)
            .copied()
    }
}

impl fmt::Display for TopicSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.ring)?;
        for (name, status) in self.subscribers {
            write!(f, "; {name}: {status}")?;
        }
        if let Some((name, _)) = self.holding_back() {
            write!(f, "; held back by `{name}`")?;
        }
        Ok(())
    }
}
