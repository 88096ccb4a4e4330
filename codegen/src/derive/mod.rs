//! The derives. `#[derive(Event)]`: a Pod struct becomes its own wire form; a struct with
//! C-like enum fields (`#[event(enum)]`) gets a Pod twin holding each enum as its integer;
//! an enum gets a generated Pod wire form (a `u32` tag and the largest variant's bytes);
//! each with conversions both ways, decoding checked. `#[derive(FieldEnum)]`: a C-like enum
//! such a field can hold.
//!
//! What the compiler alone can know is asserted in the generated code: every field type is
//! Pod (`EventField`, spanned at the field), and there is no implicit padding (the fields'
//! sizes add up to the type's; `layout_message`, whose message names the field the padding
//! follows and the byte count). The `unsafe impl Pod` it emits rests on exactly those
//! assertions plus the `#[repr(C)]`/`#[repr(transparent)]` checked here.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput};

use crate::diag::{Diagnostic, Diagnostics, to_compile_errors};

mod enums;
pub(crate) mod field_enum;
mod fields;
mod structs;

use enums::derive_enum;
use structs::derive_struct;

/// A derive's input must be one concrete type: reports generic parameters, for
/// `#[derive(<derive>)]`, whose input must be one concrete `<what>`.
pub(super) fn reject_generics(input: &DeriveInput, derive: &str, what: &str, d: &mut Diagnostics) {
    if !input.generics.params.is_empty() {
        d.push(Diagnostic::rust(
            input.generics.span(),
            format!(
                "`#[derive({derive})]` does not support generic parameters: `{}` must be one concrete {what}",
                input.ident
            ),
        ));
    }
}

/// Expands `#[derive(Event)]`. Never panics: bad input becomes `compile_error!`s.
#[must_use]
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let mut d = Diagnostics::default();
    reject_generics(&input, "Event", "Pod type", &mut d);
    let expanded = match &input.data {
        Data::Struct(data) => {
            check_repr(&input, &mut d);
            misplaced_marks(&input.attrs, "the struct", &mut d);
            derive_struct(&input.ident, &data.fields, &mut d)
        }
        Data::Enum(data) => {
            misplaced_marks(&input.attrs, "the enum", &mut d);
            derive_enum(&input.ident, data, &mut d)
        }
        Data::Union(data) => {
            d.push(Diagnostic::rust(
                data.union_token.span(),
                "`#[derive(Event)]` does not support unions: use a struct, or an enum for alternatives",
            ));
            TokenStream::new()
        }
    };
    match d.finish(()) {
        Ok(()) => expanded,
        Err(diagnostics) => to_compile_errors(&diagnostics, None),
    }
}

/// A struct needs a fixed layout to be Pod.
fn check_repr(input: &DeriveInput, d: &mut Diagnostics) {
    let mut fixed = false;
    for attr in input.attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") || meta.path.is_ident("transparent") {
                fixed = true;
            }
            if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    if !fixed {
        d.push(Diagnostic::rust(
            input.ident.span(),
            format!(
                "`#[derive(Event)]` needs a fixed field layout: add `#[repr(C)]` (or `#[repr(transparent)]`) to `{}`",
                input.ident
            ),
        ));
    }
}

/// `#[event(..)]` belongs on fields; reports it on `what` (the item or a variant).
pub(super) fn misplaced_marks(attrs: &[syn::Attribute], what: &str, d: &mut Diagnostics) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("event")) {
        d.push(Diagnostic::rust(
            attr.span(),
            format!("`#[event(..)]` goes on a field (`#[event(enum)] pub side: Side`), not on {what}"),
        ));
    }
}

/// `Clone` and `Copy` for `ty`, written out rather than derived: every derive macro in
/// generated code costs rustc hygiene contexts, and a few per event put a big bus past its
/// inline-context limit (README, compile cost).
pub(crate) fn copy_impls(ty: &impl quote::ToTokens) -> TokenStream {
    quote! {
        impl ::core::clone::Clone for #ty {
            #[inline(always)]
            fn clone(&self) -> Self {
                *self
            }
        }
        impl ::core::marker::Copy for #ty {}
    }
}

/// `Pod`, `Zeroable` and `Payload` impls for a checked type whose layout fingerprint is the
/// constant expression `layout` (`fields::layout_fingerprint`).
pub(super) fn pod_impls(ty: &TokenStream, layout: &TokenStream) -> TokenStream {
    quote! {
        /// SAFETY: `repr(C)`/`repr(transparent)` (checked by the macro), every field `Pod`
        /// and no implicit padding (both asserted at compile time above).
        unsafe impl ::hardwire::__private::Zeroable for #ty {}
        /// SAFETY: as for `Zeroable`.
        unsafe impl ::hardwire::__private::Pod for #ty {}
        impl ::hardwire::Payload for #ty {
            type Words = [u64; ::hardwire::slot_words(::core::mem::size_of::<#ty>())];
            const LAYOUT: u64 = #layout;
        }
    }
}
