//! Compile-time behaviour of the macros, pinned: declarations that must compile, and bad
//! inputs whose exact error messages (`tests/ui/fail/*.stderr`) must not change unnoticed.
//! Refresh after a deliberate change with `TRYBUILD=overwrite cargo test --test ui`.

use std::path::{Path, PathBuf};

/// The topology files the cases name, relative to the repository (and so to the crate that
/// trybuild builds, whose `CARGO_MANIFEST_DIR` is its own project directory).
const TOPOLOGIES: &[&str] = &[
    "schema-examples/market.toml",
    "schema-examples/robot.toml",
    "tests/ui/fail/toml_errors.toml",
    "tests/ui/fail/toml_bad_bridge.toml",
    "tests/ui/fail/toml_bad_segment.toml",
    "tests/ui/fail/toml_field_not_pod.toml",
    "tests/ui/fail/toml_not_an_event.toml",
];

/// The cargo target directory this test was built into: the nearest ancestor of the test
/// binary that cargo tagged with `CACHEDIR.TAG` (wherever `CARGO_TARGET_DIR` put it).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .unwrap_or_else(|| panic!("no cargo target directory above {}", exe.display()))
        .to_path_buf()
}

#[test]
fn ui() {
    // trybuild builds the cases as a crate in `<target>/tests/trybuild/hardwire/`; the
    // topologies go there, at the paths the cases name, so the suite passes wherever the
    // target directory is.
    let project = target_dir().join("tests/trybuild/hardwire");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    for topology in TOPOLOGIES {
        let to = project.join(topology);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repository.join(topology), &to).unwrap_or_else(|err| panic!("copying {topology}: {err}"));
    }
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
