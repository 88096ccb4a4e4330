//! The resolved topology [`crate::check`] produces and [`crate::emit`] consumes: every name
//! resolved to an index, every generated identifier decided, every setting validated.
//!
//! Identifiers here carry `Span::call_site()` (except where a span must point at user
//! input), so the Rust and TOML forms of one topology emit identical tokens.

use proc_macro2::Span;
use syn::Ident;

use crate::model::{Delivery, Overflow, Producers};

/// A validated topology.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Events, in declaration order.
    pub events: Vec<Event>,
    /// Topics, in declaration order.
    pub topics: Vec<Topic>,
    /// Subscribers, in declaration order.
    pub subscribers: Vec<Subscriber>,
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
    /// `Some(fields)` for an event the macro declares.
    pub fields: Option<Vec<(Ident, syn::Type)>>,
    /// Where rustc should point if the type is not an `Event` (a `rust = "..."` event).
    pub check_span: Span,
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
}

impl Plan {
    /// Whether subscriber `s` reads any ring topic (and so gets a handle on the bus).
    #[must_use]
    pub fn reads_rings(&self, s: usize) -> bool {
        self.subscribers[s].subscriptions.iter().any(|sub| self.topics[sub.topic].delivery == Delivery::Ring)
    }
}
