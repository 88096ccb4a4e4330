//! `#[derive(Event)]` on an enum: a tagged Pod wire form and the conversions both ways.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Fields, Ident};

use super::fields::{FieldInfo, decode_field, encode_field, field_infos, layout_assertions, layout_fingerprint};
use super::{copy_impls, misplaced_marks, pod_impls};
use crate::diag::{Diagnostic, Diagnostics};

/// How one enum variant travels.
enum Body<'a> {
    /// No data: the tag alone.
    Unit,
    /// `Variant(Inner)`: `Inner`'s wire bytes.
    Event(&'a syn::Type),
    /// `Variant { a: A, .. }`: a generated `repr(C)` struct's bytes.
    Fields(Ident, &'a syn::FieldsNamed),
}

/// `#[derive(Event)]` on an enum.
pub(super) fn derive_enum(ident: &Ident, data: &syn::DataEnum, d: &mut Diagnostics) -> TokenStream {
    let name = ident.to_string();
    if data.variants.is_empty() {
        d.push(Diagnostic::rust(ident.span(), format!("event enum `{name}` needs at least one variant")));
        return TokenStream::new();
    }
    let bodies = variant_bodies(&name, data, d);

    let mut items = Vec::new();
    let mut sizes = Vec::new();
    let mut encode = Vec::new();
    let mut decode = Vec::new();
    let mut views = Vec::new();
    let mut layouts = Vec::new();
    for (tag, (variant, body)) in data.variants.iter().zip(&bodies).enumerate() {
        let code = variant_code(ident, &name, tag, variant, body, d);
        layouts.push(code.layout);
        items.extend(code.item);
        sizes.extend(code.size);
        encode.push(code.encode);
        decode.push(code.decode);
        views.push(code.view);
    }
    // Only an enum whose variants each carry one event (every topic's event enum) is viewed.
    let view = views.into_iter().collect::<Option<Vec<_>>>().map(|views| view_impl(ident, &name, &views));
    let wire_doc = format!(
        "The wire form of event `{name}`: a `u32` tag (the variant, in declaration order) and the variant's bytes."
    );
    let variant_names: Vec<String> = data.variants.iter().map(|variant| variant.ident.to_string()).collect();
    let description = format!("{name}{{{}}}", variant_names.join(","));
    let span = Span::call_site();
    let wire_copy = copy_impls(&quote!(Wire));
    quote_spanned! {span=>
        const _: () = {
            #(#items)*

            const BODY_WORDS: usize = ::hardwire::__private::max_size(&[0 #(, #sizes)*]).div_ceil(8);

            #[doc = #wire_doc]
            #[repr(C)]
            pub struct Wire {
                tag: u32,
                reserved: u32,
                body: [u64; BODY_WORDS],
            }
            #wire_copy

            /// SAFETY: `repr(C)` of `u32, u32, [u64; N]`: 8-byte aligned with no padding,
            /// and every field is `Pod`.
            unsafe impl ::hardwire::__private::Zeroable for Wire {}
            /// SAFETY: as for `Zeroable`.
            unsafe impl ::hardwire::__private::Pod for Wire {}
            impl ::hardwire::Payload for Wire {
                type Words = [u64; ::hardwire::slot_words(::core::mem::size_of::<Wire>())];
                const LAYOUT: u64 = ::hardwire::__private::layout_hash(
                    #description.as_bytes(),
                    &[#(#layouts),*],
                    ::core::mem::size_of::<Wire>(),
                    ::core::mem::align_of::<Wire>(),
                );
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

            #view
        };
    }
}

/// How each variant travels; reports what no variant may be.
fn variant_bodies<'a>(name: &str, data: &'a syn::DataEnum, d: &mut Diagnostics) -> Vec<Body<'a>> {
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
    bodies
}

/// What one variant contributes: a body struct (named fields), its size, and its arms of
/// `to_wire` and `from_wire`.
struct VariantCode {
    item: Option<TokenStream>,
    size: Option<TokenStream>,
    encode: TokenStream,
    decode: TokenStream,
    /// For `Variant(Inner)`: its variant of the view enum, and its arm of `view`.
    view: Option<(TokenStream, TokenStream)>,
    /// Its body's layout fingerprint (`0` for a unit variant).
    layout: TokenStream,
}

/// `EventView` of an enum whose variants each carry one event: a view enum of the same
/// variants, each event where it lies in the wire body when its layout allows.
fn view_impl(ident: &Ident, name: &str, views: &[(TokenStream, TokenStream)]) -> TokenStream {
    let (variants, arms): (Vec<_>, Vec<_>) = views.iter().cloned().unzip();
    let doc = format!("Event `{name}` read in place, variant by variant.");
    quote! {
        #[doc = #doc]
        pub enum __HardwireView<'a> {
            #(#variants,)*
        }

        impl ::hardwire::__private::EventView for #ident {
            type View<'a> = __HardwireView<'a> where Self: 'a;
            #[inline(always)]
            fn view(wire: &Wire) -> ::core::result::Result<__HardwireView<'_>, ::hardwire::WireError> {
                ::core::result::Result::Ok(match wire.tag {
                    #(#arms)*
                    tag => return ::core::result::Result::Err(::hardwire::WireError::UnknownTag { event: #name, tag }),
                })
            }
        }
    }
}

/// The code of variant `variant` (wire tag `tag`) of event enum `ident`.
fn variant_code(
    ident: &Ident,
    name: &str,
    tag: usize,
    variant: &syn::Variant,
    body: &Body<'_>,
    d: &mut Diagnostics,
) -> VariantCode {
    let tag = u32::try_from(tag).unwrap_or(u32::MAX);
    let v = &variant.ident;
    let (mut item, mut size, mut view) = (None, None, None);
    let mut layout = quote!(0u64);
    let (encode, decode) = match body {
        Body::Unit => {
            (quote! { #ident::#v => Wire::new(#tag), }, quote! { #tag => ::core::result::Result::Ok(#ident::#v), })
        }
        Body::Event(inner) => {
            let wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::Wire };
            size = Some(quote_spanned! {inner.span()=> ::core::mem::size_of::<#wire>() });
            layout = quote_spanned! {inner.span()=> <#wire as ::hardwire::Payload>::LAYOUT };
            // Spanned at the inner type, so a type that is not an event is reported once,
            // there, rather than at every use.
            let to_wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::to_wire };
            let from_wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::from_wire };
            let view_wire = quote_spanned! {inner.span()=> <#inner as ::hardwire::Event>::__view };
            view = Some((
                quote! { #v(::hardwire::__private::Viewed<'a, #inner>) },
                quote! {
                    #tag => __HardwireView::#v(match ::hardwire::__private::view_body::<_, #wire>(&wire.body) {
                        ::core::option::Option::Some(body) => #view_wire(body)?,
                        ::core::option::Option::None => ::hardwire::__private::Viewed::Owned(#from_wire(&wire.body::<#wire>())?),
                    }),
                },
            ));
            (
                quote! {
                    #ident::#v(inner) => Wire::new(#tag).with_body(&#to_wire(inner)),
                },
                quote! {
                    #tag => #from_wire(&wire.body::<#wire>()).map(#ident::#v),
                },
            )
        }
        Body::Fields(body, fields) => {
            let named = Fields::Named((*fields).clone());
            let infos = field_infos(&named, d);
            let names: Vec<&Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
            let types = infos.iter().map(FieldInfo::wire_ty);
            let what = format!("variant `{v}` of event `{name}`");
            let assertions = layout_assertions(&quote!(#body), &what, &infos);
            let pod = pod_impls(&quote!(#body), &layout_fingerprint(&quote!(#body), &what, &infos));
            let copy = copy_impls(body);
            item = Some(quote! {
                #[repr(C)]
                struct #body { #(#names: #types,)* }
                #copy
                #assertions
                #pod
            });
            size = Some(quote! { ::core::mem::size_of::<#body>() });
            layout = quote! { <#body as ::hardwire::Payload>::LAYOUT };
            let encoded = infos.iter().map(|field| {
                let member = &field.member;
                encode_field(field, &quote!(*#member))
            });
            let variant_name = format!("{name}::{v}");
            let decoded = infos.iter().map(|field| {
                let member = &field.member;
                decode_field(field, &quote!(#member), &variant_name)
            });
            (
                quote! {
                    #ident::#v { #(#names,)* } => Wire::new(#tag).with_body(&#body { #(#names: #encoded,)* }),
                },
                quote! {
                    #tag => {
                        let #body { #(#names,)* } = wire.body::<#body>();
                        ::core::result::Result::Ok(#ident::#v { #(#names: #decoded,)* })
                    }
                },
            )
        }
    };
    VariantCode { item, size, encode, decode, view, layout }
}
