//! `hardwire footprint`: the bytes each topic's ring takes and the bus's total, computed
//! as the compiler lays them out (`Bus::MEMORY_BYTES`; a test compares the two).

use std::fmt::Write;

use hardwire_codegen::plan::Plan;
use hardwire_runtime::{ring_memory_bytes, slot_words};

/// One row per topic, then the handle flags, the tap pointers and the total.
#[must_use]
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let width = plan.topics.iter().map(|t| t.name.len()).max().unwrap_or(0).max("handle flags".len());
    let mut row = |cells: [&str; 6]| {
        let [name, slots, payload, slot, subscribers, bytes] = cells;
        let _ = writeln!(out, "{name:<width$}  {slots:>8}  {payload:>8}  {slot:>6}  {subscribers:>11}  {bytes:>12}");
    };
    row(["topic", "slots", "payload", "slot", "subscribers", "bytes"]);
    let mut total = Some(0usize);
    let mut unknown = Vec::new();
    let mut any_ring = false;
    for (t, topic) in plan.topics.iter().enumerate() {
        let subscribers = topic.subscribers.len().to_string();
        let Some(ring) = topic.ring() else {
            row([&topic.name, "inline", "-", "-", &subscribers, "0"]);
            continue;
        };
        any_ring = true;
        let capacity = ring.capacity;
        match plan.wire_size(t) {
            Some(payload) => {
                let bytes = ring_memory_bytes(payload, capacity, topic.subscribers.len().max(1));
                total = total.map(|sum| sum + bytes);
                let slot = 8 + 8 * slot_words(payload);
                let cells = [capacity.to_string(), format!("{payload} B"), format!("{slot} B"), grouped(bytes)];
                row([&topic.name, &cells[0], &cells[1], &cells[2], &subscribers, &cells[3]]);
            }
            None => {
                total = None;
                let sizeless = topic.events.iter().filter(|&&e| plan.event_size(e).is_none());
                unknown.extend(sizeless.map(|&e| plan.events[e].name.clone()));
                row([&topic.name, &capacity.to_string(), "?", "?", &subscribers, "?"]);
            }
        }
    }
    // After the rings: a flag byte per subscriber handle and a pointer per topic's taps.
    let handles = plan.handle_count() * size_of::<hardwire_runtime::__private::Once>();
    let taps = plan.topics.len() * size_of::<hardwire_runtime::Taps<u8>>();
    row(["handle flags", "", "", "", "", &grouped(handles)]);
    row(["tap pointers", "", "", "", "", &grouped(taps)]);
    match total {
        Some(rings) => {
            // The rings are 128-byte aligned, so the bus rounds up to a multiple of 128.
            let rest = handles + taps;
            let bus = if any_ring { (rings + rest).next_multiple_of(128) } else { rest };
            let _ = writeln!(out, "total (Bus::MEMORY_BYTES): {} bytes ({})", grouped(bus), human(bus));
        }
        None => {
            unknown.sort();
            unknown.dedup();
            let _ = writeln!(
                out,
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
