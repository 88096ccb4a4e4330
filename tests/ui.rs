//! Compile-time behaviour of the macros, pinned: declarations that must compile, and bad
//! inputs whose exact error messages (`tests/ui/fail/*.stderr`) must not change unnoticed.
//! Refresh after a deliberate change with `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
