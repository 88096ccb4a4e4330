//! The summary: medians from criterion's files, and the latency percentiles.

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    /// Median time per criterion iteration, as measured.
    NsPerOp,
    /// `MESSAGES` per iteration, shown as millions of messages per second.
    MessagesPerSecond,
}

/// Medians of every contender of `group`: `(contender, nanoseconds per iteration)`.
pub(crate) fn medians(root: &std::path::Path, group: &str) -> Vec<(String, f64)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(group)) else { return found };
    for entry in entries.flatten() {
        let estimates = entry.path().join("new").join("estimates.json");
        let Ok(text) = std::fs::read_to_string(&estimates) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if let Some(median) = json["median"]["point_estimate"].as_f64() {
            found.push((entry.file_name().to_string_lossy().into_owned(), median));
        }
    }
    found
}

pub(crate) fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), std::path::PathBuf::from);
    target.join("criterion")
}

pub(crate) fn summary(latencies: &[Percentiles]) -> String {
    use std::fmt::Write;
    let root = criterion_dir();
    let mut out = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = thread::available_parallelism().map_or(0, usize::from);
    let date = std::env::var("HARDWIRE_BENCH_DATE").map_or_else(|_| String::new(), |date| format!("{date}, "));
    let _ = writeln!(out, "{date}{cpu}, {cores} cores. Medians of one run of `scripts/bench.sh`.\n");
    let _ = writeln!(out, "| scenario | hardwire | best peer | hardwire / best peer | every contender |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for &(group, unit) in SCENARIOS.iter().flat_map(|scenario| scenario.groups) {
        let mut all = medians(&root, group);
        if all.is_empty() {
            continue;
        }
        // Faster first: least time per iteration.
        all.sort_by(|a, b| a.1.total_cmp(&b.1));
        let show = |ns: f64| match unit {
            Unit::NsPerOp => format!("{ns:.1} ns"),
            Unit::MessagesPerSecond => format!("{:.1} M msg/s", MESSAGES as f64 / ns * 1e3),
        };
        let ours = all.iter().find(|(name, _)| name == "hardwire" || name == "hardwire-inline");
        let peer = all.iter().find(|(name, _)| !name.starts_with("hardwire"));
        let ratio = match (ours, peer) {
            (Some(ours), Some(peer)) => match unit {
                Unit::NsPerOp => format!("{:.2}× the time", ours.1 / peer.1),
                Unit::MessagesPerSecond => format!("{:.2}× the rate", peer.1 / ours.1),
            },
            _ => "–".to_owned(),
        };
        let every = all.iter().map(|(name, ns)| format!("{name} {}", show(*ns))).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            out,
            "| {group} | {} | {} | {ratio} | {every} |",
            ours.map_or("–".to_owned(), |o| show(o.1)),
            peer.map_or("–".to_owned(), |p| format!("{} {}", p.0, show(p.1))),
        );
    }
    let _ = writeln!(out, "\nRound trip across two threads (ns, {ROUND_TRIPS} samples after {WARM_UP} warm-up):\n");
    let _ = writeln!(out, "| contender | p50 | p99 | p99.9 |");
    let _ = writeln!(out, "|---|---|---|---|");
    for l in latencies {
        let _ = writeln!(out, "| {} | {} | {} | {} |", l.name, l.p50, l.p99, l.p999);
    }
    out
}
