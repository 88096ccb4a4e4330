//! Procedural macros of hardwire. Thin shells: the work is done by `hardwire-codegen`, a
//! plain library that is unit-tested and fuzzed on its own. Use them through the `hardwire`
//! crate: `#[derive(hardwire::Event)]`, `#[hardwire::bus]`.

#![deny(missing_docs)]

use proc_macro::TokenStream;

/// Derives `hardwire::Event` (and `bytemuck::Pod`, `bytemuck::Zeroable`,
/// `hardwire::Payload`) for a `#[repr(C)]` struct of Pod fields without padding, or for an
/// enum of unit variants, one-event tuple variants and named-field variants.
///
/// See the `hardwire` crate for examples.
#[proc_macro_derive(Event)]
pub fn derive_event(input: TokenStream) -> TokenStream {
    hardwire_codegen::derive_event(input.into()).into()
}

/// Generates a bus from the topics and subscribers declared in the module, or from a TOML
/// topology file (`#[hardwire::bus(topology = "path/relative/to/crate.toml")]`).
///
/// See the `hardwire` crate for the generated API and examples.
#[proc_macro_attribute]
pub fn bus(attr: TokenStream, item: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    hardwire_codegen::bus(attr.into(), item.into(), manifest_dir.as_deref()).into()
}
