//! hardwire beside the crates its users would pick instead, and beside the hardware floor,
//! in one run. `scripts/bench.sh` runs it and prints the Markdown table the README quotes.
//!
//! ```text
//! scripts/bench.sh            # the whole comparison, ~6 minutes on 2 cores
//! cargo bench --manifest-path benches/Cargo.toml --bench peers   # the same, at criterion's default sample sizes
//! ```
//!
//! Every scenario is a criterion group whose functions are the contenders, all doing the
//! same work per message (a `black_box` of the payload). Peers: photon-ring 3.0 (default
//! features), disruptor 4, crossbeam-channel (bounded), `std::sync::mpsc::sync_channel`,
//! bus 2, rtrb 0.4 (SPSC), registry-io 1.1, and across processes iceoryx2 0.7 (feature
//! `iceoryx2`, `iceoryx.rs`). References: `floor` (direct static calls; a
//! two-thread ping-pong on two `AtomicU64`) and `vec-box-dyn-fn` (`Vec<Box<dyn Fn>>`).
//! Peers that do not offer a scenario (a channel has no fan-out; a disruptor consumer
//! cannot run on the publishing thread) are left out of it.
//!
//! After the criterion groups, the cross-thread throughputs and the round-trip latencies are
//! measured directly, every contender once per round in interleaved rounds (criterion runs
//! one contender's samples back to back, and on a 2-core VM the threads' placement changes
//! between contenders; it also reports central estimates, not tails). The summary is
//! printed from criterion's `estimates.json` files and those rounds, and written to
//! `benches/target/hardwire-bench/summary.md`.

#![allow(missing_docs)] // generated bus items in a bench binary

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use disruptor::{BusySpin, Producer as _};
use hardwire::{Backpressure, MultiPublisher, Overwrite, Publisher, Registry, Ring, Subscriber, WaitStrategy};

mod cross_thread;
mod fixtures;
#[cfg(feature = "iceoryx2")]
mod iceoryx;
mod latency;
mod processes;
mod report;
mod single;

use cross_thread::*;
use fixtures::*;
#[cfg(feature = "iceoryx2")]
use iceoryx::*;
use latency::*;
use processes::*;
use report::*;
use single::*;

/// A scenario: the function that measures it, and the criterion groups it writes, each with
/// how the summary shows its median.
struct Scenario {
    run: fn(&mut Criterion),
    groups: &'static [(&'static str, Unit)],
}

/// Every scenario, in the summary's order: one list, so what is measured and what the summary
/// reports cannot drift apart.
const SCENARIOS: &[Scenario] = &[
    Scenario { run: publish_only, groups: &[("publish_only", Unit::NsPerOp)] },
    Scenario { run: publish_recv, groups: &[("publish_recv", Unit::NsPerOp)] },
    Scenario { run: fan_out_4, groups: &[("fan_out_4", Unit::NsPerOp)] },
    Scenario { run: batch_64, groups: &[("batch_64", Unit::NsPerOp)] },
    Scenario {
        run: dispatch,
        groups: &[
            ("dispatch_1", Unit::NsPerOp),
            ("dispatch_4", Unit::NsPerOp),
            ("dispatch_16", Unit::NsPerOp),
            ("dispatch_64", Unit::NsPerOp),
        ],
    },
    Scenario {
        run: payload_scaling,
        groups: &[
            ("payload_8B", Unit::NsPerOp),
            ("payload_24B", Unit::NsPerOp),
            ("payload_64B", Unit::NsPerOp),
            ("payload_256B", Unit::NsPerOp),
            ("payload_1024B", Unit::NsPerOp),
        ],
    },
    Scenario {
        run: payload_lossless,
        groups: &[
            ("lossless_8B", Unit::NsPerOp),
            ("lossless_24B", Unit::NsPerOp),
            ("lossless_64B", Unit::NsPerOp),
            ("lossless_256B", Unit::NsPerOp),
            ("lossless_1024B", Unit::NsPerOp),
        ],
    },
    Scenario { run: three_events, groups: &[("three_events", Unit::NsPerOp)] },
];

fn main() {
    if child_main() {
        return; // this process was the cross-process contenders' other side
    }
    #[cfg(feature = "iceoryx2")]
    if iceoryx2_child_main() {
        return; // the iceoryx2 contenders' other side
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    for scenario in SCENARIOS {
        (scenario.run)(&mut criterion);
    }
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each benchmark once and
    // passes nothing: then each cross-thread contender runs once, as a check, and no tables.
    if !std::env::args().any(|arg| arg == "--bench") {
        for &(_, run) in ONE_TO_ONE.iter().chain(MPMC_2TO1) {
            run();
        }
        stop_children();
        return;
    }
    let rounds = [interleaved("cross_thread_1to1", ONE_TO_ONE), interleaved("cross_thread_mpmc_2to1", MPMC_2TO1)];
    let latencies = latency();
    stop_children();
    let table = summary(&rounds, &latencies);
    println!("\n{table}");
    let dir = criterion_dir().with_file_name("hardwire-bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("summary.md"), &table);
    }
}

/// Ends the cross-process contenders' child processes.
fn stop_children() {
    stop_child();
    #[cfg(feature = "iceoryx2")]
    stop_iceoryx2_child();
}
