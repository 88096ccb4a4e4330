//! The rules over a whole topology that are not about one declaration: the shared
//! namespace, handler method names, the stages' producers and cycles, and the segment's
//! mode.

use std::collections::HashMap;

use proc_macro2::Span;

use super::{RESERVED_METHODS, RESERVED_TYPES};
use crate::diag::{Diagnostics, Loc};
use crate::model::{Name, Overflow, Producers, Topology};
use crate::names::{snake, upper_camel};
use crate::plan;

/// Rule `namespace`: names of generated items must not collide: enums, events, topics and
/// subscribers share one namespace, and each generates items whose names differ only by case conversion.
pub(super) fn namespace(topology: &Topology, d: &mut Diagnostics) {
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

/// Rule `generated_names`: the snake and camel names a topic or subscriber generates must be
/// usable.
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

/// Rule `handler_methods`: two events may not map to the same `on_<event>` handler method.
pub(super) fn handler_methods(topology: &Topology, d: &mut Diagnostics) {
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

/// Rule `single_producer_stages`: at most one stage publishes to a single-producer topic.
pub(super) fn single_producer_stages(
    topology: &Topology,
    topics: &[plan::Topic],
    subscribers: &[plan::Subscriber],
    d: &mut Diagnostics,
) {
    for topic in topics {
        let single = topic.ring().is_some_and(|ring| ring.producers == Producers::Single);
        if single && topic.stages.len() > 1 {
            let t =
                topology.topics.iter().find(|decl| decl.name.text == topic.name).map(|decl| decl.producers.loc.clone());
            d.error(
                &t.unwrap_or(Loc::Rust(Span::call_site())),
                format!(
                    "topic `{}` has a single producer but stages {} all publish to it; set `producers = \"multi\"`",
                    topic.name,
                    subscribers_named(&topic.stages, subscribers)
                ),
            );
        }
    }
}

fn subscribers_named(indices: &[usize], subscribers: &[plan::Subscriber]) -> String {
    indices.iter().map(|&i| format!("`{}`", subscribers[i].name)).collect::<Vec<_>>().join(", ")
}

/// Rule `cycles`: stages connected by backpressure topics must not form a cycle: each could wait for
/// room the other must make.
pub(super) fn cycles(
    topology: &Topology,
    topics: &[plan::Topic],
    subscribers: &[plan::Subscriber],
    d: &mut Diagnostics,
) {
    // Edge s → r: stage s publishes to a backpressure topic that subscriber r reads.
    let edges = |s: usize| -> Vec<(usize, usize)> {
        subscribers[s]
            .publishes
            .iter()
            .filter(|&&t| topics[t].ring().is_some_and(|ring| ring.overflow == Overflow::Backpressure))
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

/// Rule `segment_mode`: the permission bits a shared-memory segment is created with, if the
/// topology sets them, let its owner read and write it and widen it at most to the owner's
/// group (`0o640`, `0o660`); other users' access is for the open call to grant
/// (`OpenOptions::mode`), not for a topology compiled into every binary. Setting it on a
/// bus without shared topics is a mistake too: there is no segment.
pub(super) fn segment_mode(topology: &Topology, topics: &[plan::Topic], d: &mut Diagnostics) -> Option<u32> {
    let mode = topology.segment_mode.as_ref()?;
    let bits = mode.value;
    let shown = format!("0o{bits:03o}");
    if !(0..=0o777).contains(&bits) {
        let octal = if bits < 0 { String::new() } else { format!(" ({shown} in octal)") };
        d.error(
            &mode.loc,
            format!("segment mode {bits}{octal} is not a permission mode; write it in octal: `0o600` (the default), `0o640` or `0o660`"),
        );
        return None;
    }
    if bits & 0o600 != 0o600 {
        d.error(
            &mode.loc,
            format!("segment mode {shown} must let its owner read and write it (`0o600`), or the creating process could not use it; write `0o600`, `0o640` or `0o660`"),
        );
        return None;
    }
    if bits & !0o660 != 0 {
        d.error(
            &mode.loc,
            format!("segment mode {shown} gives access beyond the owner's group (or execute bits, which a segment has no use for); a topology widens it to the group at most (`0o640`: the group reads, as `hardwire stats` does; `0o660`: the group also publishes and subscribes). Grant other users access at run time, if it is really meant: `SharedBus::open_with(name, OpenOptions::new().mode(..))`"),
        );
        return None;
    }
    if !topics.iter().any(|topic| topic.ring().is_some_and(|ring| ring.shared)) {
        d.error(
            &mode.loc,
            "a segment mode is set, but no topic has `scope = \"shared\"`: this bus has no shared-memory segment; declare a shared topic or remove the mode",
        );
        return None;
    }
    u32::try_from(bits).ok()
}
