#!/usr/bin/env bash
# Renders each schema example's topology as an SVG beside it (schema-examples/NAME.svg),
# with `hardwire graph` and Graphviz. Installs Graphviz with apt-get when it is missing.
#
#   scripts/graphs.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q graphviz >/dev/null 2>&1) \
      || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1)
  fi
fi
command -v dot >/dev/null 2>&1 || { echo "Graphviz (dot) is needed: install it and rerun" >&2; exit 1; }

cargo build -q -p hardwire-cli
for toml in schema-examples/*.toml; do
  svg="${toml%.toml}.svg"
  target/debug/hardwire graph "$toml" | dot -Tsvg > "$svg"
  echo "$svg"
done
