//! The [`Event`] trait: a typed value with a fixed-size Pod wire form.

use core::fmt;

use crate::payload::Payload;
use crate::sync::{AtomicU32, Ordering, const_fn_unless_loom};

/// A hardwire event: a `Copy` value that travels through rings as its Pod [`Event::Wire`].
///
/// Implemented by `#[derive(hardwire::Event)]`:
///
/// * on a `#[repr(C)]` struct of Pod fields with no padding, `Wire` is the struct itself
///   and the conversions are copies;
/// * on such a struct with C-like enum fields (marked `#[event(enum)]`, their types
///   implementing [`FieldEnum`]), `Wire` is a generated Pod twin
///   holding each enum as its integer, and [`Event::from_wire`] rejects a value no variant
///   has;
/// * on an enum, `Wire` is a generated Pod struct holding a `u32` tag and the largest
///   variant's bytes, and [`Event::from_wire`] rejects a tag no variant has.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a hardwire event",
    label = "not an event",
    note = "derive it: `#[derive(Clone, Copy, hardwire::Event)]` with `#[repr(C)]` on a struct of plain-data fields"
)]
pub trait Event: Copy + Send + Sync + 'static {
    /// The event's name as declared (the struct or enum name), stable across builds.
    const NAME: &'static str;

    /// The Pod form stored in ring slots.
    type Wire: Payload;

    /// Bytes of the wire form.
    const WIRE_SIZE: usize = core::mem::size_of::<Self::Wire>();

    /// The wire form of this event.
    fn to_wire(&self) -> Self::Wire;

    /// The event a wire value encodes.
    ///
    /// # Errors
    ///
    /// [`WireError`] if the wire value holds what no value of the event has: an enum
    /// event's tag no variant has, or a C-like enum field's value no variant has. Only
    /// wire values that did not come from [`Event::to_wire`] can (bytes from another
    /// process or the network, or built by hand).
    fn from_wire(wire: &Self::Wire) -> Result<Self, WireError>;

    /// The event `wire` holds, read where it lies when the wire form is the event itself
    /// (the derive on a struct of Pod fields says so), else decoded as by
    /// [`Event::from_wire`]. How a generated subscriber's handlers read lossless topics in
    /// place. Not part of the API.
    ///
    /// # Errors
    ///
    /// As [`Event::from_wire`].
    #[doc(hidden)]
    #[inline(always)]
    fn __view(wire: &Self::Wire) -> Result<Viewed<'_, Self>, WireError> {
        Self::from_wire(wire).map(Viewed::Owned)
    }
}

/// An event as a handler reads it: a reference to where it lies (in a ring's slot, or in a
/// copy of the wire value), or the value decoded from its wire form. Derefs to the event.
/// Not part of the API.
#[doc(hidden)]
#[derive(Debug)]
pub enum Viewed<'a, T> {
    /// The wire form is the event: read in place.
    Borrowed(&'a T),
    /// Decoded from its wire form.
    Owned(T),
}

impl<T> core::ops::Deref for Viewed<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        match self {
            Self::Borrowed(event) => event,
            Self::Owned(event) => event,
        }
    }
}

/// An event enum whose variants each carry one event (as the event enum of every topic of
/// several events does),
/// read variant by variant without copying the variant's event out of the wire value:
/// [`EventView::View`] mirrors the enum with each event as a [`Viewed`]. Implemented by
/// `#[derive(Event)]` on such enums; a generated subscriber's `poll` matches the view, so a
/// lossless topic's handlers read their events in the ring's slot. Not part of the API.
#[doc(hidden)]
pub trait EventView: Event {
    /// The enum's variants, each holding its event as a [`Viewed`].
    type View<'a>
    where
        Self: 'a;
    /// The variant `wire` holds, its event in place where its layout allows (see
    /// `__private::view_body`).
    ///
    /// # Errors
    ///
    /// As [`Event::from_wire`].
    fn view(wire: &Self::Wire) -> Result<Self::View<'_>, WireError>;
}

/// Why a wire value does not decode as its event. Never a panic, never undefined
/// behaviour: the value is refused, and a generated subscriber counts it
/// ([`SubscriberStats::invalid`](crate::SubscriberStats::invalid)) and reports it to its
/// handler's `on_invalid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireError {
    /// An enum event's tag matches none of its variants.
    UnknownTag {
        /// [`Event::NAME`] of the event being decoded.
        event: &'static str,
        /// The tag found.
        tag: u32,
    },
    /// A C-like enum field holds a value none of its enum's variants has.
    InvalidEnum {
        /// [`Event::NAME`] of the event (or enum event variant's) being decoded.
        event: &'static str,
        /// The field.
        field: &'static str,
        /// [`FieldEnum::NAME`] of the field's enum.
        enumeration: &'static str,
        /// The value found.
        value: u32,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownTag { event, tag } => write!(f, "wire value of `{event}` has unknown tag {tag}"),
            Self::InvalidEnum { event, field, enumeration, value } => write!(
                f,
                "wire value of `{event}` has {value} in field `{field}`, which no variant of `{enumeration}` has"
            ),
        }
    }
}

impl core::error::Error for WireError {}

/// A C-like enum that can be a field of an event: `#[repr(u8)]`, `#[repr(u16)]` or
/// `#[repr(u32)]`, unit variants only. Implemented by `#[derive(hardwire::FieldEnum)]`
/// (or by the `[enums.Name]` table of a TOML topology).
///
/// Implement it with the derive, which also gives the enum the (hidden) conversions an
/// event's wire form uses.
///
/// An event stores the enum as its integer ([`FieldEnum::Repr`]) on the wire, so the wire
/// form stays plain old data; decoding checks the integer with [`FieldEnum::from_repr`],
/// so a value no variant has is refused ([`WireError::InvalidEnum`]) and can never be
/// observed as the enum.
pub trait FieldEnum: Copy + Send + Sync + 'static {
    /// The enum's name as declared.
    const NAME: &'static str;
    /// Its `repr` integer: `u8`, `u16` or `u32`.
    type Repr: EnumRepr;
    /// The integer of a variant (its discriminant).
    fn to_repr(self) -> Self::Repr;
    /// The variant whose discriminant is `repr`, if there is one.
    fn from_repr(repr: Self::Repr) -> Option<Self>;
}

/// The integer types a [`FieldEnum`] may be represented by. Sealed.
pub trait EnumRepr: bytemuck::Pod + Eq + Send + Sync + sealed::Sealed {
    /// The value, widened (for [`WireError::InvalidEnum`]).
    fn widen(self) -> u32;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

impl EnumRepr for u8 {
    fn widen(self) -> u32 {
        u32::from(self)
    }
}

impl EnumRepr for u16 {
    fn widen(self) -> u32 {
        u32::from(self)
    }
}

impl EnumRepr for u32 {
    fn widen(self) -> u32 {
        self
    }
}

/// Why a generated bus refused to hand out a handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TakeError {
    /// This handle (a subscriber, or a topic's publisher) was taken before; each is taken
    /// once per bus, so ownership of every endpoint stays explicit.
    AlreadyTaken {
        /// The subscriber or topic, as declared.
        name: &'static str,
    },
    /// The subscriber left the bus for good (its handle's `leave()`): it no longer holds
    /// publishers back and cannot be taken again.
    Left {
        /// The subscriber, as declared.
        name: &'static str,
    },
    /// A stage subscriber needs the publisher of a topic it publishes to, and that
    /// publisher was already taken.
    OutputTaken {
        /// The stage subscriber.
        subscriber: &'static str,
        /// The topic whose publisher was taken.
        topic: &'static str,
    },
    /// A bridge handle of a topic that is not declared bridged (`bridge = ".."`).
    NotBridged {
        /// The topic, as declared.
        topic: &'static str,
    },
}

impl fmt::Display for TakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyTaken { name } => write!(f, "`{name}` was already taken from this bus"),
            Self::Left { name } => write!(f, "subscriber `{name}` left this bus for good and cannot be taken again"),
            Self::NotBridged { topic } => {
                write!(f, "topic `{topic}` is not bridged; declare it with `bridge = \"nats\"` or `bridge = \"redis\"`")
            }
            Self::OutputTaken { subscriber, topic } => write!(
                f,
                "stage `{subscriber}` publishes to `{topic}`, whose publisher was already taken; \
                 take the stage before the topic's publisher, or make the topic `producers = \"multi\"`"
            ),
        }
    }
}

impl core::error::Error for TakeError {}

/// Whether a handle of a generated bus is free, held, or (for a subscriber that left) gone
/// for good: guards each subscriber handle.
#[doc(hidden)]
pub struct Once(AtomicU32);

/// `Once`: nobody holds the handle.
const FREE: u32 = 0;
/// `Once`: a handle is held.
const HELD: u32 = 1;
/// `Once`: the subscriber left; it cannot be taken again.
const LEFT: u32 = 2;

impl Once {
    const_fn_unless_loom! {
        /// An unclaimed flag.
        pub fn new() -> Self {
            Self(AtomicU32::new(FREE))
        }
    }

    /// Claims the handle of subscriber `name`, or says why it cannot be taken.
    ///
    /// # Errors
    ///
    /// [`TakeError::AlreadyTaken`] while another handle is held, [`TakeError::Left`] after
    /// the subscriber left.
    pub fn take(&self, name: &'static str) -> Result<(), TakeError> {
        match self.0.compare_exchange(FREE, HELD, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => Ok(()),
            Err(LEFT) => Err(TakeError::Left { name }),
            Err(_) => Err(TakeError::AlreadyTaken { name }),
        }
    }

    /// Gives a claim back (the handle was dropped, or a take failed after claiming).
    pub fn release(&self) {
        self.0.store(FREE, Ordering::Release);
    }

    /// Marks the subscriber gone for good.
    pub fn leave(&self) {
        self.0.store(LEFT, Ordering::Release);
    }
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: an `AtomicU32` (valid for all-zero bytes: `0`, which is `FREE`, an unclaimed flag).
#[cfg(not(loom))]
unsafe impl bytemuck::Zeroable for Once {}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.0.load(Ordering::Relaxed) {
            FREE => "free",
            HELD => "held",
            _ => "left",
        };
        f.debug_tuple("Once").field(&state).finish()
    }
}
