//! Replays the fuzz corpus (`fuzz/corpus/topology`: the schema examples and every bad-input
//! row, and every crash the fuzzer found) as a plain test: each input gives generated code
//! or errors located at `file:LINE:COL:`, never a panic. The fuzzer itself (`fuzz/`, `cargo fuzz run -s none topology`) is the
//! manual tier; this runs in CI.

use std::path::Path;

#[test]
fn every_corpus_input_is_accepted_or_rejected_with_locations() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/topology");
    let mut inputs: Vec<_> =
        std::fs::read_dir(&corpus).expect("the corpus directory").flatten().map(|e| e.path()).collect();
    inputs.sort();
    assert!(inputs.len() >= 30, "the corpus seeds every bad-input row");
    let (mut accepted, mut rejected) = (0, 0);
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| hardwire_codegen::expand_toml("corpus.toml", &bytes, "bus"));
        match outcome {
            Err(_) => panic!("{} made the parser panic", path.display()),
            Ok(Ok(_)) => accepted += 1,
            Ok(Err(errors)) => {
                rejected += 1;
                assert!(!errors.is_empty());
                for error in errors {
                    let rest =
                        error.strip_prefix("corpus.toml:").unwrap_or_else(|| panic!("{}: {error}", path.display()));
                    let mut parts = rest.splitn(3, ':');
                    let line = parts.next().and_then(|l| l.parse::<usize>().ok());
                    let column = parts.next().and_then(|c| c.parse::<usize>().ok());
                    assert!(line >= Some(1) && column >= Some(1), "{}: {error}", path.display());
                }
            }
        }
    }
    assert!(accepted >= 2 && rejected >= 25, "{accepted} accepted, {rejected} rejected");
}
