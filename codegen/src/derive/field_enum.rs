//! `#[derive(FieldEnum)]`: a C-like enum that can be a field of an event.
//!
//! The enum travels as its `repr` integer; the derive gives the conversions both ways, the
//! way back checked (`from_repr` is `None` for a value no variant has), so an event's
//! decoding can refuse such a value instead of producing an invalid enum.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::diag::{Diagnostic, Diagnostics, to_compile_errors};

/// The integer types a field enum may be represented by.
pub const REPRS: [&str; 3] = ["u8", "u16", "u32"];

/// Expands `#[derive(FieldEnum)]`. Never panics: bad input becomes `compile_error!`s.
#[must_use]
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let mut d = Diagnostics::default();
    let ident = &input.ident;
    super::reject_generics(&input, "FieldEnum", "enum", &mut d);
    let Data::Enum(data) = &input.data else {
        d.push(Diagnostic::rust(
            ident.span(),
            format!(
                "`#[derive(FieldEnum)]` is for C-like enums (`#[repr(u8)] enum {ident} {{ A, B }}`); a struct field of plain data needs no derive"
            ),
        ));
        return to_compile_errors(&d.into_vec(), None);
    };
    let repr = repr(&input, &mut d);
    if data.variants.is_empty() {
        d.push(Diagnostic::rust(ident.span(), format!("field enum `{ident}` needs at least one variant")));
    }
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            d.push(Diagnostic::rust(
                variant.fields.span(),
                format!(
                    "variant `{}` of field enum `{ident}` carries data; a field enum's variants are plain names (`{}`), and an enum with data is an event (`#[derive(hardwire::Event)]`)",
                    variant.ident, variant.ident
                ),
            ));
        }
    }
    let repr = match (d.finish(()), repr) {
        (Ok(()), Some(repr)) => repr,
        (Err(diagnostics), _) => return to_compile_errors(&diagnostics, None),
        (Ok(()), None) => return TokenStream::new(), // unreachable: a missing repr is reported
    };
    let name = ident.to_string();
    let variants: Vec<&syn::Ident> = data.variants.iter().map(|variant| &variant.ident).collect();
    let consts: Vec<syn::Ident> = (0..variants.len()).map(|i| quote::format_ident!("__V{i}")).collect();
    quote! {
        impl ::hardwire::__private::WireField for #ident {
            type Wire = #repr;
            #[inline(always)]
            fn to_wire_field(self) -> #repr {
                self as #repr
            }
            #[inline(always)]
            fn from_wire_field(
                wire: #repr,
                event: &'static str,
                field: &'static str,
            ) -> ::core::result::Result<Self, ::hardwire::WireError> {
                ::hardwire::__private::decode_enum::<Self>(wire, event, field)
            }
        }

        impl ::hardwire::FieldEnum for #ident {
            const NAME: &'static str = #name;
            type Repr = #repr;
            #[inline(always)]
            fn to_repr(self) -> #repr {
                self as #repr
            }
            #[inline(always)]
            fn from_repr(repr: #repr) -> ::core::option::Option<Self> {
                #(const #consts: #repr = #ident::#variants as #repr;)*
                match repr {
                    #(#consts => ::core::option::Option::Some(#ident::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// The enum's `#[repr(u8|u16|u32)]` integer, or a located error.
fn repr(input: &DeriveInput, d: &mut Diagnostics) -> Option<syn::Ident> {
    let mut found = None;
    let mut other = None;
    for attr in input.attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
        let _ = attr.parse_nested_meta(|meta| {
            match meta.path.get_ident() {
                Some(ident) if REPRS.contains(&ident.to_string().as_str()) => found = Some(ident.clone()),
                Some(ident) if ident != "C" => other = Some((ident.clone(), attr.span())),
                _ => {}
            }
            if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    if found.is_none() {
        let ident = &input.ident;
        let message = match other {
            Some((ref repr, _)) => format!(
                "field enum `{ident}` has `#[repr({repr})]`; a field enum is `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`"
            ),
            None => format!(
                "field enum `{ident}` needs a fixed integer size on the wire: add `#[repr(u8)]` (or `#[repr(u16)]`, `#[repr(u32)]`)"
            ),
        };
        let span = other.map_or(ident.span(), |(_, span)| span);
        d.push(Diagnostic::rust(span, message));
    }
    found
}
