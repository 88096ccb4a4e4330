//! F1 (docs/RELIABILITY.md §6.6): any bytes as a topology file must give generated code or
//! located errors, never a panic, in bounded time. New inputs go to `corpus-run/` (ignored by git);
//! the seeds in `corpus/topology/` are replayed by `codegen/tests/corpus.rs` in `cargo test`.
//!
//! ```text
//! cd fuzz && mkdir -p corpus-run
//! cargo fuzz run -s none topology corpus-run corpus/topology -- -max_total_time=600 -timeout=2 -rss_limit_mb=512
//! ```
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    // A valid topology must also generate code without panicking.
    if let Err(errors) = hardwire_codegen::expand_toml("fuzz.toml", bytes, "bus") {
        for error in errors {
            let location = error.strip_prefix("fuzz.toml:").expect("every message starts with the file");
            let mut parts = location.splitn(3, ':');
            let line: usize = parts.next().and_then(|l| l.parse().ok()).expect("a line number");
            let column: usize = parts.next().and_then(|c| c.parse().ok()).expect("a column number");
            assert!(line >= 1 && column >= 1, "{error}");
        }
    }
});
