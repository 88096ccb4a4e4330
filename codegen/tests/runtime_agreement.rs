//! The generator restates a few of the runtime's constants (it cannot depend on the runtime:
//! a proc-macro's library links into every build). These tests hold the two to each other
//! (the byte size classes: `cli/tests/cli.rs`).

#[test]
fn max_capacity_agrees() {
    assert_eq!(hardwire_codegen::MAX_CAPACITY, hardwire_runtime::MAX_CAPACITY as u64);
}

#[test]
fn field_enum_reprs_are_the_runtimes() {
    // `EnumRepr` is sealed to exactly these; the generator accepts exactly these.
    fn is_repr<T: hardwire_runtime::EnumRepr>() {}
    is_repr::<u8>();
    is_repr::<u16>();
    is_repr::<u32>();
    assert_eq!(hardwire_codegen::FIELD_ENUM_REPRS, ["u8", "u16", "u32"]);
}
