//! Topics: the events each carries (`topic_events`), its payload (`payload`) and its
//! settings (`topic_settings`).

use std::collections::HashMap;

use proc_macro2::Span;

use super::{MAX_CAPACITY, ident};
use crate::diag::{Diagnostic, Diagnostics, TomlFile};
use crate::model::{
    Bridge, Choice, Delivery, Key, Overflow, Payload, Producers, Scope, Setting, Size, TopicDecl, Topology,
};
use crate::names::{snake, suggestion, upper_camel};
use crate::plan;

/// Resolves every topic; a byte topic's payload becomes an event of its own, appended to
/// `events`.
pub(super) fn resolve(
    topology: &Topology,
    events: &mut Vec<plan::Event>,
    event_index: &HashMap<&str, usize>,
    file: Option<&TomlFile>,
    d: &mut Diagnostics,
) -> Vec<plan::Topic> {
    let mut topics: Vec<plan::Topic> = Vec::with_capacity(topology.topics.len());
    for topic in &topology.topics {
        let mut carried = Vec::new();
        let bytes = payload(topic, topology, d);
        if let Some(size) = bytes {
            carried.push(events.len());
            events.push(bytes_event(&topic.name.text, size));
        } else if topic.payload.value == Payload::Bytes || topic.malformed.contains(&Key::Payload) {
            // Reported by `check_payload`, or where the bad `payload` was written.
        } else if topic.events.is_empty() && !topic.malformed.contains(&Key::Events) {
            d.error(
                &topic.events_loc,
                format!("topic `{}` carries no events; list them: `events = [\"EventName\", ..]`", topic.name.text),
            );
        }
        topic_events(topology, topic, event_index, &mut carried, d);
        let capacity = topic_settings(topic, d);
        let delivery = match topic.delivery.value {
            Delivery::Inline => plan::Delivery::Inline,
            Delivery::Ring => plan::Delivery::Ring(plan::RingPlan {
                capacity: usize::try_from(capacity).unwrap_or(usize::MAX),
                shared: topic.scope.value == Scope::Shared,
                bridge: topic.bridge.as_ref().and_then(|bridge| bridge_plan(topology, &topic.name.text, bridge, d)),
                overflow: topic.overflow.value,
                producers: topic.producers.value,
                // Decided once the subscribers are known (`Plan::assign_places`).
                reserved: 0,
                records: Vec::new(),
                capacity_prefix: match (&topic.capacity, file) {
                    (Some(setting), Some(file)) => {
                        Diagnostic { loc: setting.loc.clone(), message: String::new() }.render(Some(file))
                    }
                    _ => String::new(),
                },
            }),
        };
        topics.push(plan::Topic {
            name: snake(&topic.name.text),
            snake: ident(&snake(&topic.name.text)),
            camel: ident(&upper_camel(&topic.name.text)),
            docs: topic.docs.clone(),
            events: carried,
            delivery,
            bytes,
            subscribers: Vec::new(),
            stages: Vec::new(),
        });
    }
    topics
}

/// Rule `topic_events`: every event a topic lists is declared, and listed once.
fn topic_events(
    topology: &Topology,
    topic: &TopicDecl,
    event_index: &HashMap<&str, usize>,
    carried: &mut Vec<usize>,
    d: &mut Diagnostics,
) {
    let listed = if topic.payload.value == Payload::Bytes { &[][..] } else { &topic.events[..] };
    for event in listed {
        match event_index.get(event.text.as_str()) {
            Some(&i) if carried.contains(&i) => {
                d.error(&event.loc, format!("event `{}` is listed twice in topic `{}`", event.text, topic.name.text));
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
}

/// "; did you mean `X`?", or a hint to declare it.
fn or_declare(suggestion: String, name: &str) -> String {
    if suggestion.is_empty() {
        format!("; declare it with `[events.{name}]` (TOML) or name its type in a topic (Rust)")
    } else {
        suggestion
    }
}

/// Rule `payload`: `payload` and `size` agree; the size class of a well-formed byte topic.
fn payload(topic: &TopicDecl, topology: &Topology, d: &mut Diagnostics) -> Option<Size> {
    let name = &topic.name.text;
    if topic.malformed.contains(&Key::Payload) {
        return None; // reported where written
    }
    let size = if topic.malformed.contains(&Key::Size) { &None } else { &topic.size };
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
                None if topic.malformed.contains(&Key::Size) => None, // reported where written
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

/// Rule `topic_settings`: capacity, overflow, producers and delivery are usable together;
/// returns the capacity (0 for inline topics).
fn topic_settings(topic: &TopicDecl, d: &mut Diagnostics) -> u64 {
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
            if topic.scope.value == Scope::Shared {
                d.error(
                    &topic.scope.loc,
                    format!("topic `{name}`: `scope = \"shared\"` needs a ring (`delivery = \"ring\"`): an inline topic calls its handlers on the publishing thread, so there is nothing to share between processes"),
                );
            }
            if let Some(bridge) = &topic.bridge {
                d.error(
                    &bridge.loc,
                    format!("topic `{name}`: `bridge = \"{}\"` needs a ring (`delivery = \"ring\"`): the bridge drains the topic's ring on its own task, and an inline topic has none", bridge.value.spelling()),
                );
            }
            0
        }
        Delivery::Ring => match &topic.capacity {
            None if topic.malformed.contains(&Key::Capacity) => 0, // reported where written
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

/// A bridged topic's engine and address: the engine must be declared with a `url` of one
/// of its schemes.
fn bridge_plan(
    topology: &Topology,
    topic: &str,
    bridge: &Setting<Bridge>,
    d: &mut Diagnostics,
) -> Option<plan::BridgePlan> {
    let engine = bridge.value;
    let spelled = engine.spelling();
    let Some(declared) = topology.bridges.iter().find(|declared| declared.engine.value == engine) else {
        d.error(
            &bridge.loc,
            format!("topic `{topic}` is bridged through `{spelled}`, which is not declared; add `[bridges.{spelled}] url = \"{}\"` (TOML) or `#[hardwire::bus({spelled} = \"..\")]` (Rust)", engine.example_url()),
        );
        return None;
    };
    // A missing or malformed url was reported where the engine was declared.
    let url = declared.url.as_ref()?;
    let scheme = url.value.split_once("://").map(|(scheme, _)| scheme);
    if !scheme.is_some_and(|scheme| engine.schemes().contains(&scheme)) {
        let schemes = engine.schemes().iter().map(|s| format!("`{s}://`")).collect::<Vec<_>>().join(", ");
        d.error(
            &url.loc,
            format!(
                "`{}` is no {spelled} address: it must start with one of {schemes}, as in `{}`",
                url.value,
                engine.example_url()
            ),
        );
        return None;
    }
    Some(plan::BridgePlan { engine, url: url.value.clone() })
}
