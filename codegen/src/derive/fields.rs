//! A derived struct's (or enum variant body's) fields: their `#[event(enum)]` marks, the
//! compile-time layout assertions, and each field's conversion to and from the wire.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Fields;
use syn::spanned::Spanned;

use crate::diag::{Diagnostic, Diagnostics};

/// One field of a struct (or of an enum variant's body) as the derive sees it.
pub(super) struct FieldInfo<'a> {
    /// For `offset_of!` and field access: `ts`, or `0` for a tuple field.
    pub(super) member: TokenStream,
    /// For messages: `ts`, or `0`.
    pub(super) name: String,
    /// The type as declared.
    pub(super) ty: &'a syn::Type,
    /// Marked `#[event(enum)]`: a `FieldEnum`, stored as its integer.
    pub(super) enumeration: bool,
}

impl FieldInfo<'_> {
    /// The field's type on the wire: its own, or its enum's integer.
    pub(super) fn wire_ty(&self) -> TokenStream {
        let ty = self.ty;
        if self.enumeration {
            quote_spanned! {ty.span()=> <#ty as ::hardwire::__private::WireField>::Wire }
        } else {
            quote!(#ty)
        }
    }
}

/// The fields of `fields`, with their `#[event(enum)]` marks (malformed marks reported).
pub(super) fn field_infos<'a>(fields: &'a Fields, d: &mut Diagnostics) -> Vec<FieldInfo<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let (member, name) = match &field.ident {
                Some(ident) => (quote!(#ident), ident.to_string()),
                None => {
                    let index = syn::Index::from(i);
                    (quote!(#index), i.to_string())
                }
            };
            FieldInfo { member, name, ty: &field.ty, enumeration: enum_mark(&field.attrs, d) }
        })
        .collect()
}

/// Whether `attrs` mark a field `#[event(enum)]`; anything else inside `#[event(..)]` is
/// reported.
fn enum_mark(attrs: &[syn::Attribute], d: &mut Diagnostics) -> bool {
    let mut marked = false;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("event")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("enum") {
                marked = true;
                Ok(())
            } else {
                Err(meta
                    .error("unknown event field option; the one option is `#[event(enum)]`, for a C-like enum field"))
            }
        });
        if let Err(err) = parsed {
            d.push(Diagnostic::rust(err.span(), err.to_string()));
        }
    }
    marked
}

/// Assertions that every field is Pod (or, marked, a `FieldEnum`) and that `ty`, whose
/// fields are `fields` stored as [`FieldInfo::wire_ty`], has no implicit padding.
pub(super) fn layout_assertions(ty: &TokenStream, what: &str, fields: &[FieldInfo<'_>]) -> TokenStream {
    let kinds = fields.iter().map(|field| {
        let field_ty = field.ty;
        if field.enumeration {
            quote_spanned! {field_ty.span()=> ::hardwire::__private::assert_enum_field::<#field_ty>(); }
        } else {
            quote_spanned! {field_ty.span()=> ::hardwire::__private::assert_event_field::<#field_ty>(); }
        }
    });
    // One check for the whole type, not one per field: see `layout_message` in the runtime.
    let span = ty.clone().into_iter().next().map_or_else(proc_macro2::Span::call_site, |token| token.span());
    let entries = fields.iter().map(|field| {
        let (name, wire_ty) = (&field.name, field.wire_ty());
        quote!((#name, ::core::mem::size_of::<#wire_ty>(), ::core::mem::align_of::<#wire_ty>()))
    });
    let padding = quote_spanned! {span=>
        const _: () = {
            const PADDING: ::hardwire::__private::ConstMessage = ::hardwire::__private::layout_message(
                #what,
                ::core::mem::size_of::<#ty>(),
                &[#(#entries),*],
            );
            if !PADDING.is_empty() {
                ::core::panic!("{}", PADDING.as_str());
            }
        };
    };
    quote! {
        const _: () = {
            #(#kinds)*
        };
        #padding
    }
}

/// [`Payload::LAYOUT`](hardwire_runtime) of `ty` named `name` with `fields`: a hash of the
/// name, every field's name and declared type, offset and size, and the type's size and
/// alignment, which a process attaching to a shared-memory segment compares.
pub(super) fn layout_fingerprint(ty: &TokenStream, name: &str, fields: &[FieldInfo<'_>]) -> TokenStream {
    let described: Vec<String> = fields
        .iter()
        .map(|field| {
            let ty = field.ty;
            let mark = if field.enumeration { " as enum" } else { "" };
            format!("{}:{}{mark}", field.name, quote!(#ty))
        })
        .collect();
    let description = format!("{name}{{{}}}", described.join(","));
    let parts = fields.iter().map(|field| {
        let (member, wire_ty) = (&field.member, field.wire_ty());
        quote!(::core::mem::offset_of!(#ty, #member) as u64, ::core::mem::size_of::<#wire_ty>() as u64)
    });
    quote! {
        ::hardwire::__private::layout_hash(
            #description.as_bytes(),
            &[#(#parts),*],
            ::core::mem::size_of::<#ty>(),
            ::core::mem::align_of::<#ty>(),
        )
    }
}

/// The wire value's field `field` from the event value `source` (`self.side`, or a binding).
pub(super) fn encode_field(field: &FieldInfo<'_>, source: &TokenStream) -> TokenStream {
    if field.enumeration { quote!(::hardwire::__private::WireField::to_wire_field(#source)) } else { quote!(#source) }
}

/// The event's field `field` from the wire value's `source`, checked: `?` returns the
/// `WireError` of an enum value no variant has.
pub(super) fn decode_field(field: &FieldInfo<'_>, source: &TokenStream, event: &str) -> TokenStream {
    if field.enumeration {
        let (ty, name) = (field.ty, &field.name);
        quote!(<#ty as ::hardwire::__private::WireField>::from_wire_field(#source, #event, #name)?)
    } else {
        quote!(#source)
    }
}
