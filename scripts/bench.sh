#!/usr/bin/env bash
# The whole side-by-side comparison (benches/peers/) in one run: hardwire beside
# photon-ring, disruptor, crossbeam-channel, std's sync_channel, bus, rtrb and registry-io,
# and beside the hardware floor. Prints the Markdown summary (also written to
# benches/target/hardwire-bench/summary.md) that the README's performance section quotes.
# The benchmarks are a package of their own (benches/Cargo.toml), so their peers are built
# only here, never by the tests or the demo.
# About 6 minutes on 2 cores; run it on an otherwise idle machine.
# Extra arguments go to criterion, e.g. `scripts/bench.sh dispatch` runs matching groups only.
set -euo pipefail
cd "$(dirname "$0")/.."
HARDWIRE_BENCH_DATE="$(date -u +%F)" cargo bench --manifest-path benches/Cargo.toml --bench peers -- "$@" 2>&1 | grep -v -E '^(Benchmarking|Warning|Found|  [0-9]+ \(|Gnuplot)' >&2
echo
cat benches/target/hardwire-bench/summary.md
