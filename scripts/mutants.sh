#!/usr/bin/env bash
# Builds each protocol mutant (runtime/src/mutant.rs) and requires the loom model, stress or
# behaviour test that guards that line to FAIL, with the failure text its row names. A test
# that passes on broken code is not a test.
#
#   scripts/mutants.sh            # every mutant
#   scripts/mutants.sh no_lap_wait relaxed_commit   # only these
#
# Exit status 0 when every mutant was killed, 1 when one survived.
set -uo pipefail
cd "$(dirname "$0")/.."

# mutant  harness  test-filter | the failure text (an extended regex) the mutant must cause.
# A mutant counts as killed only when its test fails with that text: a test that fails for
# another reason (a missing counter, a timeout) has not shown that it guards the line.
# (Without the re-check a reader accepts either a mix of two writes — "torn read accepted" —
# or, when the writer finished in between, the whole value of a later sequence, which the
# probe reports as out of order: both are data accepted that the re-check would refuse.
# On lossless rings the copies are plain, and loom's UnsafeCell beside each slot reports a
# write that overlaps a read or another write as a "Causality violation": the race itself.
# The registry's announcement mutants let a notify use a snapshot a writer has freed: the
# model then crashes on the freed memory (SIGSEGV) or its handler sees the late call.)
#
# Harnesses: `loom` (tests/loom_ring.rs under --cfg loom), `stress` (tests/stress.rs with the
# writer's yields widening race windows), `stress-noyield` (without them: a reader's copy
# then overlaps a writer's stores often), or any other name: that runtime test file, release.
table=(
  "reader_no_fence        loom            loom_l1 | torn payload accepted"
  "writer_no_fence        loom            loom_l1 | torn payload accepted"
  "skip_recheck           loom            loom_l1 | torn payload accepted"
  "skip_recheck           loom            loom_l1_length_prefixed | torn payload accepted"
  "relaxed_commit         loom            loom_l1 | value of the wrong sequence accepted"
  "no_lap_wait            loom            loom_l2 | a quiescent, closed ring returned Empty|a slot lost its commit"
  "relaxed_lap_wait       loom            loom_l2 | torn payload accepted"
  "lag_ignores_stamp      loom            loom_l3 | impossible lag count"
  "lag_off_by_one         loom            loom_l3 | out of order or duplicated"
  "early_position         loom            loom_l4 | Causality violation: Concurrent read and write accesses"
  "gate_off_by_one        loom            loom_l4 | lossless subscriber lapped"
  "no_register_handshake  loom            loom_l5 | lossless subscriber lapped"
  "gate_off_by_one        loom            loom_l8_lossless_copies | Causality violation: Concurrent read and write accesses to .UnsafeCell."
  "gate_off_by_one        loom            loom_l8_events_built_in_place | Causality violation: Concurrent read and write accesses to .UnsafeCell.|lossless subscriber lapped"
  "no_lap_wait            loom            loom_l8_lossless_writers | Causality violation: Concurrent write accesses to .UnsafeCell."
  "relaxed_lap_wait       loom            loom_l8_lossless_writers | Causality violation: Concurrent write accesses to .UnsafeCell."
  "no_close_wake          loom            loom_l6_dropping_the_publisher | deadlock"
  "no_deregister          loom            loom_l6_dropping_a_subscriber | deadlock"
  "skip_without_reread    loom            loom_l2b | a committed event was skipped"
  "no_close_wake          async_wakers    closing_the_ring_wakes | no wake-up after the ring closed"
  "no_deregister          behaviour       a_blocked_publisher_is_released | a dropped subscriber did not release"
  "unrecorded_claims      lib             dead_processes::a_live_claim_is_never_judged_dead | a live handle's claim was judged dead"
  "mark_without_gate      lib             dead_processes::a_lossless_hole_waits | may still read slot 0"
  "no_abandon             shm             never_committed_is_passed | waits at the dead claim for good"
  "skip_recheck           stress-noyield  torn_reads_are_detected | torn read accepted|reordered, duplicated, or a gap without a lag"
  "no_lap_wait            stress          mpmc_overwrite | torn read accepted"
  "lag_off_by_one         stress          spmc_overwrite_every | reordered, duplicated, or a gap without a lag"
  "gate_off_by_one        stress          backpressure_more_producers | lossless subscriber: subscriber lagged"
  "unregister_no_wait     registry        unregister_and_wait | unregister_and_wait returned while the handler was still running"
  "unregister_no_wait     loom            loom_l7 | unregister_and_wait returned while the handler was still running"
  "no_retire              loom            loom_l7_unregister_and_wait_waits_for_a_fired_once | unregister_and_wait returned while the handler was still running"
  "no_retire              registry        unregister_and_wait_waits_after | unregister_and_wait returned while the handler was still running"
  "announce_no_recheck    loom            loom_l7_unregister_and_wait_waits_for_a_running_call | SIGSEGV|handler called after unregister_and_wait returned|returned while the handler was still running"
  "announce_no_fence      loom            loom_l7_unregister_and_wait_waits_for_a_running_call | SIGSEGV|handler called after unregister_and_wait returned|returned while the handler was still running"
)

target_root="${CARGO_TARGET_DIR:-$PWD/target}"
survivors=()
killed=0
for row in "${table[@]}"; do
  expected="${row#*| }"
  read -r mutant harness filter <<<"${row%% |*}"
  if [ "$#" -gt 0 ] && [[ " $* " != *" $mutant "* ]]; then
    continue
  fi
  log="$target_root/mutants-$harness-$mutant.log"
  mkdir -p "$target_root"
  start=$(date +%s)
  mutant_cfg="--cfg hardwire_mutant=\"$mutant\""
  case "$harness" in
    loom)
      RUSTFLAGS="--cfg loom $mutant_cfg" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR="$target_root/mutants-loom" \
        timeout 600 cargo test -q -p hardwire-runtime --release --test loom_ring -- "$filter" >"$log" 2>&1 ;;
    stress)
      # hardwire_stress_yield yields between a writer's word stores, widening the windows
      # the stress mutants need on a 2-core machine (the real code passes with it too).
      RUSTFLAGS="$mutant_cfg --cfg hardwire_stress_yield" HARDWIRE_STRESS_MS=1500 \
        CARGO_TARGET_DIR="$target_root/mutants-stress" \
        timeout 600 cargo test -q -p hardwire-runtime --release --test stress -- "$filter" >"$log" 2>&1 ;;
    stress-noyield)
      RUSTFLAGS="$mutant_cfg" HARDWIRE_STRESS_MS=1500 CARGO_TARGET_DIR="$target_root/mutants-plain" \
        timeout 600 cargo test -q -p hardwire-runtime --release --test stress -- "$filter" >"$log" 2>&1 ;;
    lib)
      # The runtime's own unit tests, with shared memory (the dead-claim rules).
      RUSTFLAGS="$mutant_cfg" CARGO_TARGET_DIR="$target_root/mutants-plain" \
        timeout 600 cargo test -q -p hardwire-runtime --features async,shm --release --lib -- "$filter" \
        >"$log" 2>&1 ;;
    *)
      RUSTFLAGS="$mutant_cfg" CARGO_TARGET_DIR="$target_root/mutants-plain" \
        timeout 600 cargo test -q -p hardwire-runtime --features async,shm --release --test "$harness" -- "$filter" \
        >"$log" 2>&1 ;;
  esac
  status=$?
  took=$(( $(date +%s) - start ))
  if [ "$status" -eq 124 ]; then
    echo "SURVIVED  $mutant  ($harness $filter timed out after ${took}s, no failure; see $log)"
    survivors+=("$mutant/$harness")
  elif [ "$status" -ne 0 ] && grep -qE "$expected" "$log"; then
    echo "killed    $mutant  ($harness $filter, ${took}s: $(grep -m1 -oE "$expected" "$log"))"
    killed=$((killed + 1))
  elif [ "$status" -ne 0 ] && grep -qE "panicked|FAILED" "$log"; then
    why=$(grep -m1 -A1 "panicked at" "$log" | tail -n 1)
    echo "WRONG     $mutant  ($harness $filter failed, but not with \"$expected\": ${why:-see $log})"
    survivors+=("$mutant/$harness")
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
