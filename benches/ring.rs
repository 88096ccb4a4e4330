//! Placeholder: the ring benchmarks land in the next commit.
fn main() {}
