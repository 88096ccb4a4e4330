//! The resolved topology [`crate::check`] produces and [`crate::emit`] consumes: every name
//! resolved to an index, every generated identifier decided, every setting validated.
//!
//! Identifiers here carry `Span::call_site()` (except where a span must point at user
//! input), so the Rust and TOML forms of one topology emit identical tokens.

use proc_macro2::Span;
use syn::Ident;

use crate::model::{Delivery, Overflow, Producers, Size};

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
    /// Slots (0 for inline topics).
    pub capacity: u64,
    /// `overflow`.
    pub overflow: Overflow,
    /// `producers`.
    pub producers: Producers,
    /// `delivery`.
    pub delivery: Delivery,
    /// `Some(size)` for a byte topic (`payload = "bytes"`), which carries one event: the
    /// runtime's `Bytes` type of that size class.
    pub bytes: Option<Size>,
    /// Subscribers, in declaration order; the position is the subscriber's ring record.
    pub subscribers: Vec<usize>,
    /// Stage subscribers that publish to this topic.
    pub stages: Vec<usize>,
    /// `file.toml:LINE:COL: ` of the capacity (empty for the Rust form), for messages
    /// that only a compile-time assertion can give.
    pub capacity_prefix: String,
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
        (0..self.subscribers.len()).filter(|&s| self.reads_rings(s)).count()
    }

    /// Subscriber `s`'s record in topic `t`'s ring: the subscribers that are not optional
    /// come first (records `0..reserved_records(t)`, reserved from the start), then the
    /// optional ones, each group in declaration order.
    #[must_use]
    pub fn record_index(&self, t: usize, s: usize) -> usize {
        let topic = &self.topics[t];
        let optional = self.subscribers[s].optional;
        let before =
            topic.subscribers.iter().take_while(|&&x| x != s).filter(|&&x| self.subscribers[x].optional == optional);
        let offset = if optional { self.reserved_records(t) } else { 0 };
        offset + before.count()
    }

    /// How many of topic `t`'s ring records are reserved from the start: one per subscriber
    /// that is not optional.
    #[must_use]
    pub fn reserved_records(&self, t: usize) -> usize {
        self.topics[t].subscribers.iter().filter(|&&s| !self.subscribers[s].optional).count()
    }

    /// Whether subscriber `s` reads any ring topic (and so gets a handle on the bus).
    #[must_use]
    pub fn reads_rings(&self, s: usize) -> bool {
        self.subscribers[s].subscriptions.iter().any(|sub| self.topics[sub.topic].delivery == Delivery::Ring)
    }
}
