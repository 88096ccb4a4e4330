//! The summary: medians from criterion's files, and the latency percentiles.

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    /// Median time per criterion iteration, as measured.
    NsPerOp,
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

pub(crate) fn summary(rounds: &[Rounds], latencies: &[Latency]) -> String {
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
        };
        let ours = all.iter().find(|(name, _)| name == "hardwire" || name == "hardwire-inline");
        let peer = all.iter().find(|(name, _)| !name.starts_with("hardwire"));
        let ratio = match (ours, peer) {
            (Some(ours), Some(peer)) => match unit {
                Unit::NsPerOp => format!("{:.2}× the time", ours.1 / peer.1),
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
    for group in rounds {
        let mut medians: Vec<(&str, f64, f64, f64)> = group
            .rates
            .iter()
            .map(|(name, rates)| {
                let mut sorted = rates.clone();
                sorted.sort_by(f64::total_cmp);
                (*name, sorted[sorted.len() / 2], sorted[0], sorted[sorted.len() - 1])
            })
            .collect();
        // Faster first: the highest rate.
        medians.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ours = medians.iter().find(|m| m.0 == "hardwire");
        let peer = medians.iter().find(|m| m.0 != "hardwire");
        let ratio = match (ours, peer) {
            (Some(ours), Some(peer)) => format!("{:.2}× the rate", ours.1 / peer.1),
            _ => "–".to_owned(),
        };
        let every = medians
            .iter()
            .map(|(name, median, low, high)| format!("{name} {median:.1} ({low:.0}–{high:.0}) M msg/s"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ratio} | {every} |",
            group.group,
            ours.map_or("–".to_owned(), |o| format!("{:.1} M msg/s", o.1)),
            peer.map_or("–".to_owned(), |p| format!("{} {:.1} M msg/s", p.0, p.1)),
        );
    }
    let _ = writeln!(
        out,
        "\nThe cross-thread rows are medians of {ROUNDS} interleaved rounds (every contender once per round), \
         with the lowest and highest round in brackets. Each round's floor round trip (p50, ns), \
         which shows the placement of the two threads that round:\n"
    );
    let _ = writeln!(out, "| group | {} |", (1..=ROUNDS).map(|r| format!("round {r}")).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(ROUNDS));
    for group in rounds {
        let floors = group.floor_p50.iter().map(u64::to_string).collect::<Vec<_>>().join(" | ");
        let _ = writeln!(out, "| {} | {floors} |", group.group);
    }
    let _ = writeln!(
        out,
        "\nRound trip across two threads (ns; {ROUNDS} interleaved rounds of {} round trips per contender, \
         each after {WARM_UP} warm-up; p99 and p99.9 over all rounds):\n",
        ROUND_TRIPS / ROUNDS
    );
    let _ = writeln!(out, "| contender | p50 per round | p50 (median round) | p99 | p99.9 |\n|---|---|---|---|---|");
    for l in latencies {
        let mut sorted = l.p50_per_round.clone();
        sorted.sort_unstable();
        let per_round = l.p50_per_round.iter().map(u64::to_string).collect::<Vec<_>>().join(" / ");
        let _ = writeln!(
            out,
            "| {} | {per_round} | {} | {} | {} |",
            l.name,
            sorted[sorted.len() / 2],
            l.all.p99,
            l.all.p999
        );
    }
    out
}
