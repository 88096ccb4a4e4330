//! `hardwire footprint`: the bytes each topic's ring takes and the bus's total, computed
//! as the compiler lays them out (`Bus::MEMORY_BYTES`; a test compares the two).

use std::fmt::Write;

use hardwire_codegen::model::Delivery;
use hardwire_codegen::plan::Plan;
use hardwire_runtime::{ring_memory_bytes, slot_words};

/// One row per topic, then the handle flags and the total.
#[must_use]
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let w = &mut out;
    let width = plan.topics.iter().map(|t| t.name.len()).max().unwrap_or(0).max("handle flags".len());
    // Handle flags are bytes and tap pointers words: laid out together after the rings.
    let _ = writeln!(
        w,
        "{:<width$}  {:>8}  {:>8}  {:>6}  {:>11}  {:>12}",
        "topic", "slots", "payload", "slot", "subscribers", "bytes"
    );
    let mut total = Some(0usize);
    let mut unknown = Vec::new();
    let mut any_ring = false;
    for (t, topic) in plan.topics.iter().enumerate() {
        let subscribers = topic.subscribers.len();
        if topic.delivery == Delivery::Inline {
            let _ = writeln!(
                w,
                "{:<width$}  {:>8}  {:>8}  {:>6}  {subscribers:>11}  {:>12}",
                topic.name, "inline", "-", "-", 0
            );
            continue;
        }
        any_ring = true;
        let capacity = usize::try_from(topic.capacity).unwrap_or(usize::MAX);
        match plan.wire_size(t) {
            Some(payload) => {
                let bytes = ring_memory_bytes(payload, capacity, subscribers.max(1));
                total = total.map(|sum| sum + bytes);
                let slot = 8 + 8 * slot_words(payload);
                let _ = writeln!(
                    w,
                    "{:<width$}  {capacity:>8}  {:>8}  {:>6}  {subscribers:>11}  {:>12}",
                    topic.name,
                    format!("{payload} B"),
                    format!("{slot} B"),
                    grouped(bytes)
                );
            }
            None => {
                total = None;
                let names: Vec<&str> = topic
                    .events
                    .iter()
                    .filter(|&&e| plan.event_size(e).is_none())
                    .map(|&e| plan.events[e].name.as_str())
                    .collect();
                unknown.extend(names.iter().map(|n| (*n).to_owned()));
                let _ = writeln!(
                    w,
                    "{:<width$}  {capacity:>8}  {:>8}  {:>6}  {subscribers:>11}  {:>12}",
                    topic.name, "?", "?", "?"
                );
            }
        }
    }
    let handles = plan.handle_count() * size_of::<hardwire_runtime::__private::Once>();
    let _ = writeln!(
        w,
        "{:<width$}  {:>8}  {:>8}  {:>6}  {:>11}  {:>12}",
        "handle flags",
        "",
        "",
        "",
        "",
        grouped(handles)
    );
    match total {
        Some(rings) => {
            // The rings are 128-byte aligned, so the bus rounds up to a multiple of 128.
            let bus = if any_ring { (rings + handles).next_multiple_of(128) } else { handles };
            let _ = writeln!(w, "total (Bus::MEMORY_BYTES): {} bytes ({})", grouped(bus), human(bus));
        }
        None => {
            unknown.sort();
            unknown.dedup();
            let _ = writeln!(
                w,
                "total: unknown here: the size of {} (declared with `rust = \"..\"` or with non-primitive fields) is known only to the compiler; read `Bus::MEMORY_BYTES`",
                unknown.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    out
}

/// `1234567` as `1,234,567`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in KiB / MiB / GiB.
fn human(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
