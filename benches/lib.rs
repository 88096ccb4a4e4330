//! hardwire's benchmarks (no library code): each `*.rs` beside this file is a criterion
//! bench target. See the repository's README, "Performance", and `scripts/bench.sh`.
