#!/usr/bin/env bash
# What a generated bus costs a user's build: for topologies of 10, 100 and 500 events,
# topics and subscribers (each topic a ring carrying one event, read by one subscriber),
# the time of `cargo check` (macro expansion + type checking) and of `cargo build` (plus
# code generation) of a one-file crate, with the dependencies already built. Prints a
# Markdown table. Usage: scripts/compile-cost.sh [SIZES...]   (default: 10 100 500)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/compile-cost"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10 100 500)
mkdir -p "$work/src"

cat > "$work/Cargo.toml" <<TOML
[package]
name = "compile-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
hardwire = { path = "$root" }

[workspace]
TOML

cat > "$work/src/main.rs" <<'RS'
#[hardwire::bus(topology = "topology.toml")]
pub mod generated {}

fn main() {
    let bus = generated::Bus::new_boxed();
    println!("{}", bus.stats());
}
RS

topology() {
  local n=$1
  for ((i = 0; i < n; i++)); do
    printf '[events.E%d]\nfields = ["ts: u64", "value: f64", "id: u32", "flags: u32"]\n\n' "$i"
  done
  for ((i = 0; i < n; i++)); do
    printf '[topics.t%d]\nevents = ["E%d"]\ncapacity = 64\n\n' "$i" "$i"
  done
  for ((i = 0; i < n; i++)); do
    printf '[subscribers.s%d]\ntopics = ["t%d"]\n\n' "$i" "$i"
  done
}

seconds() { # runs "$@" in the crate, prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  (cd "$work" && "$@" >/dev/null 2>&1)
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

# Build the dependencies once, outside the measurement.
topology 1 > "$work/topology.toml"
(cd "$work" && cargo build -q && cargo check -q)

echo "| events / topics / subscribers | generated lines | cargo check | cargo build (debug) |"
echo "|---|---|---|---|"
for n in "${sizes[@]}"; do
  topology "$n" > "$work/topology.toml"
  touch "$work/src/main.rs"
  check=$(seconds cargo check -q)
  touch "$work/src/main.rs"
  build=$(seconds cargo build -q)
  lines=$(cargo run -q --manifest-path "$root/Cargo.toml" -p hardwire-cli -- expand "$work/topology.toml" 2>/dev/null | wc -l)
  echo "| $n | $lines | ${check} s | ${build} s |"
done
