#!/usr/bin/env bash
# Builds each protocol mutant (runtime/src/mutant.rs) and requires the loom model or stress
# test that guards that line to FAIL. A test that passes on broken code is not a test.
#
#   scripts/mutants.sh            # every mutant
#   scripts/mutants.sh no_lap_wait relaxed_commit   # only these
#
# Exit status 0 when every mutant was killed, 1 when one survived.
set -uo pipefail
cd "$(dirname "$0")/.."

# mutant  harness  test-filter
table=(
  "reader_no_fence        loom    loom_l1"
  "writer_no_fence        loom    loom_l1"
  "skip_recheck           loom    loom_l1"
  "relaxed_commit         loom    loom_l1"
  "no_lap_wait            loom    loom_l2"
  "relaxed_lap_wait       loom    loom_l2"
  "lag_ignores_stamp      loom    loom_l3"
  "lag_off_by_one         loom    loom_l3"
  "early_position         loom    loom_l4"
  "gate_off_by_one        loom    loom_l4"
  "no_register_handshake  loom    loom_l5"
  "no_close_wake          loom    loom_l6_dropping_the_publisher"
  "no_deregister          loom    loom_l6_dropping_a_subscriber"
  "skip_recheck           stress  torn_reads_are_detected"
  "no_lap_wait            stress  mpmc_overwrite"
  "lag_off_by_one         stress  spmc_overwrite_every"
  "gate_off_by_one        stress  backpressure_more_producers"
  "unregister_no_wait     registry  unregister_and_wait"
)

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
survivors=()
killed=0
for row in "${table[@]}"; do
  read -r mutant harness filter <<<"$row"
  if [ "$#" -gt 0 ] && [[ " $* " != *" $mutant "* ]]; then
    continue
  fi
  log="$target_root/mutants-$harness-$mutant.log"
  mkdir -p "$target_root"
  start=$(date +%s)
  if [ "$harness" = loom ]; then
    RUSTFLAGS="--cfg loom --cfg hardwire_mutant=\"$mutant\"" LOOM_MAX_PREEMPTIONS=2 \
      CARGO_TARGET_DIR="$target_root/mutants-loom" \
      timeout 600 cargo test -q -p hardwire-runtime --release --test loom_ring -- "$filter" >"$log" 2>&1
  elif [ "$harness" = registry ]; then
    RUSTFLAGS="--cfg hardwire_mutant=\"$mutant\"" CARGO_TARGET_DIR="$target_root/mutants-registry" \
      timeout 600 cargo test -q -p hardwire-runtime --release --test registry -- "$filter" >"$log" 2>&1
  else
    # hardwire_stress_yield yields between a writer's word stores, widening the windows
    # the stress mutants need on a 2-core machine (the real code passes with it too).
    RUSTFLAGS="--cfg hardwire_mutant=\"$mutant\" --cfg hardwire_stress_yield" HARDWIRE_STRESS_MS=1500 \
      CARGO_TARGET_DIR="$target_root/mutants-stress" \
      timeout 600 cargo test -q -p hardwire-runtime --release --test stress -- "$filter" >"$log" 2>&1
  fi
  status=$?
  took=$(( $(date +%s) - start ))
  if [ "$status" -eq 124 ]; then
    echo "SURVIVED  $mutant  ($harness $filter timed out after ${took}s, no failure; see $log)"
    survivors+=("$mutant/$harness")
  elif [ "$status" -ne 0 ] && grep -qE "panicked|deadlock|FAILED" "$log"; then
    why=$(grep -m1 -oE "torn [a-z ]+accepted|deadlock|assertion[^:]*|stuck for [^ ]+|lapped|panicked at [^ ]+" "$log" || true)
    echo "killed    $mutant  ($harness $filter, ${took}s: ${why:-failed})"
    killed=$((killed + 1))
  elif [ "$status" -ne 0 ]; then
    echo "ERROR     $mutant  ($harness $filter: build or harness error, exit $status; see $log)"
    survivors+=("$mutant/$harness")
  else
    echo "SURVIVED  $mutant  ($harness $filter passed on broken code)"
    survivors+=("$mutant/$harness")
  fi
done

echo "mutants: $killed killed, ${#survivors[@]} survived"
[ "${#survivors[@]}" -eq 0 ]
