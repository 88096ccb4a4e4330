//! The generator restates a few of the runtime's constants (it cannot depend on the runtime:
//! a proc-macro's library links into every build). These tests hold the two to each other.

use hardwire_codegen::model::Size;
use hardwire_runtime::SizeClass;

#[test]
fn max_capacity_agrees() {
    assert_eq!(hardwire_codegen::check::MAX_CAPACITY, hardwire_runtime::MAX_CAPACITY as u64);
}

#[test]
fn byte_size_classes_agree() {
    assert_eq!(Size::CHOICES.len(), SizeClass::ALL.len());
    for ((name, size), class) in Size::CHOICES.iter().zip(SizeClass::ALL) {
        assert_eq!(*name, class.name());
        assert_eq!(size.capacity(), class.capacity(), "{name}");
        // The type the generated code names is the runtime's type of that capacity.
        assert_eq!(size.type_name(), format!("Bytes{}", class.name()));
    }
    assert_eq!(hardwire_runtime::BytesXS::CAPACITY, Size::XS.capacity());
    assert_eq!(hardwire_runtime::BytesXL::CAPACITY, Size::XL.capacity());
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
