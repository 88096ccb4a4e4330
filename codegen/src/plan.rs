//! The resolved topology that validation produces and code generation prints: every name
//! resolved to an index, every generated identifier decided, every setting validated, every
//! ring record and handle place assigned.
//!
//! Identifiers here carry `Span::call_site()` (except where a span must point at user
//! input), so the Rust and TOML forms of one topology emit identical tokens.

use proc_macro2::Span;
use syn::Ident;

use crate::model::{Overflow, Producers, Size};

/// A validated topology.
#[derive(Clone, Debug)]
pub struct Plan {
    /// C-like enums the macro declares (TOML `[enums.Name]`), in declaration order.
    pub enums: Vec<Enum>,
    /// Events, in declaration order.
    pub events: Vec<Event>,
    /// Topics, in declaration order.
    pub topics: Vec<Topic>,
    /// Subscribers, in declaration order.
    pub subscribers: Vec<Subscriber>,
    /// The permission bits the shared-memory segment is created with, if the topology sets
    /// them (rule `segment_mode`).
    pub segment_mode: Option<u32>,
    /// The names the bus module declares, or imports by name: generated code in its nested
    /// modules reaches a user path starting with one of them as `super::path`. Empty until
    /// code generation fills it in from the module's items.
    pub bus_names: std::collections::BTreeSet<String>,
}

/// A C-like enum for event fields, declared by the macro.
#[derive(Clone, Debug)]
pub struct Enum {
    /// Its name.
    pub name: Ident,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// `u8`, `u16` or `u32`.
    pub repr: Ident,
    /// Variants and their discriminants, in declaration order.
    pub variants: Vec<(Ident, u32)>,
}

impl Enum {
    /// Bytes of its `repr` (also its alignment).
    #[must_use]
    pub fn size(&self) -> usize {
        match self.repr.to_string().as_str() {
            "u8" => 1,
            "u16" => 2,
            _ => 4,
        }
    }
}

/// A resolved event.
#[derive(Clone, Debug)]
pub struct Event {
    /// The event's name (its type name).
    pub name: String,
    /// The type as generated code names it: the struct name, or the user's path.
    pub ty: syn::Path,
    /// `on_<snake name>`.
    pub method: Ident,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// `Some(fields)` for an event the macro declares, in layout order, with the padding
    /// fields it inserted.
    pub fields: Option<Vec<Field>>,
    /// The size, when known without the compiler and without `fields`: byte payloads, and
    /// (for the command-line tool) events a Rust file declares with a layout the file
    /// determines.
    pub wire_size: Option<usize>,
    /// Where rustc should point if the type is not an `Event` (a `rust = "..."` event).
    pub check_span: Span,
    /// `file.toml:LINE:COL: ` of its declaration (empty for the Rust form), for messages
    /// only a compile-time check can give.
    pub origin: String,
}

/// A field of an event the macro declares.
#[derive(Clone, Debug)]
pub struct Field {
    /// Its name.
    pub name: Ident,
    /// Its type.
    pub ty: syn::Type,
    /// `true` for explicit padding the macro inserted (`[u8; N]`, always zero), so that the
    /// `repr(C)` struct has no implicit padding.
    pub padding: bool,
    /// `true` for a field whose type is one of the topology's enums (`#[event(enum)]`).
    pub enumeration: bool,
    /// Size and alignment, where known without the compiler (primitives, arrays of them,
    /// the topology's enums).
    pub layout: Option<(usize, usize)>,
    /// `file.toml:LINE:COL: ` of its declaration (empty for inserted padding).
    pub origin: String,
}

/// A resolved topic.
#[derive(Clone, Debug)]
pub struct Topic {
    /// Its name in snake_case (`market_data`), whichever form declared it: what stats,
    /// `Topic::name` and errors at run time say.
    pub name: String,
    /// `market_data`: its module and `Bus` accessor.
    pub snake: Ident,
    /// `MarketData`: its message enum and `Topic` variant.
    pub camel: Ident,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// Indices into [`Plan::events`], in declaration order (the wire tags).
    pub events: Vec<usize>,
    /// How it is delivered: through a ring (with the ring's settings), or inline.
    pub delivery: Delivery,
    /// `Some(size)` for a byte topic (`payload = "bytes"`), which carries one event: the
    /// runtime's `Bytes` type of that size class.
    pub bytes: Option<Size>,
    /// Subscribers, in declaration order.
    pub subscribers: Vec<usize>,
    /// Stage subscribers that publish to this topic.
    pub stages: Vec<usize>,
}

impl Topic {
    /// The ring of a ring topic; `None` for an inline topic.
    #[must_use]
    pub fn ring(&self) -> Option<&RingPlan> {
        match &self.delivery {
            Delivery::Ring(ring) => Some(ring),
            Delivery::Inline => None,
        }
    }

    /// The readers its ring has records for: its subscribers, and its bridge if it has one.
    #[must_use]
    pub fn readers(&self) -> usize {
        self.subscribers.len() + usize::from(self.ring().is_some_and(|ring| ring.bridge.is_some()))
    }
}

/// How a topic is delivered.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// Through a ring, across threads.
    Ring(RingPlan),
    /// By direct calls on the publishing thread.
    Inline,
}

/// A ring topic's ring, decided.
#[derive(Clone, Debug)]
pub struct RingPlan {
    /// Slots.
    pub capacity: usize,
    /// `overflow`.
    pub overflow: Overflow,
    /// `producers`.
    pub producers: Producers,
    /// Records reserved from the start: one per subscriber that is not optional, which
    /// come first (records `0..reserved`), then the optional ones, each group in
    /// declaration order.
    pub reserved: usize,
    /// Each subscriber's record, in the order of [`Topic::subscribers`].
    pub records: Vec<usize>,
    /// `file.toml:LINE:COL: ` of the capacity (empty for the Rust form), for messages
    /// that only a compile-time assertion can give.
    pub capacity_prefix: String,
    /// `scope = "shared"`: the ring lives in the bus's shared-memory segment.
    pub shared: bool,
    /// `bridge = ".."`: the engine that carries the topic across machines. The bridge
    /// reads the ring at a reserved record of its own (the last of `0..reserved`).
    pub bridge: Option<BridgePlan>,
}

/// A bridged topic's engine and its address from the topology.
#[derive(Clone, Debug)]
pub struct BridgePlan {
    /// The engine.
    pub engine: crate::model::Bridge,
    /// Its `url`.
    pub url: String,
}

impl RingPlan {
    /// The bridge's record: the last reserved one (`None` without a bridge).
    #[must_use]
    pub fn bridge_record(&self) -> Option<usize> {
        self.bridge.as_ref().map(|_| self.reserved - 1)
    }

    /// Subscriber `s`'s record in this ring (`topic` is the ring's topic).
    ///
    /// # Panics
    ///
    /// If `s` does not read `topic` (a generator bug).
    #[must_use]
    pub fn record_of(&self, topic: &Topic, s: usize) -> usize {
        let position = topic.subscribers.iter().position(|&x| x == s);
        self.records[position.expect("subscriber reads the topic")]
    }
}

/// One topic a subscriber reads, and which of its events it is given.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// Index into [`Plan::topics`].
    pub topic: usize,
    /// Indices into [`Plan::events`], in the topic's order.
    pub events: Vec<usize>,
}

/// A resolved subscriber.
#[derive(Clone, Debug)]
pub struct Subscriber {
    /// Its name in snake_case (`trade_log`), whichever form declared it.
    pub name: String,
    /// `trade_log`: its module and `Bus` accessor.
    pub snake: Ident,
    /// `TradeLog`: its handler trait.
    pub camel: Ident,
    /// Documentation lines.
    pub docs: Vec<String>,
    /// What it reads.
    pub subscriptions: Vec<Subscription>,
    /// Indices into [`Plan::events`] it handles, one `on_<event>` method each, first
    /// seen first.
    pub handled: Vec<usize>,
    /// Topics it publishes to (a stage).
    pub publishes: Vec<usize>,
    /// Declared `optional`: joins its topics when taken, leaves them when dropped, and so
    /// gates only while held. Otherwise its ring records are reserved from the start.
    pub optional: bool,
    /// Its place in the bus's handle flags, if it reads a ring topic (and so has a handle).
    pub handle: Option<usize>,
}

impl Plan {
    /// The size in bytes of event `e`, when the topology alone determines it: an event
    /// declared with `fields` of primitive types, arrays of them and the topology's enums
    /// (which `check` has proved free of padding). `None` for `rust = ".."` events and other field types.
    #[must_use]
    pub fn event_size(&self, e: usize) -> Option<usize> {
        if let Some(size) = self.events[e].wire_size {
            return Some(size);
        }
        let fields = self.events[e].fields.as_ref()?;
        fields.iter().map(|field| field.layout.map(|(size, _)| size)).sum()
    }

    /// The size in bytes of topic `t`'s ring payload, its wire form: the event itself for a
    /// one-event topic, else a `u32` tag, 4 reserved bytes and the largest event rounded
    /// up to whole words. `None` when an event's size is not known (see
    /// [`Plan::event_size`]).
    #[must_use]
    pub fn wire_size(&self, t: usize) -> Option<usize> {
        match self.topics[t].events.as_slice() {
            [e] => self.event_size(*e),
            events => {
                let sizes = events.iter().map(|&e| self.event_size(e)).collect::<Option<Vec<_>>>()?;
                Some(8 + sizes.into_iter().max().unwrap_or(0).div_ceil(8) * 8)
            }
        }
    }

    /// How many subscribers get a handle on the bus (those that read a ring topic): the
    /// length of the bus's `taken` flags.
    #[must_use]
    pub fn handle_count(&self) -> usize {
        self.subscribers.iter().filter(|sub| sub.handle.is_some()).count()
    }

    /// Decides what depends on both topics and subscribers: each ring record (declared
    /// subscribers first, then optional ones) and each subscriber's handle flag.
    pub(crate) fn assign_places(&mut self) {
        let Plan { topics, subscribers, .. } = self;
        for topic in topics.iter_mut() {
            let Delivery::Ring(ring) = &mut topic.delivery else { continue };
            let declared = topic.subscribers.iter().filter(|&&s| !subscribers[s].optional).count();
            // A bridge is a declared reader too, after the subscribers: its record is
            // `declared`, and the optional subscribers' records come after it.
            let bridge = usize::from(ring.bridge.is_some());
            let (mut next_declared, mut next_optional) = (0, declared + bridge);
            ring.reserved = declared + bridge;
            ring.records = topic
                .subscribers
                .iter()
                .map(|&s| {
                    let next = if subscribers[s].optional { &mut next_optional } else { &mut next_declared };
                    *next += 1;
                    *next - 1
                })
                .collect();
        }
        let mut handles = 0;
        for sub in subscribers.iter_mut() {
            if sub.subscriptions.iter().any(|read| topics[read.topic].ring().is_some()) {
                sub.handle = Some(handles);
                handles += 1;
            }
        }
    }
}
