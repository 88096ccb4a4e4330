//! The topology as declared: what both front ends (Rust attributes, TOML) produce, with a
//! location on everything, before any validation, which turns it into a resolved
//! [`crate::plan::Plan`].

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

/// A key of a topic's or subscriber's declaration (TOML key, or argument of `#[topic(..)]`
/// and `#[subscriber(..)]`): what a declaration's `malformed` list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `events`.
    Events,
    /// `capacity`.
    Capacity,
    /// `overflow`.
    Overflow,
    /// `producers`.
    Producers,
    /// `delivery`.
    Delivery,
    /// `payload`.
    Payload,
    /// `size`.
    Size,
    /// `doc`.
    Doc,
    /// `topics`.
    Topics,
    /// `publishes`.
    Publishes,
    /// `optional`.
    Optional,
    /// `scope`.
    Scope,
    /// `bridge`.
    Bridge,
}

impl Key {
    /// Every key, with its spelling.
    const ALL: [(&'static str, Key); 13] = [
        ("events", Key::Events),
        ("capacity", Key::Capacity),
        ("overflow", Key::Overflow),
        ("producers", Key::Producers),
        ("delivery", Key::Delivery),
        ("payload", Key::Payload),
        ("size", Key::Size),
        ("doc", Key::Doc),
        ("topics", Key::Topics),
        ("publishes", Key::Publishes),
        ("optional", Key::Optional),
        ("scope", Key::Scope),
        ("bridge", Key::Bridge),
    ];

    /// The key spelled `text`, if it is one.
    #[must_use]
    pub fn from_spelling(text: &str) -> Option<Key> {
        Self::ALL.iter().find(|(spelling, _)| *spelling == text).map(|&(_, key)| key)
    }
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
    /// The engines topics can be bridged through (TOML `[bridges.nats]`, Rust
    /// `#[hardwire::bus(nats = "..")]`), in declaration order.
    pub bridges: Vec<BridgeDecl>,
    /// The permission bits the bus's shared-memory segment is created with (TOML
    /// `[segment] mode = 0o660`, Rust `#[hardwire::bus(segment_mode = 0o660)]`), if given.
    pub segment_mode: Option<Setting<i64>>,
}

/// `[bridges.nats]` / `[bridges.redis]`, or `#[hardwire::bus(nats = "..")]`: where an
/// engine is reached by default (the environment overrides it at run time).
#[derive(Clone, Debug)]
pub struct BridgeDecl {
    /// The engine, where its table (or argument) was written.
    pub engine: Setting<Bridge>,
    /// `url`, if well-formed.
    pub url: Option<Setting<String>>,
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

/// A setting whose value is one of a few words: the one place its spellings, its default
/// and what each value means are written. Both front ends read settings through
/// [`choose`], the generator's docs and the command-line tool's graph through
/// [`Choice::describe`].
pub trait Choice: Copy + PartialEq + 'static {
    /// The key it is written under, in TOML and in the Rust form's attribute.
    const KEY: &'static str;
    /// Every value with its spelling; the first is the default unless
    /// [`Choice::default_value`] says otherwise.
    const CHOICES: &'static [(&'static str, Self)];

    /// The value when the key is not written.
    #[must_use]
    fn default_value() -> Self {
        Self::CHOICES[0].1
    }

    /// The spelling of this value.
    #[must_use]
    fn spelling(self) -> &'static str {
        Self::CHOICES.iter().find(|(_, value)| *value == self).map_or("", |(name, _)| name)
    }

    /// What this value means, in a few words.
    fn describe(self) -> &'static str;
}

/// The value `text` spells for setting `T`; else the message to report (its key, the valid
/// spellings, and a hint: the same word in the right case, or a close one).
///
/// # Errors
///
/// The message, when `text` is no spelling of a value.
pub fn choose<T: Choice>(text: &str) -> Result<T, String> {
    if let Some(&(_, value)) = T::CHOICES.iter().find(|(name, _)| *name == text) {
        return Ok(value);
    }
    let names: Vec<&str> = T::CHOICES.iter().map(|(name, _)| *name).collect();
    let hint = match names.iter().find(|name| name.eq_ignore_ascii_case(text)) {
        Some(name) => format!("; did you mean `{name}`? (values are case-sensitive)"),
        None => crate::names::suggestion(text, names.iter().copied()),
    };
    let listed = names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
    Err(format!("`{}` must be one of {listed}; found `{text}`{hint}", T::KEY))
}

/// `overflow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Lossy.
    Overwrite,
    /// Lossless.
    Backpressure,
}

impl Choice for Overflow {
    const KEY: &'static str = "overflow";
    const CHOICES: &'static [(&'static str, Self)] =
        &[("overwrite", Self::Overwrite), ("backpressure", Self::Backpressure)];

    fn describe(self) -> &'static str {
        match self {
            Self::Overwrite => "lossy: slow subscribers are told what they missed",
            Self::Backpressure => "lossless: publishers wait for the slowest subscriber",
        }
    }
}

/// `producers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Producers {
    /// One publisher handle.
    Single,
    /// A cloneable publisher handle.
    Multi,
}

impl Choice for Producers {
    const KEY: &'static str = "producers";
    const CHOICES: &'static [(&'static str, Self)] = &[("single", Self::Single), ("multi", Self::Multi)];

    fn describe(self) -> &'static str {
        match self {
            Self::Single => "single producer",
            Self::Multi => "multiple producers",
        }
    }
}

/// `delivery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Through a ring, across threads.
    Ring,
    /// By direct calls, on the publishing thread.
    Inline,
}

impl Choice for Delivery {
    const KEY: &'static str = "delivery";
    const CHOICES: &'static [(&'static str, Self)] = &[("ring", Self::Ring), ("inline", Self::Inline)];

    fn describe(self) -> &'static str {
        match self {
            Self::Ring => "a ring, across threads",
            Self::Inline => "direct calls on the publishing thread",
        }
    }
}

/// `scope`: where a ring topic's ring lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// In the bus, in process memory.
    Process,
    /// In a shared-memory segment that every process opening the bus shares.
    Shared,
}

impl Choice for Scope {
    const KEY: &'static str = "scope";
    const CHOICES: &'static [(&'static str, Self)] = &[("process", Self::Process), ("shared", Self::Shared)];

    fn describe(self) -> &'static str {
        match self {
            Self::Process => "in this process",
            Self::Shared => "in shared memory, across processes",
        }
    }
}

/// `bridge`: the engine a ring topic is carried across machines by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bridge {
    /// NATS: core subjects (lossy topics), JetStream (lossless).
    Nats,
    /// Redis Streams: a capped stream (lossy topics), a consumer group (lossless).
    Redis,
}

impl Choice for Bridge {
    const KEY: &'static str = "bridge";
    const CHOICES: &'static [(&'static str, Self)] = &[("nats", Self::Nats), ("redis", Self::Redis)];

    fn describe(self) -> &'static str {
        match self {
            Self::Nats => "bridged through NATS (core subjects or JetStream)",
            Self::Redis => "bridged through Redis Streams",
        }
    }
}

impl Bridge {
    /// The URL schemes the engine's client accepts.
    #[must_use]
    pub const fn schemes(self) -> &'static [&'static str] {
        match self {
            Self::Nats => &["nats", "tls", "ws", "wss"],
            Self::Redis => &["redis", "rediss", "redis+unix", "unix"],
        }
    }

    /// The address its messages suggest: the engine's default port on this machine.
    #[must_use]
    pub const fn example_url(self) -> &'static str {
        match self {
            Self::Nats => "nats://127.0.0.1:4222",
            Self::Redis => "redis://127.0.0.1:6379",
        }
    }

    /// The runtime's name for it: `Nats`, `Redis`.
    #[must_use]
    pub const fn variant(self) -> &'static str {
        match self {
            Self::Nats => "Nats",
            Self::Redis => "Redis",
        }
    }
}

/// `payload`: what a topic carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// The events listed in `events`.
    Events,
    /// Byte strings of up to `size` bytes (`hardwire::Bytes<N>`).
    Bytes,
}

impl Choice for Payload {
    const KEY: &'static str = "payload";
    const CHOICES: &'static [(&'static str, Self)] = &[("events", Self::Events), ("bytes", Self::Bytes)];

    fn describe(self) -> &'static str {
        match self {
            Self::Events => "the events listed in `events`",
            Self::Bytes => "byte strings of up to `size` bytes",
        }
    }
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

impl Choice for Size {
    const KEY: &'static str = "size";
    /// Smallest first.
    const CHOICES: &'static [(&'static str, Self)] =
        &[("XS", Self::XS), ("S", Self::S), ("M", Self::M), ("L", Self::L), ("XL", Self::XL)];

    /// `M`, where a value must stand in for a missing one (a byte topic without `size`,
    /// which is reported).
    fn default_value() -> Self {
        Self::M
    }

    fn describe(self) -> &'static str {
        match self {
            Self::XS => "64 bytes",
            Self::S => "256 bytes",
            Self::M => "1 KiB",
            Self::L => "4 KiB",
            Self::XL => "16 KiB",
        }
    }
}

impl Size {
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
    /// `scope`.
    pub scope: Setting<Scope>,
    /// `bridge`, if given.
    pub bridge: Option<Setting<Bridge>>,
    /// Keys written (or misspelt) with a value that could not be used, already reported:
    /// validation does not also report them missing.
    pub malformed: Vec<Key>,
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
    pub malformed: Vec<Key>,
}
