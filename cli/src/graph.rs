//! `hardwire graph`: producers → topics → subscribers, as Graphviz `dot` or Mermaid.
//!
//! Topics are boxes labelled with their delivery, capacity, overflow mode and producers;
//! subscribers are ellipses (stages, which also publish, are drawn doubled). A topic the
//! program's own threads may publish to (no stage publishes there, or it has many producers)
//! gets a "publisher" node standing for them. An
//! edge to a subscriber that takes only some of a topic's events is labelled with them.

use std::fmt::Write;

use clap::ValueEnum;
use hardwire_codegen::model::{Choice, Overflow, Producers};
use hardwire_codegen::plan::{Delivery, Plan, Topic};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphviz: `hardwire graph f.toml | dot -Tsvg > f.svg`.
    Dot,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
}

/// The graph of `plan` in `format`.
#[must_use]
pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Dot => dot(plan),
        Format::Mermaid => mermaid(plan),
    }
}

/// What a topic box says, one item per line.
fn topic_lines(plan: &Plan, topic: &Topic) -> Vec<String> {
    let settings = match &topic.delivery {
        Delivery::Inline => "inline: direct calls".to_owned(),
        Delivery::Ring(ring) => {
            format!(
                "ring of {} · {} ({}) · {}",
                ring.capacity,
                ring.overflow.spelling(),
                if ring.overflow == Overflow::Overwrite { "lossy" } else { "lossless" },
                match ring.producers {
                    Producers::Single => "1 producer",
                    Producers::Multi => "many producers",
                }
            ) + if ring.shared { " · shared memory" } else { "" }
                + &ring
                    .bridge
                    .as_ref()
                    .map(|bridge| format!(" · bridged: {}", bridge.engine.spelling()))
                    .unwrap_or_default()
        }
    };
    let carried = match topic.bytes {
        Some(size) => format!("bytes, size {size:?} (up to {} B)", size.capacity()),
        None => topic.events.iter().map(|&e| plan.events[e].name.as_str()).collect::<Vec<_>>().join(", "),
    };
    vec![topic.name.clone(), settings, carried]
}

/// The events on the edge from topic `t` to subscriber `s`, if it takes only some.
fn edge_label(plan: &Plan, t: usize, s: usize) -> Option<String> {
    let subscription = plan.subscribers[s].subscriptions.iter().find(|sub| sub.topic == t)?;
    (subscription.events.len() < plan.topics[t].events.len())
        .then(|| subscription.events.iter().map(|&e| plan.events[e].name.as_str()).collect::<Vec<_>>().join(", "))
}

/// Topics the program's own threads may publish to: those no stage publishes to, and
/// multi-producer ones whatever stages publish there too (a single-producer topic's one
/// publisher belongs to its stage).
fn external_producers(plan: &Plan) -> impl Iterator<Item = usize> + '_ {
    (0..plan.topics.len()).filter(|&t| {
        let topic = &plan.topics[t];
        topic.stages.is_empty() || topic.ring().is_some_and(|ring| ring.producers == Producers::Multi)
    })
}

fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(plan: &Plan) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "digraph topology {{");
    let _ = writeln!(w, "    rankdir=LR;");
    let _ = writeln!(w, "    node [fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(w, "    edge [fontname=\"Helvetica\", fontsize=10];");
    for t in external_producers(plan) {
        let _ = writeln!(w, "    p_{t} [label=\"publisher\", shape=plaintext];");
    }
    for (t, topic) in plan.topics.iter().enumerate() {
        let fill = match topic.ring().map(|ring| ring.overflow) {
            None => "#fff4d6",
            Some(Overflow::Overwrite) => "#e6f0ff",
            Some(Overflow::Backpressure) => "#e3f5e1",
        };
        let label = topic_lines(plan, topic).join("\n");
        let _ = writeln!(
            w,
            "    t_{t} [label={}, shape=box, style=\"rounded,filled\", fillcolor=\"{fill}\"];",
            dot_quote(&label)
        );
    }
    for (s, subscriber) in plan.subscribers.iter().enumerate() {
        let peripheries = if subscriber.publishes.is_empty() { 1 } else { 2 };
        let _ =
            writeln!(w, "    s_{s} [label={}, shape=ellipse, peripheries={peripheries}];", dot_quote(&subscriber.name));
    }
    for t in external_producers(plan) {
        let _ = writeln!(w, "    p_{t} -> t_{t};");
    }
    for (s, subscriber) in plan.subscribers.iter().enumerate() {
        for &t in &subscriber.publishes {
            let _ = writeln!(w, "    s_{s} -> t_{t} [style=bold];");
        }
    }
    for (t, topic) in plan.topics.iter().enumerate() {
        for &s in &topic.subscribers {
            match edge_label(plan, t, s) {
                Some(label) => {
                    let _ = writeln!(w, "    t_{t} -> s_{s} [label={}];", dot_quote(&label));
                }
                None => {
                    let _ = writeln!(w, "    t_{t} -> s_{s};");
                }
            }
        }
    }
    let _ = writeln!(w, "}}");
    out
}

/// Mermaid labels are quoted; `"` cannot appear inside, `#quot;` stands for it.
fn mermaid_quote(lines: &[String]) -> String {
    format!("\"{}\"", lines.iter().map(|l| l.replace('"', "#quot;")).collect::<Vec<_>>().join("<br/>"))
}

fn mermaid(plan: &Plan) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "flowchart LR");
    for t in external_producers(plan) {
        let _ = writeln!(w, "    p_{t}>publisher]");
    }
    for (t, topic) in plan.topics.iter().enumerate() {
        let _ = writeln!(w, "    t_{t}[{}]", mermaid_quote(&topic_lines(plan, topic)));
    }
    for (s, subscriber) in plan.subscribers.iter().enumerate() {
        let label = mermaid_quote(std::slice::from_ref(&subscriber.name));
        if subscriber.publishes.is_empty() {
            let _ = writeln!(w, "    s_{s}([{label}])");
        } else {
            let _ = writeln!(w, "    s_{s}[[{label}]]");
        }
    }
    for t in external_producers(plan) {
        let _ = writeln!(w, "    p_{t} --> t_{t}");
    }
    for (s, subscriber) in plan.subscribers.iter().enumerate() {
        for &t in &subscriber.publishes {
            let _ = writeln!(w, "    s_{s} ==> t_{t}");
        }
    }
    for (t, topic) in plan.topics.iter().enumerate() {
        for &s in &topic.subscribers {
            match edge_label(plan, t, s) {
                Some(label) => {
                    let _ = writeln!(w, "    t_{t} -- {} --> s_{s}", mermaid_quote(&[label]));
                }
                None => {
                    let _ = writeln!(w, "    t_{t} --> s_{s}");
                }
            }
        }
    }
    out
}
