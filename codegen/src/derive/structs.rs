//! `#[derive(Event)]` on a struct: its own wire form, or (with `#[event(enum)]` fields) a
//! Pod twin.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Fields, Ident};

use super::fields::{FieldInfo, decode_field, encode_field, field_infos, layout_assertions, layout_fingerprint};
use super::pod_impls;
use crate::diag::Diagnostics;

/// `#[derive(Event)]` on a struct.
pub(super) fn derive_struct(ident: &Ident, fields: &Fields, d: &mut Diagnostics) -> TokenStream {
    let name = ident.to_string();
    let infos = field_infos(fields, d);
    if infos.iter().any(|field| field.enumeration) {
        return derive_struct_with_enums(ident, fields, &infos);
    }
    let ty = quote!(#ident);
    let assertions = layout_assertions(&ty, &format!("event `{name}`"), &infos);
    let pod = pod_impls(&ty, &layout_fingerprint(&ty, &name, &infos));
    quote! {
        #assertions
        #pod
        impl ::hardwire::Event for #ident {
            const NAME: &'static str = #name;
            type Wire = Self;
            #[inline(always)]
            fn to_wire(&self) -> Self {
                *self
            }
            #[inline(always)]
            fn from_wire(wire: &Self) -> ::core::result::Result<Self, ::hardwire::WireError> {
                ::core::result::Result::Ok(*wire)
            }
            #[inline(always)]
            fn __view(wire: &Self) -> ::core::result::Result<::hardwire::__private::Viewed<'_, Self>, ::hardwire::WireError> {
                ::core::result::Result::Ok(::hardwire::__private::Viewed::Borrowed(wire))
            }
        }
    }
}

/// A struct with `#[event(enum)]` fields is not Pod (an enum has invalid bit patterns), so
/// its wire form is a generated twin with each enum stored as its integer, and decoding
/// checks every such integer.
fn derive_struct_with_enums(ident: &Ident, fields: &Fields, infos: &[FieldInfo<'_>]) -> TokenStream {
    let name = ident.to_string();
    let assertions = layout_assertions(&quote!(Wire), &format!("event `{name}`"), infos);
    let pod = pod_impls(&quote!(Wire), &layout_fingerprint(&quote!(Wire), &name, infos));
    let wire_types = infos.iter().map(FieldInfo::wire_ty);
    let definition = match fields {
        Fields::Named(_) => {
            let members = infos.iter().map(|field| &field.member);
            quote!(pub struct Wire { #(#members: #wire_types,)* })
        }
        _ => quote!(pub struct Wire(#(#wire_types),*);),
    };
    let members: Vec<&TokenStream> = infos.iter().map(|field| &field.member).collect();
    let encode = infos.iter().map(|field| {
        let member = &field.member;
        encode_field(field, &quote!(self.#member))
    });
    let decode = infos.iter().map(|field| {
        let member = &field.member;
        decode_field(field, &quote!(wire.#member), &name)
    });
    let wire_doc = format!("The wire form of event `{name}`: its fields, each C-like enum as its integer.");
    quote! {
        const _: () = {
            #[doc = #wire_doc]
            #[derive(Clone, Copy)]
            #[repr(C)]
            #definition

            #assertions
            #pod

            impl ::core::fmt::Debug for Wire {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct("Wire").field("event", &#name).finish_non_exhaustive()
                }
            }

            impl ::hardwire::Event for #ident {
                const NAME: &'static str = #name;
                type Wire = Wire;
                #[inline(always)]
                fn to_wire(&self) -> Wire {
                    Wire { #(#members: #encode,)* }
                }
                #[inline(always)]
                fn from_wire(wire: &Wire) -> ::core::result::Result<Self, ::hardwire::WireError> {
                    ::core::result::Result::Ok(#ident { #(#members: #decode,)* })
                }
            }
        };
    }
}
