//! Validation: [`Topology`] → [`Plan`], collecting every problem (docs/RELIABILITY.md §6.7).

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;

use crate::diag::{Diagnostic, Diagnostics, Loc, TomlFile};
use crate::model::{
    Delivery, EnumDecl, EventDecl, EventSource, FieldDecl, Name, Overflow, Payload, Producers, Size, Topology,
};
use crate::names::{snake, suggestion, upper_camel};
use crate::plan::{self, Plan};

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
    check_namespace(topology, &mut d);
    let enums: Vec<plan::Enum> = topology.enums.iter().map(|decl| resolve_enum(decl, &mut d)).collect();
    let mut events: Vec<plan::Event> =
        topology.events.iter().map(|event| resolve_event(event, &enums, file, &mut d)).collect();
    check_methods(topology, &mut d);
    let event_index = index_by_name(topology.events.iter().map(|e| &e.name));
    let topic_index = index_by_name(topology.topics.iter().map(|t| &t.name));

    let mut topics: Vec<plan::Topic> = Vec::with_capacity(topology.topics.len());
    for topic in &topology.topics {
        let mut carried = Vec::new();
        let bytes = check_payload(topic, topology, &mut d);
        if let Some(size) = bytes {
            carried.push(events.len());
            events.push(bytes_event(&topic.name.text, size));
        } else if topic.payload.value == Payload::Bytes || topic.malformed.contains(&"payload") {
            // Reported by `check_payload`, or where the bad `payload` was written.
        } else if topic.events.is_empty() && !topic.malformed.contains(&"events") {
            d.error(
                &topic.events_loc,
                format!("topic `{}` carries no events; list them: `events = [\"EventName\", ..]`", topic.name.text),
            );
        }
        let listed = if topic.payload.value == Payload::Bytes { &[][..] } else { &topic.events[..] };
        for event in listed {
            match event_index.get(event.text.as_str()) {
                Some(&i) if carried.contains(&i) => {
                    d.error(
                        &event.loc,
                        format!("event `{}` is listed twice in topic `{}`", event.text, topic.name.text),
                    );
                }
                Some(&i) => carried.push(i),
                None if topology.rejected.contains(&event.text) => {} // reported where declared
                None => d.error(
                    &event.loc,
                    format!(
                        "unknown event `{}` in topic `{}`{}",
                        event.text,
                        topic.name.text,
                        or_declare(
                            suggestion(&event.text, topology.events.iter().map(|e| e.name.text.as_str())),
                            &event.text
                        )
                    ),
                ),
            }
        }
        let capacity = check_topic_settings(topic, &mut d);
        topics.push(plan::Topic {
            name: snake(&topic.name.text),
            snake: ident(&snake(&topic.name.text)),
            camel: ident(&upper_camel(&topic.name.text)),
            docs: topic.docs.clone(),
            events: carried,
            capacity,
            overflow: topic.overflow.value,
            producers: topic.producers.value,
            delivery: topic.delivery.value,
            bytes,
            subscribers: Vec::new(),
            stages: Vec::new(),
            capacity_prefix: match (&topic.capacity, file) {
                (Some(setting), Some(file)) => {
                    Diagnostic { loc: setting.loc.clone(), message: String::new() }.render(Some(file))
                }
                _ => String::new(),
            },
        });
    }

    let mut subscribers: Vec<plan::Subscriber> = Vec::with_capacity(topology.subscribers.len());
    for (s, subscriber) in topology.subscribers.iter().enumerate() {
        let who = &subscriber.name.text;
        if subscriber.subscriptions.is_empty() && !subscriber.malformed.contains(&"topics") {
            d.error(
                &subscriber.subscriptions_loc,
                format!("subscriber `{who}` subscribes to nothing; list its topics: `topics = [\"topic\"]`"),
            );
        }
        let mut subscriptions: Vec<plan::Subscription> = Vec::new();
        for subscription in &subscriber.subscriptions {
            let Some(&t) = topic_index.get(subscription.topic.text.as_str()) else {
                if topology.rejected.contains(&subscription.topic.text) {
                    continue; // reported where declared
                }
                d.error(
                    &subscription.topic.loc,
                    format!(
                        "unknown topic `{}` in subscriber `{who}`{}",
                        subscription.topic.text,
                        suggestion(&subscription.topic.text, topology.topics.iter().map(|t| t.name.text.as_str()))
                    ),
                );
                continue;
            };
            if subscriptions.iter().any(|known| known.topic == t) {
                d.error(
                    &subscription.topic.loc,
                    format!("subscriber `{who}` lists topic `{}` twice", subscription.topic.text),
                );
                continue;
            }
            let carried = &topics[t].events;
            let selected = match &subscription.events {
                None => carried.clone(),
                Some(only) => {
                    let mut selected = Vec::new();
                    for event in only {
                        match event_index.get(event.text.as_str()) {
                            Some(i) if carried.contains(i) => selected.push(*i),
                            _ => d.error(
                                &event.loc,
                                format!(
                                    "event `{}` is not carried by topic `{}` (it carries {}){}",
                                    event.text,
                                    subscription.topic.text,
                                    names_of(carried, &events),
                                    suggestion(&event.text, carried.iter().map(|&i| events[i].name.as_str()))
                                ),
                            ),
                        }
                    }
                    carried.iter().copied().filter(|i| selected.contains(i)).collect()
                }
            };
            subscriptions.push(plan::Subscription { topic: t, events: selected });
        }
        if let Some(only) = &subscriber.events {
            apply_event_filter(who, only, &mut subscriptions, &events, &topics, &event_index, &mut d);
        }
        let mut handled = Vec::new();
        for subscription in &subscriptions {
            for &e in &subscription.events {
                if !handled.contains(&e) {
                    handled.push(e);
                }
            }
        }
        let mut publishes = Vec::new();
        for output in &subscriber.publishes {
            match topic_index.get(output.text.as_str()) {
                Some(&t) if publishes.contains(&t) => {
                    d.error(&output.loc, format!("subscriber `{who}` lists `{}` in `publishes` twice", output.text));
                }
                Some(&t) if topics[t].delivery == Delivery::Inline => d.error(
                    &output.loc,
                    format!(
                        "stage `{who}` cannot publish to inline topic `{}`: stages publish to ring topics (`delivery = \"ring\"`); emit inline topics with their `Dispatcher`",
                        output.text
                    ),
                ),
                Some(&t) => publishes.push(t),
                None if topology.rejected.contains(&output.text) => {}
                None => d.error(
                    &output.loc,
                    format!(
                        "unknown topic `{}` in `publishes` of `{who}`{}",
                        output.text,
                        suggestion(&output.text, topology.topics.iter().map(|t| t.name.text.as_str()))
                    ),
                ),
            }
        }
        if !publishes.is_empty() {
            for subscription in &subscriptions {
                if topics[subscription.topic].delivery == Delivery::Inline {
                    d.error(
                        &subscriber.name.loc,
                        format!(
                            "stage `{who}` reads inline topic `{}`; a stage (a subscriber that publishes) reads ring topics only, where its subscriber handle owns its publishers",
                            topics[subscription.topic].name
                        ),
                    );
                }
            }
        }
        for subscription in &subscriptions {
            topics[subscription.topic].subscribers.push(s);
        }
        for &t in &publishes {
            topics[t].stages.push(s);
        }
        subscribers.push(plan::Subscriber {
            name: snake(who),
            snake: ident(&snake(who)),
            camel: ident(&upper_camel(who)),
            docs: subscriber.docs.clone(),
            subscriptions,
            handled,
            publishes,
            optional: subscriber.optional,
        });
    }
    for topic in &topics {
        if topic.producers == Producers::Single && topic.stages.len() > 1 {
            let t =
                topology.topics.iter().find(|decl| decl.name.text == topic.name).map(|decl| decl.producers.loc.clone());
            d.error(
                &t.unwrap_or(Loc::Rust(Span::call_site())),
                format!(
                    "topic `{}` has a single producer but stages {} all publish to it; set `producers = \"multi\"`",
                    topic.name,
                    subscribers_named(&topic.stages, &subscribers)
                ),
            );
        }
    }
    check_cycles(topology, &topics, &subscribers, &mut d);
    d.finish(Plan { enums, events, topics, subscribers })
}

/// "; did you mean `X`?", or a hint to declare it.
fn or_declare(suggestion: String, name: &str) -> String {
    if suggestion.is_empty() {
        format!("; declare it with `[events.{name}]` (TOML) or name its type in a topic (Rust)")
    } else {
        suggestion
    }
}

fn names_of(indices: &[usize], events: &[plan::Event]) -> String {
    indices.iter().map(|&i| format!("`{}`", events[i].name)).collect::<Vec<_>>().join(", ")
}

fn subscribers_named(indices: &[usize], subscribers: &[plan::Subscriber]) -> String {
    indices.iter().map(|&i| format!("`{}`", subscribers[i].name)).collect::<Vec<_>>().join(", ")
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
fn ident(text: &str) -> Ident {
    match crate::names::check_identifier(text) {
        Ok(()) | Err(crate::names::BadName::Keyword) => Ident::new(text, Span::call_site()),
        Err(_) => Ident::new("__hardwire_invalid_name", Span::call_site()),
    }
}

/// TOML `events = [..]` on a subscriber: restricts every listed topic to those events.
fn apply_event_filter(
    who: &str,
    only: &[Name],
    subscriptions: &mut [plan::Subscription],
    events: &[plan::Event],
    topics: &[plan::Topic],
    event_index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) {
    let mut wanted = Vec::new();
    for event in only {
        let carried_somewhere = event_index
            .get(event.text.as_str())
            .filter(|&&i| subscriptions.iter().any(|sub| topics[sub.topic].events.contains(&i)));
        match carried_somewhere {
            Some(&i) => wanted.push(i),
            None => {
                let listed: Vec<String> =
                    subscriptions.iter().map(|sub| format!("`{}`", topics[sub.topic].name)).collect();
                let candidates: Vec<&str> = subscriptions
                    .iter()
                    .flat_map(|sub| topics[sub.topic].events.iter().map(|&i| events[i].name.as_str()))
                    .collect();
                d.error(
                    &event.loc,
                    format!(
                        "event `{}` is not carried by topics [{}] of subscriber `{who}`{}",
                        event.text,
                        listed.join(", "),
                        suggestion(&event.text, candidates)
                    ),
                );
            }
        }
    }
    for subscription in subscriptions.iter_mut() {
        subscription.events.retain(|e| wanted.contains(e));
    }
}

/// `payload` and `size`; the size class of a well-formed byte topic.
fn check_payload(topic: &crate::model::TopicDecl, topology: &Topology, d: &mut Diagnostics) -> Option<Size> {
    let name = &topic.name.text;
    if topic.malformed.contains(&"payload") {
        return None; // reported where written
    }
    let size = if topic.malformed.contains(&"size") { &None } else { &topic.size };
    match (topic.payload.value, size) {
        (Payload::Events, None) => None,
        (Payload::Events, Some(size)) => {
            d.error(
                &size.loc,
                format!("`size` applies to byte topics: add `payload = \"bytes\"` to topic `{name}`, or remove `size`"),
            );
            None
        }
        (Payload::Bytes, size) => {
            if let Some(first) = topic.events.first() {
                d.error(
                    &first.loc,
                    format!(
                        "topic `{name}` carries byte payloads (`payload = \"bytes\"`), not events; remove its events"
                    ),
                );
            }
            let method = snake(name);
            for event in &topology.events {
                if snake(&event.name.text) == method {
                    d.error(
                        &topic.name.loc,
                        format!("byte topic `{name}` and event `{}` would both generate handler method `on_{method}`; rename one", event.name.text),
                    );
                }
            }
            match size {
                Some(size) => Some(size.value),
                None if topic.malformed.contains(&"size") => None, // reported where written
                None => {
                    d.error(
                        &topic.payload.loc,
                        format!("byte topic `{name}` needs a size class: add `size = \"XS\"` (64 bytes), \"S\" (256), \"M\" (1 KiB), \"L\" (4 KiB) or \"XL\" (16 KiB)"),
                    );
                    None
                }
            }
        }
    }
}

/// The event of byte topic `topic`: the runtime's `Bytes` type of its size class, handled by
/// `on_<topic>`.
fn bytes_event(topic: &str, size: Size) -> plan::Event {
    let ty = ident(size.type_name());
    plan::Event {
        name: size.type_name().to_owned(),
        ty: syn::parse_quote!(::hardwire::#ty),
        method: ident(&format!("on_{}", snake(topic))),
        docs: vec![format!(" Up to {} bytes: a byte payload of size class `{:?}`.", size.capacity(), size)],
        fields: None,
        wire_size: Some(8 + size.capacity()),
        check_span: Span::call_site(),
        origin: String::new(),
    }
}

/// Settings of a topic; returns its capacity (0 for inline topics).
fn check_topic_settings(topic: &crate::model::TopicDecl, d: &mut Diagnostics) -> u64 {
    let name = &topic.name.text;
    match topic.delivery.value {
        Delivery::Inline => {
            if let Some(capacity) = &topic.capacity {
                d.error(&capacity.loc, format!("`capacity` has no meaning for inline topic `{name}` (`delivery = \"inline\"` has no ring); remove it"));
            }
            if topic.overflow.value == Overflow::Backpressure {
                d.error(
                    &topic.overflow.loc,
                    format!("topic `{name}`: `overflow = \"backpressure\"` cannot be combined with `delivery = \"inline\"`: inline delivery calls every handler before `emit` returns, so nothing ever queues"),
                );
            }
            if topic.producers.value == Producers::Multi {
                d.error(
                    &topic.producers.loc,
                    format!("topic `{name}`: `producers = \"multi\"` cannot be combined with `delivery = \"inline\"`: an inline dispatcher runs on its caller's thread with `&mut` handlers"),
                );
            }
            0
        }
        Delivery::Ring => match &topic.capacity {
            None if topic.malformed.contains(&"capacity") => 0, // reported where written
            None => {
                d.error(
                    &topic.name.loc,
                    format!("ring topic `{name}` needs a capacity: add `capacity = 1024` (a power of two ≥ 2)"),
                );
                0
            }
            Some(capacity) => match u64::try_from(capacity.value) {
                Ok(value) if value.is_power_of_two() && (2..=MAX_CAPACITY).contains(&value) => value,
                Ok(value) if value > MAX_CAPACITY => {
                    d.error(
                        &capacity.loc,
                        format!("topic `{name}`: capacity {value} exceeds the maximum of {MAX_CAPACITY} slots (2^30)"),
                    );
                    0
                }
                _ => {
                    let found = capacity.value;
                    let nearest = if found < 2 {
                        "; the smallest is 2".to_owned()
                    } else {
                        let above = (found as u64).next_power_of_two();
                        format!("; nearest: {} or {above}", above / 2)
                    };
                    d.error(&capacity.loc, format!("capacity must be a power of two ≥ 2, found {found}{nearest}"));
                    0
                }
            },
        },
    }
}

/// Names of generated items must not collide: events, topics and subscribers share one
/// namespace, and each generates items whose names differ only by case conversion.
fn check_namespace(topology: &Topology, d: &mut Diagnostics) {
    /// Who first generated a name.
    struct Owner<'a> {
        kind: &'static str,
        name: &'a Name,
    }

    fn claim<'a>(
        table: &mut HashMap<String, Owner<'a>>,
        generated: String,
        owner: Owner<'a>,
        reported: &mut Vec<&'a str>,
        d: &mut Diagnostics,
    ) {
        let Some(first) = table.get(&generated) else {
            table.insert(generated, owner);
            return;
        };
        if reported.contains(&owner.name.text.as_str()) {
            return; // one message per name, even when several of its generated names collide
        }
        reported.push(&owner.name.text);
        let message = if first.name.text == owner.name.text {
            let kinds = if first.kind == owner.kind {
                String::new()
            } else {
                format!(" (as {} and as {})", first.kind, owner.kind)
            };
            format!(
                "`{}` is declared twice{kinds}; events, topics and subscribers share one namespace",
                owner.name.text
            )
        } else {
            format!(
                "{} `{}` collides with {} `{}` (both generate `{generated}`); rename one",
                owner.kind, owner.name.text, first.kind, first.name.text
            )
        };
        d.error(&owner.name.loc, message);
    }

    let mut types: HashMap<String, Owner<'_>> = HashMap::new();
    let mut values: HashMap<String, Owner<'_>> = HashMap::new();
    let mut reported = Vec::new();
    for decl in &topology.enums {
        if RESERVED_TYPES.contains(&decl.name.text.as_str()) {
            d.error(
                &decl.name.loc,
                format!("`{}` is a name the generated bus uses itself; rename the enum", decl.name.text),
            );
        }
        claim(&mut types, decl.name.text.clone(), Owner { kind: "enum", name: &decl.name }, &mut reported, d);
    }
    for event in &topology.events {
        if RESERVED_TYPES.contains(&event.name.text.as_str()) {
            d.error(
                &event.name.loc,
                format!("`{}` is a name the generated bus uses itself; rename the event", event.name.text),
            );
        }
        claim(&mut types, event.name.text.clone(), Owner { kind: "event", name: &event.name }, &mut reported, d);
    }
    for (kind, names) in [
        ("topic", topology.topics.iter().map(|t| &t.name).collect::<Vec<_>>()),
        ("subscriber", topology.subscribers.iter().map(|s| &s.name).collect()),
    ] {
        for name in names {
            check_generated(name, kind, d);
            claim(&mut types, upper_camel(&name.text), Owner { kind, name }, &mut reported, d);
            claim(&mut values, snake(&name.text), Owner { kind, name }, &mut reported, d);
            if kind == "topic" {
                // `SharedBus::<topic>_publisher()`, beside the subscribers' accessors.
                claim(&mut values, format!("{}_publisher", snake(&name.text)), Owner { kind, name }, &mut reported, d);
            }
        }
    }
}

/// The snake and camel names a topic or subscriber generates must be usable.
fn check_generated(name: &Name, kind: &str, d: &mut Diagnostics) {
    let (camel, snake_name) = (upper_camel(&name.text), snake(&name.text));
    if RESERVED_TYPES.contains(&camel.as_str()) || RESERVED_METHODS.contains(&snake_name.as_str()) {
        d.error(
            &name.loc,
            format!(
                "{kind} `{}` would generate `{camel}`/`{snake_name}`, which the bus uses itself; rename it",
                name.text
            ),
        );
    } else if crate::names::check_identifier(&snake_name).is_err() || crate::names::check_identifier(&camel).is_err() {
        d.error(
            &name.loc,
            format!(
                "{kind} `{}` would generate `{camel}`/`{snake_name}`, which is not a usable Rust name; rename it",
                name.text
            ),
        );
    }
}

/// Two events may not map to the same `on_<event>` handler method.
fn check_methods(topology: &Topology, d: &mut Diagnostics) {
    let mut seen: HashMap<String, &Name> = HashMap::new();
    for event in &topology.events {
        let method = format!("on_{}", snake(&event.name.text));
        match seen.get(&method) {
            Some(first) if first.text != event.name.text => d.error(
                &event.name.loc,
                format!(
                    "event `{}` collides with `{}` (both generate handler method `{method}`); rename one",
                    event.name.text, first.text
                ),
            ),
            _ => {
                seen.insert(method, &event.name);
            }
        }
    }
}

/// `[enums.Name]`: variants named and numbered, each discriminant in range and used once.
fn resolve_enum(decl: &EnumDecl, d: &mut Diagnostics) -> plan::Enum {
    let name = &decl.name.text;
    let max = match decl.repr.value.as_str() {
        "u8" => i64::from(u8::MAX),
        "u16" => i64::from(u16::MAX),
        _ => i64::from(u32::MAX),
    };
    let mut variants: Vec<(Ident, u32)> = Vec::with_capacity(decl.variants.len());
    let mut seen: Vec<(&str, i64)> = Vec::with_capacity(decl.variants.len());
    for (index, (variant, value)) in decl.variants.iter().enumerate() {
        if let Err(why) = crate::names::check_identifier(&variant.text) {
            d.error(
                &variant.loc,
                format!("variant of enum `{name}`: {}", crate::names::describe_bad_name(&variant.text, why)),
            );
            continue;
        }
        if seen.iter().any(|(other, _)| *other == variant.text) {
            d.error(&variant.loc, format!("variant `{}` is listed twice in enum `{name}`", variant.text));
            continue;
        }
        let (discriminant, loc) = match value {
            Some(setting) => (setting.value, &setting.loc),
            None => (i64::try_from(index).unwrap_or(i64::MAX), &variant.loc),
        };
        if !(0..=max).contains(&discriminant) {
            d.error(
                loc,
                format!(
                    "variant `{}` of enum `{name}` has value {discriminant}, outside `{}` (0..={max}); change the value or widen `repr`",
                    variant.text, decl.repr.value
                ),
            );
            continue;
        }
        if let Some((other, _)) = seen.iter().find(|(_, used)| *used == discriminant) {
            d.error(
                loc,
                format!("variants `{other}` and `{}` of enum `{name}` have the same value {discriminant}; give each its own", variant.text),
            );
            continue;
        }
        seen.push((&variant.text, discriminant));
        variants.push((ident(&variant.text), u32::try_from(discriminant).unwrap_or(u32::MAX)));
    }
    plan::Enum { name: ident(name), docs: decl.docs.clone(), repr: ident(&decl.repr.value), variants }
}

/// The topology's enum a field type names (a bare name such as `Side`), if any.
fn enum_of<'e>(ty: &syn::Type, enums: &'e [plan::Enum]) -> Option<&'e plan::Enum> {
    let syn::Type::Path(path) = ty else { return None };
    let name = path.path.get_ident()?;
    enums.iter().find(|e| e.name == *name)
}

/// Size and alignment of a field type: [`layout`], or the topology's enum's integer.
fn field_layout(ty: &syn::Type, enums: &[plan::Enum]) -> Option<(usize, usize)> {
    layout(ty).or_else(|| enum_of(ty, enums).map(|e| (e.size(), e.size())))
}

fn resolve_event(event: &EventDecl, enums: &[plan::Enum], file: Option<&TomlFile>, d: &mut Diagnostics) -> plan::Event {
    let name = &event.name.text;
    let (check_span, from_toml) = match &event.name.loc {
        Loc::Rust(span) => (*span, false),
        Loc::Toml(_) => (file.map_or_else(Span::call_site, |f| f.anchor), true),
    };
    let place = |span_of: Span| if from_toml { Some(span_of) } else { None };
    // Types written in TOML point at the `topology = "..."` literal, so that what only
    // rustc can check (a `rust` type that is not an event, a field type that is not Pod)
    // is reported there rather than at the whole attribute.
    let (ty, fields) = match &event.source {
        EventSource::Rust(path) => (respan(path, place(check_span)), None),
        EventSource::Fields(fields) => {
            let fields = pad_fields(name, fields, enums, d)
                .into_iter()
                .map(|(field, padding)| plan::Field {
                    name: ident(&field.name.text),
                    ty: respan(&field.ty, place(check_span)),
                    padding,
                    enumeration: enum_of(&field.ty, enums).is_some(),
                    layout: field_layout(&field.ty, enums),
                    origin: if padding { String::new() } else { origin(&field.loc, file) },
                })
                .collect();
            (syn::Path::from(ident(name)), Some(fields))
        }
    };
    plan::Event {
        name: name.clone(),
        ty,
        method: ident(&format!("on_{}", snake(name))),
        docs: event.docs.clone(),
        fields,
        wire_size: None,
        check_span,
        origin: origin(&event.name.loc, file),
    }
}

/// `file.toml:LINE:COL: ` for a TOML location, empty for a Rust one.
fn origin(loc: &Loc, file: Option<&TomlFile>) -> String {
    match (loc, file) {
        (Loc::Toml(_), Some(file)) => Diagnostic { loc: loc.clone(), message: String::new() }.render(Some(file)),
        _ => String::new(),
    }
}

/// Size and alignment of a type whose layout is the same on every target (primitives and
/// arrays of them); `None` for anything else, which the generated compile-time assertion
/// then checks instead.
pub(crate) fn layout(ty: &syn::Type) -> Option<(usize, usize)> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            let name = path.path.get_ident()?.to_string();
            let size = match name.as_str() {
                "u8" | "i8" => 1,
                "u16" | "i16" => 2,
                "u32" | "i32" | "f32" => 4,
                "u64" | "i64" | "f64" => 8,
                _ => return None, // u128's alignment and usize's size differ by target
            };
            Some((size, size))
        }
        syn::Type::Array(array) => {
            let (size, align) = layout(&array.elem)?;
            let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len else {
                return None;
            };
            Some((size.checked_mul(len.base10_parse::<usize>().ok()?)?, align))
        }
        syn::Type::Paren(inner) => layout(&inner.elem),
        syn::Type::Group(inner) => layout(&inner.elem),
        _ => None,
    }
}

/// A declared event's fields with explicit padding inserted wherever its `repr(C)` layout
/// would have implicit padding (after a field, and at the end), so that the struct is Pod
/// as declared: `_pad_after_<field>: [u8; N]` and `_pad_end: [u8; N]`, marked `true`. Only
/// where every field's layout is known ([`field_layout`]); otherwise the fields are returned as
/// they are, and the derive's compile-time padding check speaks instead.
fn pad_fields(event: &str, fields: &[FieldDecl], enums: &[plan::Enum], d: &mut Diagnostics) -> Vec<(FieldDecl, bool)> {
    let mut out: Vec<(FieldDecl, bool)> = Vec::with_capacity(fields.len());
    let Some(layouts) = fields.iter().map(|f| field_layout(&f.ty, enums)).collect::<Option<Vec<_>>>() else {
        return fields.iter().map(|f| (f.clone(), false)).collect();
    };
    let pad = |after: &FieldDecl, name: String, bytes: usize| {
        let ty: syn::Type = syn::parse_quote!([u8; #bytes]);
        (FieldDecl { name: Name { text: name, loc: after.loc.clone() }, ty, loc: after.loc.clone() }, true)
    };
    let (mut offset, mut struct_align) = (0usize, 1usize);
    for (field, &(size, align)) in fields.iter().zip(&layouts) {
        let aligned = offset.next_multiple_of(align);
        if let Some((previous, _)) = out.last().filter(|_| aligned > offset) {
            let previous = previous.clone();
            out.push(pad(&previous, format!("_pad_after_{}", previous.name.text), aligned - offset));
        }
        out.push((field.clone(), false));
        offset = aligned + size;
        struct_align = struct_align.max(align);
    }
    let end = offset.next_multiple_of(struct_align);
    if let Some((last, _)) = out.last().filter(|_| end > offset) {
        let last = last.clone();
        out.push(pad(&last, "_pad_end".to_owned(), end - offset));
    }
    for (inserted, _) in out.iter().filter(|(_, padding)| *padding) {
        if let Some(clash) = fields.iter().find(|f| f.name.text == inserted.name.text) {
            d.error(
                &clash.loc,
                format!(
                    "event `{event}`: the field name `{}` is the one hardwire gives the padding it inserts there; rename the field",
                    clash.name.text
                ),
            );
        }
    }
    out
}

/// Why a field type cannot be part of a Pod event, if it obviously cannot. `text` is the
/// type as the user wrote it, for the message.
#[must_use]
pub fn pod_problem(ty: &syn::Type, text: &str) -> Option<String> {
    match ty {
        syn::Type::Reference(_) | syn::Type::Ptr(_) => {
            Some(format!("has type `{text}`; events are plain data and cannot hold references or pointers"))
        }
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => {
            Some("has type `()`, which has no data; remove the field".to_owned())
        }
        syn::Type::Tuple(_) => Some(format!("has tuple type `{text}`, which may contain padding; use separate fields")),
        syn::Type::Array(array) => {
            if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len {
                if len.base10_parse::<u64>().ok() == Some(0) {
                    return Some(format!("has type `{text}`, which has zero size; remove the field"));
                }
            }
            pod_problem(&array.elem, text)
        }
        syn::Type::Paren(inner) => pod_problem(&inner.elem, text),
        syn::Type::Group(inner) => pod_problem(&inner.elem, text),
        syn::Type::Path(path) => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            const NOT_POD: &[&str] = &[
                "String", "Vec", "Box", "Option", "Rc", "Arc", "HashMap", "BTreeMap", "HashSet", "str", "bool", "char",
                "Cell", "RefCell", "PathBuf", "Duration", "Instant",
            ];
            if NOT_POD.contains(&name.as_str()) {
                Some(format!("has non-Pod type `{text}`; use plain integers, floats, or fixed-size arrays of them"))
            } else if !last.arguments.is_none() {
                Some(format!("has generic type `{text}`; event fields are plain, fixed-size data"))
            } else {
                None
            }
        }
        _ => Some(format!(
            "has type `{text}`, which is not plain data; use integers, floats, or fixed-size arrays of them"
        )),
    }
}

/// Stages connected by backpressure topics must not form a cycle: each could wait for
/// room the other must make.
fn check_cycles(topology: &Topology, topics: &[plan::Topic], subscribers: &[plan::Subscriber], d: &mut Diagnostics) {
    // Edge s → r: stage s publishes to a backpressure topic that subscriber r reads.
    let edges = |s: usize| -> Vec<(usize, usize)> {
        subscribers[s]
            .publishes
            .iter()
            .filter(|&&t| topics[t].overflow == Overflow::Backpressure)
            .flat_map(|&t| topics[t].subscribers.iter().map(move |&r| (t, r)))
            .collect()
    };
    let mut reported = false;
    for start in 0..subscribers.len() {
        // Depth-first search for a path back to `start`.
        let mut stack: Vec<(usize, Vec<(usize, usize)>)> = vec![(start, Vec::new())];
        let mut visited = vec![false; subscribers.len()];
        while let Some((node, path)) = stack.pop() {
            for (topic, next) in edges(node) {
                let mut path = path.clone();
                path.push((topic, next));
                if next == start && !reported {
                    let route: Vec<String> = std::iter::once(format!("`{}`", subscribers[start].name))
                        .chain(path.iter().map(|&(t, r)| format!("→ [{}] → `{}`", topics[t].name, subscribers[r].name)))
                        .collect();
                    let decl = &topology.subscribers[start];
                    let loc = decl
                        .publishes
                        .iter()
                        .find(|p| snake(&p.text) == topics[path[0].0].name)
                        .map_or_else(|| decl.name.loc.clone(), |p| p.loc.clone());
                    d.error(
                        &loc,
                        format!(
                            "stages form a cycle through backpressure topics ({}), which can deadlock once the rings fill; make one of those topics `overflow = \"overwrite\"`",
                            route.join(" ")
                        ),
                    );
                    reported = true;
                } else if !visited[next] {
                    visited[next] = true;
                    stack.push((next, path));
                }
            }
        }
    }
}

/// `node` with every token at `span`, if given (TOML-written types, whose tokens were parsed
/// from strings); Rust-form tokens keep their own spans.
fn respan<T: syn::parse::Parse + quote::ToTokens + Clone>(node: &T, span: Option<Span>) -> T {
    let Some(span) = span else {
        return node.clone();
    };
    fn walk(tokens: proc_macro2::TokenStream, span: Span) -> proc_macro2::TokenStream {
        tokens
            .into_iter()
            .map(|mut tree| {
                if let proc_macro2::TokenTree::Group(group) = &tree {
                    let mut inner = proc_macro2::Group::new(group.delimiter(), walk(group.stream(), span));
                    inner.set_span(span);
                    tree = proc_macro2::TokenTree::Group(inner);
                } else {
                    tree.set_span(span);
                }
                tree
            })
            .collect()
    }
    // Re-parsing a node's own tokens cannot fail; if it somehow did, the original spans do.
    syn::parse2(walk(node.to_token_stream(), span)).unwrap_or_else(|_| node.clone())
}
