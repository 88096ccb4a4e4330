//! The Rust form's declarations: `#[topic(..)]` structs and `#[subscriber(..)]` traits.

use syn::spanned::Spanned;
use syn::{Ident, LitInt, LitStr, Token};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{
    Bridge, Choice, Delivery, EventDecl, EventSource, Key, Name, Overflow, Payload, Producers, Scope, Setting,
    SubscriberDecl, Subscription, TopicDecl, choose,
};
use crate::names::suggestion;

use super::rust::{doc_lines, name, path_text, rust_loc};

const TOPIC_ARGS: &[&str] = &["capacity", "overflow", "producers", "delivery", "payload", "size", "scope", "bridge"];
const SUBSCRIBER_ARGS: &[&str] = &["publishes", "optional"];

/// Consumes `= value` after an unknown key, so parsing can go on to report more.
pub(super) fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// A `#[topic(..)]` tuple struct: its events (added to `events`) and settings.
pub(super) fn topic(item: &syn::ItemStruct, events: &mut Vec<EventDecl>, d: &mut Diagnostics) -> Option<TopicDecl> {
    let name = name(&item.ident);
    if !item.generics.params.is_empty() {
        d.push(Diagnostic::rust(item.generics.span(), "a topic cannot be generic"));
    }
    let empty = syn::punctuated::Punctuated::new();
    let (fields, events_loc) = match &item.fields {
        syn::Fields::Unnamed(fields) => (&fields.unnamed, rust_loc(fields.span())),
        // A byte topic (`payload = "bytes"`) lists no events.
        syn::Fields::Unit => (&empty, rust_loc(item.ident.span())),
        syn::Fields::Named(_) => {
            d.push(Diagnostic::rust(
                item.ident.span(),
                format!("declare a topic as a tuple struct of its events: `struct {}(EventA, EventB);`", item.ident),
            ));
            return None;
        }
    };
    let names = topic_events(fields, events, d);
    let mut decl = TopicDecl {
        docs: doc_lines(&item.attrs),
        events: names,
        events_loc,
        capacity: None,
        overflow: Setting { value: Overflow::default_value(), loc: name.loc.clone() },
        producers: Setting { value: Producers::default_value(), loc: name.loc.clone() },
        delivery: Setting { value: Delivery::default_value(), loc: name.loc.clone() },
        payload: Setting { value: Payload::default_value(), loc: name.loc.clone() },
        size: None,
        scope: Setting { value: Scope::default_value(), loc: name.loc.clone() },
        bridge: None,
        name,
        malformed: Vec::new(),
    };
    for attr in item.attrs.iter().filter(|attr| attr.path().is_ident("topic")) {
        if matches!(attr.meta, syn::Meta::Path(_)) {
            continue; // `#[topic]` with every setting at its default
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            let here = rust_loc(meta.path.span());
            match key.as_str() {
                "capacity" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<i64>() {
                        Ok(value) => decl.capacity = Some(Setting { value, loc: rust_loc(lit.span()) }),
                        Err(_) => {
                            decl.malformed.push(Key::Capacity);
                            d.push(Diagnostic::rust(lit.span(), "`capacity`: integer out of range"));
                        }
                    }
                }
                "overflow" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if let Some(value) = choice(&lit, d) {
                        decl.overflow = Setting { value, loc: rust_loc(lit.span()) };
                    }
                }
                "producers" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if let Some(value) = choice(&lit, d) {
                        decl.producers = Setting { value, loc: rust_loc(lit.span()) };
                    }
                }
                "delivery" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if let Some(value) = choice(&lit, d) {
                        decl.delivery = Setting { value, loc: rust_loc(lit.span()) };
                    }
                }
                "payload" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match choice(&lit, d) {
                        Some(value) => decl.payload = Setting { value, loc: rust_loc(lit.span()) },
                        None => decl.malformed.push(Key::Payload),
                    }
                }
                "size" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match choice(&lit, d) {
                        Some(value) => decl.size = Some(Setting { value, loc: rust_loc(lit.span()) }),
                        None => decl.malformed.push(Key::Size),
                    }
                }
                "scope" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match choice(&lit, d) {
                        Some(value) => decl.scope = Setting { value, loc: rust_loc(lit.span()) },
                        None => decl.malformed.push(Key::Scope),
                    }
                }
                "bridge" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match choice::<Bridge>(&lit, d) {
                        Some(value) => decl.bridge = Some(Setting { value, loc: rust_loc(lit.span()) }),
                        None => decl.malformed.push(Key::Bridge),
                    }
                }
                other => {
                    let hint = match crate::names::did_you_mean(other, TOPIC_ARGS.iter().copied()) {
                        Some(meant) => {
                            decl.malformed.extend(Key::from_spelling(meant));
                            format!("; did you mean `{meant}`?")
                        }
                        None => format!("; expected one of {}", quoted(TOPIC_ARGS)),
                    };
                    d.error(&here, format!("unknown argument `{other}` in #[topic(..)]{hint}"));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(err) = result {
            d.push(Diagnostic::rust(err.span(), format!("in #[topic(..)]: {err}")));
        }
    }
    Some(decl)
}

fn quoted(items: &[&str]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

/// An enumerated setting written as a string literal ([`Choice`]); a wrong one is reported.
fn choice<T: Choice>(lit: &LitStr, d: &mut Diagnostics) -> Option<T> {
    choose::<T>(&lit.value()).map_err(|message| d.push(Diagnostic::rust(lit.span(), message))).ok()
}

/// An event named by its type in a Rust-form topic.
fn event_type(ty: &syn::Type, d: &mut Diagnostics) -> Option<EventDecl> {
    let syn::Type::Path(path) = ty else {
        d.push(Diagnostic::rust(
            ty.span(),
            "a topic's events are named by their type path, such as `Trade` or `crate::Trade`",
        ));
        return None;
    };
    if path.qself.is_some() {
        d.push(Diagnostic::rust(ty.span(), "a topic's events are named by a plain type path"));
        return None;
    }
    let last = path.path.segments.last()?;
    if !last.arguments.is_none() {
        d.push(Diagnostic::rust(
            last.arguments.span(),
            "generic events are not supported: an event is a concrete Pod type",
        ));
        return None;
    }
    Some(EventDecl { name: name(&last.ident), docs: Vec::new(), source: EventSource::Rust(path.path.clone()) })
}

/// A `#[subscriber(..)]` trait: its topics, event filters and settings.
pub(super) fn subscriber(item: &syn::ItemTrait, d: &mut Diagnostics) -> Option<SubscriberDecl> {
    let trait_name = name(&item.ident);
    if !item.generics.params.is_empty() {
        d.push(Diagnostic::rust(item.generics.span(), "a subscriber trait cannot be generic"));
    }
    if let Some(first) = item.items.first() {
        d.push(Diagnostic::rust(
            first.span(),
            "leave a subscriber trait empty: the macro fills in one `on_<event>` method per subscribed event",
        ));
    }
    let mut decl = SubscriberDecl {
        docs: doc_lines(&item.attrs),
        subscriptions: Vec::new(),
        subscriptions_loc: trait_name.loc.clone(),
        events: None,
        publishes: Vec::new(),
        optional: false,
        name: trait_name,
        malformed: Vec::new(),
    };
    for attr in item.attrs.iter().filter(|attr| attr.path().is_ident("subscriber")) {
        decl.subscriptions_loc = rust_loc(attr.span());
        let result = attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            if key == "publishes" {
                let content;
                let value = meta.value()?;
                syn::bracketed!(content in value);
                let topics = content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
                decl.publishes.extend(topics.iter().map(name));
            } else if key == "optional" {
                // `optional` alone, or `optional = true|false`.
                decl.optional =
                    if meta.input.peek(Token![=]) { meta.value()?.parse::<syn::LitBool>()?.value } else { true };
            } else if meta.input.peek(Token![=]) {
                let hint = match suggestion(&key, SUBSCRIBER_ARGS.iter().copied()) {
                    s if s.is_empty() => {
                        "; list topics as `Topic` or `Topic(Event, ..)`, and outputs as `publishes = [Topic, ..]`"
                            .to_owned()
                    }
                    s => s,
                };
                d.push(Diagnostic::rust(
                    meta.path.span(),
                    format!("unknown argument `{key}` in #[subscriber(..)]{hint}"),
                ));
                skip_value(&meta)?;
            } else {
                let Some(topic) = meta.path.get_ident() else {
                    d.push(Diagnostic::rust(meta.path.span(), "name a topic of this bus, such as `MarketData`"));
                    return Ok(());
                };
                let mut events = None;
                if meta.input.peek(syn::token::Paren) {
                    let mut only = Vec::new();
                    meta.parse_nested_meta(|event| {
                        match event.path.get_ident() {
                            Some(ident) => only.push(name(ident)),
                            None => d.push(Diagnostic::rust(
                                event.path.span(),
                                "name an event by its type name, such as `Trade`",
                            )),
                        }
                        Ok(())
                    })?;
                    events = Some(only);
                }
                decl.subscriptions.push(Subscription { topic: name(topic), events });
            }
            Ok(())
        });
        if let Err(err) = result {
            d.push(Diagnostic::rust(err.span(), format!("in #[subscriber(..)]: {err}")));
        }
    }
    Some(decl)
}

/// The events a Rust-form topic lists, each added to `events` the first time it is seen;
/// two types with one name are reported.
fn topic_events<'f>(
    fields: impl IntoIterator<Item = &'f syn::Field>,
    events: &mut Vec<EventDecl>,
    d: &mut Diagnostics,
) -> Vec<Name> {
    let mut names = Vec::new();
    for field in fields {
        if let Some(event) = event_type(&field.ty, d) {
            names.push(Name { text: event.name.text.clone(), loc: event.name.loc.clone() });
            match events.iter().find(|known| known.name.text == event.name.text) {
                Some(known) => {
                    if let (EventSource::Rust(a), EventSource::Rust(b)) = (&known.source, &event.source) {
                        if quote::quote!(#a).to_string() != quote::quote!(#b).to_string() {
                            d.push(Diagnostic::rust(
                                field.ty.span(),
                                format!(
                                    "two different types are both named `{}` (`{}` and `{}`); events are identified by their type name",
                                    event.name.text,
                                    quote::quote!(#a),
                                    quote::quote!(#b)
                                ),
                            ));
                        }
                    }
                }
                None => events.push(event),
            }
        }
    }
    names
}
