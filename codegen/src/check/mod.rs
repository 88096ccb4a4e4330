//! Validation: [`Topology`] → [`Plan`], collecting every problem (docs/RELIABILITY.md §6.7).
//!
//! Each rule is a documented function: `namespace`, `generated_names`, `handler_methods`
//! and the stage rules (`single_producer_stages`, `cycles`) in `rules`; `enum_variants` and
//! the events' fields in `resolve`; `topic_events`, `payload` and `topic_settings` in
//! `topics`; `subscriptions`, `event_filter`, `stage_outputs` and `stage_inputs` in
//! `subscribers`; `segment_mode` in `rules`. [`check`] runs them in that order, so diagnostics come out in the order
//! of the declarations they are about.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;

use crate::diag::{Diagnostic, Diagnostics, Loc, TomlFile};
use crate::model::{Name, Topology};
use crate::plan::{self, Plan};

mod resolve;
mod rules;
mod subscribers;
mod topics;

/// The largest capacity a topic may have (the runtime's `MAX_CAPACITY`).
pub const MAX_CAPACITY: u64 = 1 << 30;

/// Item names a generated bus module defines itself.
const RESERVED_TYPES: &[&str] = &["Bus", "Topic", "BusStats", "SharedBus"];
/// Method names of `Bus` that accessors must not take.
const RESERVED_METHODS: &[&str] = &["new", "new_boxed", "stats"];

/// Validates a topology and resolves it into a [`Plan`].
///
/// `file` is the topology file for TOML-form buses (for locations in messages that only a
/// compile-time assertion can report); `origin` is where problems of the whole topology
/// are reported (the start of the file, or the module's name).
///
/// # Errors
///
/// Every problem found, each located.
pub fn check(topology: &Topology, file: Option<&TomlFile>, origin: &Loc) -> Result<Plan, Vec<Diagnostic>> {
    let mut d = Diagnostics::default();
    if !topology.declares_topics {
        d.error(
            origin,
            "topology defines no topics; declare at least one (`[topics.name]` in TOML, `#[topic(..)] struct Name(Event);` in Rust)",
        );
    }
    rules::namespace(topology, &mut d);
    let enums: Vec<plan::Enum> = topology.enums.iter().map(|decl| resolve::resolve_enum(decl, &mut d)).collect();
    let mut events: Vec<plan::Event> =
        topology.events.iter().map(|event| resolve::resolve_event(event, &enums, file, &mut d)).collect();
    rules::handler_methods(topology, &mut d);
    let event_index = index_by_name(topology.events.iter().map(|e| &e.name));
    let topic_index = index_by_name(topology.topics.iter().map(|t| &t.name));
    let mut topics = topics::resolve(topology, &mut events, &event_index, file, &mut d);
    let subscribers = subscribers::resolve(topology, &mut topics, &events, &event_index, &topic_index, &mut d);
    rules::single_producer_stages(topology, &topics, &subscribers, &mut d);
    rules::cycles(topology, &topics, &subscribers, &mut d);
    let segment_mode = rules::segment_mode(topology, &topics, &mut d);
    let mut plan =
        Plan { enums, events, topics, subscribers, segment_mode, bus_names: std::collections::BTreeSet::new() };
    plan.assign_places();
    d.finish(plan)
}

pub(super) fn names_of(indices: &[usize], events: &[plan::Event]) -> String {
    indices.iter().map(|&i| format!("`{}`", events[i].name)).collect::<Vec<_>>().join(", ")
}

fn index_by_name<'a>(names: impl Iterator<Item = &'a Name>) -> HashMap<&'a str, usize> {
    let mut map = HashMap::new();
    for (i, name) in names.enumerate() {
        map.entry(name.text.as_str()).or_insert(i);
    }
    map
}

/// An identifier for generated code. A name that cannot be one (`1A`, from a topic named
/// `_1_a`) has been reported by `check_generated`, and the plan is then thrown away; the
/// placeholder only keeps this function from panicking on it.
pub(super) fn ident(text: &str) -> Ident {
    match crate::names::check_identifier(text) {
        Ok(()) | Err(crate::names::BadName::Keyword) => Ident::new(text, Span::call_site()),
        Err(_) => Ident::new("__hardwire_invalid_name", Span::call_site()),
    }
}
