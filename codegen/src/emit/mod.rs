//! Code generation: [`Plan`] → the bus module's tokens.
//!
//! The generated module, for topics `t` (`T` in UpperCamelCase) and subscribers `s` (`S`):
//!
//! * events declared in TOML, as `#[derive(hardwire::Event)]` structs;
//! * `Topic`: one variant per topic;
//! * per topic, `T`: an enum of its events (for several events an `Event` whose wire form is
//!   the ring's payload; one event's ring stores that event's own wire form), and a
//!   module `t` with the sealed `Carries` trait (the types `publish` accepts), and either the
//!   ring type, `Handle` and `Publisher` (ring topics) or `Dispatcher` (inline topics);
//! * per subscriber, the handler trait `S` (one `on_<event>` method per subscribed event),
//!   and a module `s` with its `Subscriber` handle (and `Outputs`, for a stage);
//! * `Bus`, owning every ring, and `BusStats`.
//!
//! Everything generated refers to the runtime through `::hardwire::` paths, and to the
//! user's items through the paths they wrote: in nested modules, `super::`-qualified when
//! they start at a name of the bus module, else through a glob import (`nested_imports`).

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Attribute, Ident, Item, Visibility};

use crate::model::Choice;
use crate::plan::{Delivery, Plan, Topic};

mod bus;
mod event;
mod handler;
mod inline_topic;
mod outputs;
mod publisher;
mod receive;
mod ring_topic;
mod subscriber;
mod topic;

use bus::emit_bus;
use event::{emit_enum, emit_event};
use handler::emit_handler;
use inline_topic::emit_inline_topic;
use outputs::{Outputs, outputs};
use receive::{narrowed, narrowed_enum, poll_topic, receive_methods};
use ring_topic::emit_ring_topic;
use subscriber::emit_subscriber;
use topic::{emit_topic, emit_topic_enum, enum_debug_and_eq};

/// The module the bus is generated into.
#[derive(Clone, Debug)]
pub struct Module {
    /// Its attributes (docs, `cfg`, ...).
    pub attrs: Vec<Attribute>,
    /// Its visibility.
    pub vis: Visibility,
    /// Its name.
    pub ident: Ident,
    /// The user's items in it, passed through.
    pub items: Vec<Item>,
    /// The topology file, relative to `CARGO_MANIFEST_DIR`, for a TOML-form bus.
    pub topology_file: Option<String>,
}

/// The whole bus module.
#[must_use]
pub fn emit(plan: &Plan, module: &Module) -> TokenStream {
    let Module { attrs, vis, ident, items, topology_file } = module;
    let plan = &with_bus_names(plan, items);
    let rebuild = topology_file.as_ref().map(|file| {
        let path = format!("/{file}");
        quote! {
            // Rebuilds the crate whenever the topology file changes.
            const _: &[u8] = ::core::include_bytes!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #path));
        }
    });
    let enums = plan.enums.iter().map(|e| emit_enum(e, topology_file.as_deref()));
    let events = plan.events.iter().map(|event| emit_event(event, topology_file.as_deref()));
    let topic_enum = emit_topic_enum(plan);
    // Decided once for the whole bus: every nested module starts the same way.
    let imports = nested_imports(plan);
    let topics = (0..plan.topics.len()).map(|t| emit_topic(plan, t, &imports));
    let handlers = (0..plan.subscribers.len()).map(|s| emit_handler(plan, s));
    let subscribers = (0..plan.subscribers.len())
        .filter(|&s| plan.subscribers[s].handle.is_some())
        .map(|s| emit_subscriber(plan, s, &imports));
    let bus = emit_bus(plan);
    quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#items)*
            #rebuild
            #(#enums)*
            #(#events)*
            #topic_enum
            #(#topics)*
            #(#handlers)*
            #(#subscribers)*
            #bus
        }
    }
}

/// `#[doc]` attributes, one per line, each starting with a space as `///` comments do.
pub(super) fn docs<'a>(lines: impl IntoIterator<Item = &'a String>) -> TokenStream {
    lines.into_iter().map(|line| doc(line)).collect()
}

pub(super) fn doc(line: &str) -> TokenStream {
    let line = if line.is_empty() || line.starts_with(' ') { line.to_owned() } else { format!(" {line}") };
    quote!(#[doc = #line])
}

/// A user path as seen from a module nested in the bus module: `super::`-qualified when it
/// starts at a name of the bus module's own (`Plan::bus_names`), `super`, or `self`.
pub(super) fn nested(plan: &Plan, path: &syn::Path) -> TokenStream {
    match path.segments.first().map(|s| s.ident.to_string()) {
        Some(first) if first == "self" && path.leading_colon.is_none() => {
            let rest = path.segments.iter().skip(1);
            quote!(super #(::#rest)*)
        }
        Some(first) if path.leading_colon.is_none() && (first == "super" || plan.bus_names.contains(&first)) => {
            quote!(super::#path)
        }
        _ => quote!(#path),
    }
}

/// `plan` with [`Plan::bus_names`]: the events and enums the macro declares, and the
/// module's items and the names its `use`s bring in (a glob brings in no name we know).
fn with_bus_names(plan: &Plan, items: &[Item]) -> Plan {
    fn use_names(tree: &syn::UseTree, names: &mut std::collections::BTreeSet<String>) {
        match tree {
            syn::UseTree::Path(path) => use_names(&path.tree, names),
            syn::UseTree::Name(name) if name.ident != "self" => {
                names.insert(name.ident.to_string());
            }
            syn::UseTree::Rename(rename) if rename.rename != "_" => {
                names.insert(rename.rename.to_string());
            }
            syn::UseTree::Group(group) => group.items.iter().for_each(|tree| use_names(tree, names)),
            // `self` in a group names the path before it, which the group's parent does not
            // record: such a name stays unknown, and unknown names keep the glob import.
            _ => {}
        }
    }
    let mut plan = plan.clone();
    let names = &mut plan.bus_names;
    names.extend(plan.events.iter().filter(|event| event.fields.is_some()).map(|event| event.name.clone()));
    names.extend(plan.enums.iter().map(|e| e.name.to_string()));
    for item in items {
        let ident = match item {
            Item::Const(item) => Some(&item.ident),
            Item::Enum(item) => Some(&item.ident),
            Item::ExternCrate(item) => Some(item.rename.as_ref().map_or(&item.ident, |(_, rename)| rename)),
            Item::Fn(item) => Some(&item.sig.ident),
            Item::Mod(item) => Some(&item.ident),
            Item::Static(item) => Some(&item.ident),
            Item::Struct(item) => Some(&item.ident),
            Item::Trait(item) => Some(&item.ident),
            Item::Type(item) => Some(&item.ident),
            Item::Union(item) => Some(&item.ident),
            Item::Use(item) => {
                use_names(&item.tree, names);
                None
            }
            _ => None,
        };
        names.extend(ident.map(ToString::to_string));
    }
    plan
}

/// What a module nested in the bus module starts with: nothing when every user path its
/// code names resolves without the bus module's names (each starts at a bus-module name,
/// which [`nested`] qualifies, or at `crate`, `::`, `std`, `core`, `alloc` or a primitive
/// type, and has no generic arguments), else a glob import of them all. The glob is what
/// rustc spends most of its name resolution on in a large bus (every nested module
/// re-imports every name of the bus module: 3.6 of 26 s for 500 topics and subscribers).
fn nested_imports(plan: &Plan) -> TokenStream {
    const ANYWHERE: &[&str] = &[
        "crate", "super", "self", "std", "core", "alloc", "bool", "char", "str", "u8", "u16", "u32", "u64", "u128",
        "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
    ];
    let resolves = |path: &syn::Path| {
        let plain = path.segments.iter().all(|segment| segment.arguments.is_none());
        let first = path.segments.first().map(|s| s.ident.to_string()).unwrap_or_default();
        plain && (path.leading_colon.is_some() || ANYWHERE.contains(&first.as_str()) || plan.bus_names.contains(&first))
    };
    if plan.events.iter().all(|event| resolves(&event.ty)) {
        TokenStream::new()
    } else {
        quote! {
            #[allow(unused_imports)] // paths in the topology are relative to the bus module
            use super::*;
        }
    }
}

pub(super) fn event_ident(plan: &Plan, e: usize) -> Ident {
    format_ident!("{}", plan.events[e].name)
}

/// The 64-bit FNV-1a hash of `bytes`, continued from `hash` (start with [`FNV_OFFSET`]): for
/// the declaration hashes that shared segments check on attach and bridges on receipt.
pub(super) fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Where a 64-bit FNV-1a hash starts.
pub(super) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub(super) fn settings(topic: &Topic) -> String {
    match &topic.delivery {
        Delivery::Inline => "inline delivery: `emit` calls every subscriber's handler directly".to_owned(),
        Delivery::Ring(ring) => {
            let bridge = ring
                .bridge
                .as_ref()
                .map(|bridge| format!(", {} (`bridge_reader`, `bridge_publisher`)", bridge.engine.describe()))
                .unwrap_or_default();
            format!(
                "a ring of {} slots, {} ({}), {}{bridge}",
                ring.capacity,
                ring.overflow.spelling(),
                ring.overflow.describe(),
                ring.producers.describe()
            )
        }
    }
}

/// `tokens` as a user would write them in a message: `[u8;4usize]`, `crate::Sensor`.
pub(super) fn compact(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

/// A compile-time check that `ty` implements `bound`, whose failure reads `message` (which
/// names a TOML location: a diagnostic message is the only place rustc can show one) with
/// `note`, at `span`. A trait of its own carries the message, implemented for every `bound`.
/// The type is placed at `span` too, for rustc to point there (elsewhere TOML-written types
/// are only located there: see `check::resolve::respan`).
pub(super) fn located_check(
    span: proc_macro2::Span,
    message: &str,
    note: &str,
    bound: TokenStream,
    ty: &impl ToTokens,
) -> TokenStream {
    let ty = crate::diag::respanned(ty.to_token_stream(), span);
    quote_spanned! {span=>
        const _: () = {
            #[diagnostic::on_unimplemented(message = #message, label = "declared in the topology file", note = #note)]
            trait Declared {}
            impl<T: #bound> Declared for T {}
            const fn declared<T: Declared>() {}
            declared::<#ty>();
        };
    }
}

/// The type that travels through topic `t`'s ring: its one event's wire form, or the wire
/// form of its event enum.
pub(super) fn wire_type(plan: &Plan, t: usize) -> TokenStream {
    let topic = &plan.topics[t];
    match topic.events.as_slice() {
        [only] => {
            let ty = nested(plan, &plan.events[*only].ty);
            quote!(<#ty as ::hardwire::Event>::Wire)
        }
        _ => {
            let camel = &topic.camel;
            quote!(<super::#camel as ::hardwire::Event>::Wire)
        }
    }
}

/// Where ring topic `t`'s ring is in the bus's `rings` tuple: its place among the ring
/// topics. (The rings are a tuple, not fields named after their topics, so that no topic's
/// name can meet the bus's own fields.)
pub(super) fn ring_index(plan: &Plan, t: usize) -> syn::Index {
    syn::Index::from(plan.topics[..t].iter().filter(|topic| topic.ring().is_some()).count())
}

/// How generated code reaches ring topic `t`'s ring from `base` (`self` or `bus`): the
/// bus's own ring, or, for a `scope = "shared"` topic, the segment's ring when the bus was
/// opened with one (`RingIn`).
pub(super) fn ring_ref(plan: &Plan, t: usize, base: &TokenStream) -> TokenStream {
    let k = ring_index(plan, t);
    match shared_index(plan, t) {
        None => quote!(&#base.rings.#k),
        Some(j) => quote!(#base.in_segment.#j.get(&#base.rings.#k)),
    }
}

/// Where `scope = "shared"` topic `t`'s ring is among the shared ones (`None` if it is not
/// shared).
pub(super) fn shared_index(plan: &Plan, t: usize) -> Option<syn::Index> {
    let shared = |topic: &crate::plan::Topic| topic.ring().is_some_and(|ring| ring.shared);
    shared(&plan.topics[t]).then(|| syn::Index::from(plan.topics[..t].iter().filter(|topic| shared(topic)).count()))
}

/// The variant names of `events`' enum: each event's type name.
pub(super) fn event_idents(plan: &Plan, events: &[usize]) -> Vec<Ident> {
    events.iter().map(|&e| event_ident(plan, e)).collect()
}
