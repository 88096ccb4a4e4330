//! The topology as declared: what both front ends (Rust attributes, TOML) produce, with a
//! location on everything, before any validation. [`crate::check`] turns it into a
//! resolved [`crate::plan::Plan`].

use crate::diag::Loc;

/// A name as the user wrote it, and where.
#[derive(Clone, Debug)]
pub struct Name {
    /// The text.
    pub text: String,
    /// Where it was written.
    pub loc: Loc,
}

/// A setting and where it was written (or, for a default, where its owner was).
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub loc: Loc,
}

/// A whole topology.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// C-like enums event fields can hold (TOML `[enums.Name]`), in declaration order.
    pub enums: Vec<EnumDecl>,
    /// Events, in declaration order.
    pub events: Vec<EventDecl>,
    /// Topics, in declaration order.
    pub topics: Vec<TopicDecl>,
    /// Subscribers, in declaration order.
    pub subscribers: Vec<SubscriberDecl>,
    /// Names of declarations the front end rejected (already reported): validation does
    /// not report references to them as unknown.
    pub rejected: Vec<String>,
    /// Whether any topic was declared, well-formed or not.
    pub declares_topics: bool,
}

/// `[enums.Name]`: a C-like enum the macro declares, for event fields.
#[derive(Clone, Debug)]
pub struct EnumDecl {
    /// The enum's name.
    pub name: Name,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// `repr`: `u8` (default), `u16` or `u32`.
    pub repr: Setting<String>,
    /// The variants, in order, each with its discriminant if written (`{ A = 1 }`);
    /// `["A", "B"]` numbers them from 0.
    pub variants: Vec<(Name, Option<Setting<i64>>)>,
}

/// `[events.Name]`, or an event type named in a Rust-form topic.
#[derive(Clone, Debug)]
pub struct EventDecl {
    /// The event's name: its struct name.
    pub name: Name,
    /// Documentation lines (`doc = "..."` in TOML).
    pub docs: Vec<String>,
    /// Where the type comes from.
    pub source: EventSource,
}

/// Where an event type comes from.
#[derive(Clone, Debug)]
pub enum EventSource {
    /// `fields = [...]`: the macro generates the struct.
    Fields(Vec<FieldDecl>),
    /// `rust = "path::To"` or a type in a Rust-form topic: an existing `hardwire::Event`.
    Rust(syn::Path),
}

/// One `"name: type"` entry of `fields`.
#[derive(Clone, Debug)]
pub struct FieldDecl {
    /// The field name.
    pub name: Name,
    /// The field type.
    pub ty: syn::Type,
    /// Where the whole entry was written.
    pub loc: Loc,
}

/// `overflow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Lossy.
    Overwrite,
    /// Lossless.
    Backpressure,
}

/// `producers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Producers {
    /// One publisher handle.
    Single,
    /// A cloneable publisher handle.
    Multi,
}

/// `delivery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Through a ring, across threads.
    Ring,
    /// By direct calls, on the publishing thread.
    Inline,
}

/// `payload`: what a topic carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// The events listed in `events`.
    Events,
    /// Byte strings of up to `size` bytes (`hardwire::Bytes<N>`).
    Bytes,
}

/// `size`: a byte topic's size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 64 bytes.
    XS,
    /// 256 bytes.
    S,
    /// 1 KiB.
    M,
    /// 4 KiB.
    L,
    /// 16 KiB.
    XL,
}

impl Size {
    /// Every class and its name as written, smallest first.
    pub const CHOICES: [(&'static str, Size); 5] =
        [("XS", Size::XS), ("S", Size::S), ("M", Size::M), ("L", Size::L), ("XL", Size::XL)];

    /// The most bytes a payload of this class holds.
    #[must_use]
    pub const fn capacity(self) -> usize {
        match self {
            Self::XS => 64,
            Self::S => 256,
            Self::M => 1024,
            Self::L => 4096,
            Self::XL => 16384,
        }
    }

    /// The runtime's type for it: `BytesXS` … `BytesXL`.
    #[must_use]
    pub const fn type_name(self) -> &'static str {
        match self {
            Self::XS => "BytesXS",
            Self::S => "BytesS",
            Self::M => "BytesM",
            Self::L => "BytesL",
            Self::XL => "BytesXL",
        }
    }
}

/// `[topics.name]`, or `#[topic(..)] struct Name(..)`.
#[derive(Clone, Debug)]
pub struct TopicDecl {
    /// The topic's name.
    pub name: Name,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// The event names it carries, in order.
    pub events: Vec<Name>,
    /// Whether `events` was given at all (an empty list and a missing key differ).
    pub events_loc: Loc,
    /// `capacity`, if given, as written (validated by `check`).
    pub capacity: Option<Setting<i64>>,
    /// `overflow`.
    pub overflow: Setting<Overflow>,
    /// `producers`.
    pub producers: Setting<Producers>,
    /// `delivery`.
    pub delivery: Setting<Delivery>,
    /// `payload`.
    pub payload: Setting<Payload>,
    /// `size`, if given.
    pub size: Option<Setting<Size>>,
    /// Keys written (or misspelt) with a value that could not be used, already reported:
    /// validation does not also report them missing.
    pub malformed: Vec<&'static str>,
}

/// One topic a subscriber listens to, optionally restricted to some of its events.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// The topic.
    pub topic: Name,
    /// Only these events of it (Rust form: `Topic(Event, ..)`).
    pub events: Option<Vec<Name>>,
}

/// `[subscribers.name]`, or `#[subscriber(..)] trait Name {}`.
#[derive(Clone, Debug)]
pub struct SubscriberDecl {
    /// The subscriber's name.
    pub name: Name,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// The topics it listens to.
    pub subscriptions: Vec<Subscription>,
    /// Where `topics` (or the attribute's topic list) was written.
    pub subscriptions_loc: Loc,
    /// TOML `events = [...]`: only these events, from whichever listed topic carries them.
    pub events: Option<Vec<Name>>,
    /// Topics it publishes to (a stage).
    pub publishes: Vec<Name>,
    /// `optional = true`: it gates its lossless topics only while a handle of it is held.
    pub optional: bool,
    /// As [`TopicDecl::malformed`].
    pub malformed: Vec<&'static str>,
}
