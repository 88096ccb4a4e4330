//! `#[derive(Event)]`: a Pod struct becomes its own wire form; a struct with C-like enum
//! fields (`#[event(enum)]`) gets a Pod twin holding each enum as its integer; an enum gets
//! a generated Pod wire form (a `u32` tag and the largest variant's bytes); each with
//! conversions both ways, decoding checked. `#[derive(FieldEnum)]`: a C-like enum such a
//! field can hold.
//!
//! What the compiler alone can know is asserted in the generated code, each assertion
//! spanned at the field it is about: every field type is Pod (`EventField`), and there is
//! no implicit padding (`padding_check!`, whose message names the field the padding
//! follows and the byte count). The `unsafe impl Pod` it emits rests on exactly those
//! assertions plus the `#[repr(C)]`/`#[repr(transparent)]` checked here.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident};

use crate::diag::{Diagnostic, Diagnostics, to_compile_errors};

/// Expands `#[derive(Event)]`. Never panics: bad input becomes `compile_error!`s.
#[must_use]
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let mut d = Diagnostics::default();
    if !input.generics.params.is_empty() {
        d.push(Diagnostic::rust(
            input.generics.span(),
            format!(
                "`#[derive(Event)]` does not support generic parameters: `{}` must be one concrete Pod type",
                input.ident
            ),
        ));
    }
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

/// One field of a struct (or of an enum variant's body) as the derive sees it.
struct FieldInfo<'a> {
    /// For `offset_of!` and field access: `ts`, or `0` for a tuple field.
    member: TokenStream,
    /// For messages: `ts`, or `0`.
    name: String,
    /// The type as declared.
    ty: &'a syn::Type,
    /// Marked `#[event(enum)]`: a `FieldEnum`, stored as its integer.
    enumeration: bool,
}

impl FieldInfo<'_> {
    /// The field's type on the wire: its own, or its enum's integer.
    fn wire_ty(&self) -> TokenStream {
        let ty = self.ty;
        if self.enumeration {
            quote_spanned! {ty.span()=> <#ty as ::hardwire::__private::WireField>::Wire }
        } else {
            quote!(#ty)
        }
    }
}

/// The fields of `fields`, with their `#[event(enum)]` marks (malformed marks reported).
fn field_infos<'a>(fields: &'a Fields, d: &mut Diagnostics) -> Vec<FieldInfo<'a>> {
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

/// `#[event(..)]` belongs on fields; reports it on `what` (the item or a variant).
fn misplaced_marks(attrs: &[syn::Attribute], what: &str, d: &mut Diagnostics) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("event")) {
        d.push(Diagnostic::rust(
            attr.span(),
            format!("`#[event(..)]` goes on a field (`#[event(enum)] pub side: Side`), not on {what}"),
        ));
    }
}

/// Assertions that every field is Pod (or, marked, a `FieldEnum`) and that `ty`, whose
/// fields are `fields` stored as [`FieldInfo::wire_ty`], has no implicit padding.
fn layout_assertions(ty: &TokenStream, what: &str, fields: &[FieldInfo<'_>]) -> TokenStream {
    let kinds = fields.iter().map(|field| {
        let field_ty = field.ty;
        if field.enumeration {
            quote_spanned! {field_ty.span()=> ::hardwire::__private::assert_enum_field::<#field_ty>(); }
        } else {
            quote_spanned! {field_ty.span()=> ::hardwire::__private::assert_event_field::<#field_ty>(); }
        }
    });
    let gaps = fields.windows(2).map(|pair| {
        let (prev, next) = (&pair[0], &pair[1]);
        let (prev_member, next_member, prev_ty) = (&prev.member, &next.member, prev.wire_ty());
        let after = format!("after field `{}`", prev.name);
        quote_spanned! {next.ty.span()=>
            ::hardwire::__private::padding_check!(
                ::core::mem::offset_of!(#ty, #next_member)
                    - (::core::mem::offset_of!(#ty, #prev_member) + ::core::mem::size_of::<#prev_ty>()),
                #what,
                #after
            );
        }
    });
    let tail = fields.last().map(|last| {
        let (last_member, last_ty) = (&last.member, last.wire_ty());
        let after = format!("at the end, after field `{}`", last.name);
        quote_spanned! {last.ty.span()=>
            ::hardwire::__private::padding_check!(
                ::core::mem::size_of::<#ty>()
                    - (::core::mem::offset_of!(#ty, #last_member) + ::core::mem::size_of::<#last_ty>()),
                #what,
                #after
            );
        }
    });
    quote! {
        const _: () = {
            #(#kinds)*
        };
        #(#gaps)*
        #tail
    }
}

/// The wire value's field `field` from the event value `source` (`self.side`, or a binding).
fn encode_field(field: &FieldInfo<'_>, source: &TokenStream) -> TokenStream {
    if field.enumeration { quote!(::hardwire::__private::WireField::to_wire_field(#source)) } else { quote!(#source) }
}

/// The event's field `field` from the wire value's `source`, checked: `?` returns the
/// `WireError` of an enum value no variant has.
fn decode_field(field: &FieldInfo<'_>, source: &TokenStream, event: &str) -> TokenStream {
    if field.enumeration {
        let (ty, name) = (field.ty, &field.name);
        quote!(<#ty as ::hardwire::__private::WireField>::from_wire_field(#source, #event, #name)?)
    } else {
        quote!(#source)
    }
}

/// `Pod`, `Zeroable` and `Payload` impls for a checked type.
fn pod_impls(ty: &TokenStream) -> TokenStream {
    quote! {
        /// SAFETY: `repr(C)`/`repr(transparent)` (checked by the macro), every field `Pod`
        /// and no implicit padding (both asserted at compile time above).
        unsafe impl ::hardwire::__private::Zeroable for #ty {}
        /// SAFETY: as for `Zeroable`.
        unsafe impl ::hardwire::__private::Pod for #ty {}
        impl ::hardwire::Payload for #ty {
            type Words = [u64; ::hardwire::slot_words(::core::mem::size_of::<#ty>())];
        }
    }
}

fn derive_struct(ident: &Ident, fields: &Fields, d: &mut Diagnostics) -> TokenStream {
    let name = ident.to_string();
    let infos = field_infos(fields, d);
    if infos.iter().any(|field| field.enumeration) {
        return derive_struct_with_enums(ident, fields, &infos);
    }
    let ty = quote!(#ident);
    let assertions = layout_assertions(&ty, &format!("event `{name}`"), &infos);
    let pod = pod_impls(&ty);
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
        }
    }
}

/// A struct with `#[event(enum)]` fields is not Pod (an enum has invalid bit patterns), so
/// its wire form is a generated twin with each enum stored as its integer, and decoding
/// checks every such integer.
fn derive_struct_with_enums(ident: &Ident, fields: &Fields, infos: &[FieldInfo<'_>]) -> TokenStream {
    let name = ident.to_string();
    let assertions = layout_assertions(&quote!(Wire), &format!("event `{name}`"), infos);
    let pod = pod_impls(&quote!(Wire));
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

/// How one enum variant travels.
enum Body<'a> {
    /// No data: the tag alone.
    Unit,
    /// `Variant(Inner)`: `Inner`'s wire bytes.
    Event(&'a syn::Type),
    /// `Variant { a: A, .. }`: a generated `repr(C)` struct's bytes.
    Fields(Ident, &'a syn::FieldsNamed),
}

fn derive_enum(ident: &Ident, data: &syn::DataEnum, d: &mut Diagnostics) -> TokenStream {
    let name = ident.to_string();
    if data.variants.is_empty() {
        d.push(Diagnostic::rust(ident.span(), format!("event enum `{name}` needs at least one variant")));
        return TokenStream::new();
    }
    let mut bodies = Vec::new();
    for variant in &data.variants {
        misplaced_marks(&variant.attrs, &format!("variant `{}`", variant.ident), d);
        if let Fields::Unnamed(fields) = &variant.fields {
            for field in &fields.unnamed {
                misplaced_marks(&field.attrs, "a tuple variant's event (mark the fields of that event's struct)", d);
            }
        }
        if let Some((_, discriminant)) = &variant.discriminant {
            d.push(Diagnostic::rust(
                discriminant.span(),
                "explicit discriminants are not used by `#[derive(Event)]`: wire tags follow declaration order; remove it",
            ));
        }
        bodies.push(match &variant.fields {
            Fields::Unit => Body::Unit,
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Body::Event(&fields.unnamed[0].ty),
            Fields::Unnamed(fields) => {
                d.push(Diagnostic::rust(
                    fields.span(),
                    format!(
                        "variant `{}` of event `{name}`: a tuple variant carries exactly one event; use named fields for several values",
                        variant.ident
                    ),
                ));
                Body::Unit
            }
            Fields::Named(fields) => Body::Fields(format_ident!("__HardwireBody{}", variant.ident), fields),
        });
    }

    let mut items = Vec::new();
    let mut sizes = Vec::new();
    let mut encode = Vec::new();
    let mut decode = Vec::new();
    for (tag, (variant, body)) in data.variants.iter().zip(&bodies).enumerate() {
        let tag = u32::try_from(tag).unwrap_or(u32::MAX);
        let v = &variant.ident;
        match body {
            Body::Unit => {
                encode.push(quote! { #ident::#v => Wire::new(#tag), });
                decode.push(quote! { #tag => ::core::result::Result::Ok(#ident::#v), });
            }
            Body::Event(inner) => {
                let wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::Wire };
                sizes.push(quote_spanned! {inner.span()=> ::core::mem::size_of::<#wire>() });
                // Spanned at the inner type, so a type that is not an event is reported once,
                // there, rather than at every use.
                let to_wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::to_wire };
                let from_wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::from_wire };
                encode.push(quote! {
                    #ident::#v(inner) => Wire::new(#tag).with_body(&#to_wire(inner)),
                });
                decode.push(quote! {
                    #tag => #from_wire(&wire.body::<#wire>()).map(#ident::#v),
                });
            }
            Body::Fields(body, fields) => {
                let named = Fields::Named((*fields).clone());
                let infos = field_infos(&named, d);
                let names: Vec<&Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
                let types = infos.iter().map(FieldInfo::wire_ty);
                let what = format!("variant `{v}` of event `{name}`");
                let assertions = layout_assertions(&quote!(#body), &what, &infos);
                let pod = pod_impls(&quote!(#body));
                items.push(quote! {
                    #[derive(Clone, Copy)]
                    #[repr(C)]
                    struct #body { #(#names: #types,)* }
                    #assertions
                    #pod
                });
                sizes.push(quote! { ::core::mem::size_of::<#body>() });
                let encoded = infos.iter().map(|field| {
                    let member = &field.member;
                    encode_field(field, &quote!(*#member))
                });
                let variant_name = format!("{name}::{v}");
                let decoded = infos.iter().map(|field| {
                    let member = &field.member;
                    decode_field(field, &quote!(#member), &variant_name)
                });
                encode.push(quote! {
                    #ident::#v { #(#names,)* } => Wire::new(#tag).with_body(&#body { #(#names: #encoded,)* }),
                });
                decode.push(quote! {
                    #tag => {
                        let #body { #(#names,)* } = wire.body::<#body>();
                        ::core::result::Result::Ok(#ident::#v { #(#names: #decoded,)* })
                    }
                });
            }
        }
    }
    let wire_doc = format!(
        "The wire form of event `{name}`: a `u32` tag (the variant, in declaration order) and the variant's bytes."
    );
    let span = Span::call_site();
    quote_spanned! {span=>
        const _: () = {
            #(#items)*

            const BODY_WORDS: usize = ::hardwire::__private::max_size(&[0 #(, #sizes)*]).div_ceil(8);

            #[doc = #wire_doc]
            #[derive(Clone, Copy)]
            #[repr(C)]
            pub struct Wire {
                tag: u32,
                reserved: u32,
                body: [u64; BODY_WORDS],
            }

            /// SAFETY: `repr(C)` of `u32, u32, [u64; N]`: 8-byte aligned with no padding,
            /// and every field is `Pod`.
            unsafe impl ::hardwire::__private::Zeroable for Wire {}
            /// SAFETY: as for `Zeroable`.
            unsafe impl ::hardwire::__private::Pod for Wire {}
            impl ::hardwire::Payload for Wire {
                type Words = [u64; ::hardwire::slot_words(::core::mem::size_of::<Wire>())];
            }

            impl Wire {
                #[inline(always)]
                fn new(tag: u32) -> Self {
                    Self { tag, reserved: 0, body: [0; BODY_WORDS] }
                }
                #[inline(always)]
                fn with_body<B: ::hardwire::__private::Pod>(mut self, body: &B) -> Self {
                    ::hardwire::__private::write_body(&mut self.body, body);
                    self
                }
                #[inline(always)]
                fn body<B: ::hardwire::__private::Pod>(&self) -> B {
                    ::hardwire::__private::read_body(&self.body)
                }
            }

            impl ::core::fmt::Debug for Wire {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct("Wire").field("event", &#name).field("tag", &self.tag).finish_non_exhaustive()
                }
            }

            impl ::hardwire::Event for #ident {
                const NAME: &'static str = #name;
                type Wire = Wire;
                #[inline]
                fn to_wire(&self) -> Wire {
                    match self {
                        #(#encode)*
                    }
                }
                #[inline]
                fn from_wire(wire: &Wire) -> ::core::result::Result<Self, ::hardwire::WireError> {
                    match wire.tag {
                        #(#decode)*
                        tag => ::core::result::Result::Err(::hardwire::WireError::UnknownTag { event: #name, tag }),
                    }
                }
            }
        };
    }
}
