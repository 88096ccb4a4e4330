//! Error values of the runtime. Each implements `Display` and `core::error::Error`, and an
//! operation that fails to publish gives the event back.

use core::fmt;

/// Why [`Subscriber::try_recv`](crate::Subscriber::try_recv) returned no event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No event is readable at the subscriber's position right now: nothing new has been
    /// published, or (with multiple producers) the next sequence was claimed but its write
    /// has not committed yet — a `try_recv` right after this thread's own `publish`
    /// returned can see this while another producer's earlier claim is still being
    /// written. It is never final: [`Subscriber::recv`](crate::Subscriber::recv) waits it
    /// out, and [`Subscriber::pending`](crate::Subscriber::pending) counts claimed events.
    Empty,
    /// The subscriber fell more than the ring's capacity behind on an `Overwrite` ring:
    /// `missed` events were passed over, each of them overwritten (or being overwritten)
    /// before it read them, and it now continues from the oldest event that may still be
    /// intact. Every published event is either received or counted in exactly one
    /// `missed`; if that oldest event is overwritten before it is read, the next call
    /// reports that as another `Lagged`.
    Lagged {
        /// Events lost, exactly.
        missed: u64,
    },
    /// Every publisher has been dropped and every event has been received.
    Closed,
}

/// Why a blocking receive returned no event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvError {
    /// As [`TryRecvError::Lagged`]: `missed` events were overwritten; the next receive
    /// continues from the oldest event still in the ring.
    Lagged {
        /// Events lost, exactly.
        missed: u64,
    },
    /// Every publisher has been dropped and every event has been received.
    Closed,
    /// The [`Shutdown`](crate::Shutdown) passed to the call was triggered.
    Shutdown,
    /// The deadline passed to the call expired.
    Timeout,
}

#[cfg(feature = "async")]
/// Why [`Subscriber::recv_async`](crate::Subscriber::recv_async) returned no event: only
/// what can happen while a task awaits an event with no deadline and no shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsyncRecvError {
    /// As [`TryRecvError::Lagged`]: `missed` events were overwritten; the next receive
    /// continues from the oldest event still in the ring.
    Lagged {
        /// Events lost, exactly.
        missed: u64,
    },
    /// Every publisher has been dropped and every event has been received.
    Closed,
}

#[cfg(feature = "async")]
/// Why [`Subscriber::recv_async_until`](crate::Subscriber::recv_async_until) returned no
/// event: [`AsyncRecvError`]'s cases, and the shutdown it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsyncRecvUntilError {
    /// As [`TryRecvError::Lagged`]: `missed` events were overwritten; the next receive
    /// continues from the oldest event still in the ring.
    Lagged {
        /// Events lost, exactly.
        missed: u64,
    },
    /// Every publisher has been dropped and every event has been received.
    Closed,
    /// The [`Shutdown`](crate::Shutdown) passed to the call was triggered.
    Shutdown,
}

#[cfg(feature = "async")]
impl From<AsyncRecvError> for RecvError {
    fn from(err: AsyncRecvError) -> Self {
        match err {
            AsyncRecvError::Lagged { missed } => Self::Lagged { missed },
            AsyncRecvError::Closed => Self::Closed,
        }
    }
}

#[cfg(feature = "async")]
impl From<AsyncRecvError> for AsyncRecvUntilError {
    fn from(err: AsyncRecvError) -> Self {
        match err {
            AsyncRecvError::Lagged { missed } => Self::Lagged { missed },
            AsyncRecvError::Closed => Self::Closed,
        }
    }
}

#[cfg(feature = "async")]
impl From<AsyncRecvUntilError> for RecvError {
    fn from(err: AsyncRecvUntilError) -> Self {
        match err {
            AsyncRecvUntilError::Lagged { missed } => Self::Lagged { missed },
            AsyncRecvUntilError::Closed => Self::Closed,
            AsyncRecvUntilError::Shutdown => Self::Shutdown,
        }
    }
}

impl TryRecvError {
    /// The end of an asynchronous receive that found no event, or `None` for `Empty`,
    /// which is not an end (the receive waits it out).
    #[cfg(all(feature = "async", not(loom)))]
    pub(crate) fn into_async(self) -> Option<AsyncRecvError> {
        match self {
            Self::Empty => None,
            Self::Lagged { missed } => Some(AsyncRecvError::Lagged { missed }),
            Self::Closed => Some(AsyncRecvError::Closed),
        }
    }
}

#[cfg(feature = "async")]
impl fmt::Display for AsyncRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&RecvError::from(*self), f)
    }
}

#[cfg(feature = "async")]
impl fmt::Display for AsyncRecvUntilError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&RecvError::from(*self), f)
    }
}

#[cfg(feature = "async")]
impl core::error::Error for AsyncRecvError {}
#[cfg(feature = "async")]
impl core::error::Error for AsyncRecvUntilError {}

impl From<TryRecvError> for RecvError {
    fn from(err: TryRecvError) -> Self {
        match err {
            TryRecvError::Lagged { missed } => Self::Lagged { missed },
            TryRecvError::Closed | TryRecvError::Empty => Self::Closed,
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no event is ready"),
            Self::Lagged { missed } => {
                write!(f, "subscriber lagged: {missed} events were overwritten")
            }
            Self::Closed => f.write_str("every publisher was dropped and all events were received"),
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lagged { missed } => {
                write!(f, "subscriber lagged: {missed} events were overwritten")
            }
            Self::Closed => f.write_str("every publisher was dropped and all events were received"),
            Self::Shutdown => f.write_str("shutdown was triggered"),
            Self::Timeout => f.write_str("timed out waiting for an event"),
        }
    }
}

/// A subscriber of an `Overwrite` ring was lapped: exactly `missed` events were
/// overwritten before it read them. The item of a subscriber's event stream for a lap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lagged {
    /// Events lost, exactly.
    pub missed: u64,
}

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subscriber lagged: {} events were overwritten", self.missed)
    }
}

impl core::error::Error for Lagged {}

impl core::error::Error for TryRecvError {}
impl core::error::Error for RecvError {}

/// A `Backpressure` ring had no room: the event is given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Full<T>(pub T);

/// A blocking publish gave up (shutdown or timeout) before there was room: the event is
/// given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stopped<T>(pub T);

impl<T> Full<T> {
    /// The event that was not published.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Stopped<T> {
    /// The event that was not published.
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Like std's `SendError`, these print without requiring `T: Debug`.
impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Debug for Stopped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stopped(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ring is full: the slowest subscriber has not read the oldest event")
    }
}

impl<T> fmt::Display for Stopped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gave up waiting for room in the ring")
    }
}

impl<T> core::error::Error for Full<T> {}
impl<T> core::error::Error for Stopped<T> {}

/// The ring's publisher cannot be taken: its single-producer publisher was taken before
/// (ownership of a single producer's write side stays explicit), or the ring has closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AlreadyTaken;

impl fmt::Display for AlreadyTaken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ring's publisher was already taken, or the ring has closed; use a MultiPublisher to publish from several handles")
    }
}

impl core::error::Error for AlreadyTaken {}

/// Why [`Ring::subscribe`](crate::Ring::subscribe) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubscribeError {
    /// All of the ring's subscriber records are in use.
    TooManySubscribers {
        /// The ring's `SUBS` parameter.
        max: usize,
    },
    /// The record asked for is held by another subscriber.
    RecordInUse {
        /// The record's index.
        index: usize,
    },
    /// [`Subscriber::resume`](crate::Subscriber::resume) asked for a record that is not
    /// reserved (never reserved, or its subscriber left).
    NotReserved {
        /// The record's index.
        index: usize,
    },
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManySubscribers { max } => write!(
                f,
                "all {max} subscriber records are in use; drop a subscriber or raise the ring's SUBS parameter"
            ),
            Self::RecordInUse { index } => write!(f, "subscriber record {index} is held by another subscriber"),
            Self::NotReserved { index } => write!(
                f,
                "subscriber record {index} is not reserved (its subscriber left, or it was never reserved); reserve it with Ring::reserve"
            ),
        }
    }
}

impl core::error::Error for SubscribeError {}
