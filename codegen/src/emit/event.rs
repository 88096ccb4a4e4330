//! Events and enums the topology declares.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;

/// A TOML `[enums.Name]`: a C-like enum deriving `FieldEnum`, `Default` its first variant.
pub(super) fn emit_enum(e: &crate::plan::Enum, file: Option<&str>) -> TokenStream {
    let (name, repr) = (&e.name, &e.repr);
    let origin = match file {
        Some(file) => format!("Enum `{name}`, declared in `{file}`: a field type of its events, `{repr}` on the wire."),
        None => format!("Enum `{name}`: a field type of its events, `{repr}` on the wire."),
    };
    let docs = if e.docs.is_empty() { doc(&origin) } else { docs(&e.docs) };
    let variants = e.variants.iter().enumerate().map(|(i, (variant, value))| {
        let value = proc_macro2::Literal::u32_unsuffixed(*value);
        let line = format!(" `{variant}` = {value}{}.", if i == 0 { " (the default)" } else { "" });
        let default = (i == 0).then(|| quote!(#[default]));
        quote!(#[doc = #line] #default #variant = #value)
    });
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, ::hardwire::FieldEnum)]
        #[repr(#repr)]
        pub enum #name {
            #(#variants,)*
        }
    }
}

/// An event the topology declares (`fields`): its struct; or, for a `rust = ".."` event, the
/// check that the type is an event, located at the declaration.
pub(super) fn emit_event(event: &crate::plan::Event, file: Option<&str>) -> TokenStream {
    let ty = &event.ty;
    match &event.fields {
        Some(fields) => {
            let origin = match file {
                Some(file) => format!("Event `{}`, declared in `{file}`.", event.name),
                None => format!("Event `{}`.", event.name),
            };
            let docs = if event.docs.is_empty() { doc(&origin) } else { docs(&event.docs) };
            let names = fields.iter().map(|field| &field.name);
            let types = fields.iter().map(|field| &field.ty);
            let marks = fields.iter().map(|field| field.enumeration.then(|| quote!(#[event(enum)])));
            let field_docs = fields.iter().map(|field| {
                let (name, ty) = (&field.name, &field.ty);
                let ty = compact(ty);
                let line = if field.padding {
                    format!(" Padding hardwire inserted (`{name}: {ty}`) so the struct has none implicitly; zero, as `Default` leaves it.")
                } else if field.enumeration {
                    format!(" `{name}: {ty}`, as declared (an enum: its integer on the wire, checked on receipt).")
                } else {
                    format!(" `{name}: {ty}`, as declared.")
                };
                quote!(#[doc = #line])
            });
            let default = if fields.iter().any(|field| field.enumeration) {
                let values = fields.iter().map(|field| {
                    let name = &field.name;
                    if field.enumeration {
                        quote!(#name: ::core::default::Default::default())
                    } else {
                        quote!(#name: ::hardwire::__private::Zeroable::zeroed())
                    }
                });
                quote! {
                    impl ::core::default::Default for #ty {
                        /// Every field zero (padding included), every enum its first variant.
                        fn default() -> Self {
                            Self { #(#values,)* }
                        }
                    }
                }
            } else {
                quote! {
                    impl ::core::default::Default for #ty {
                        /// Every field zero (padding included).
                        fn default() -> Self {
                            ::hardwire::__private::Zeroable::zeroed()
                        }
                    }
                }
            };
            // A field type only the compiler can judge gets a check whose message names the
            // TOML line (besides the derive's own error at the attribute).
            let located = fields.iter().filter(|f| !f.origin.is_empty() && f.layout.is_none()).map(|f| {
                let (name, field_ty) = (&f.name, &f.ty);
                let message = format!(
                    "{}field `{name}` of event `{}` has type `{}`, which is not plain old data (`bytemuck::Pod`)",
                    f.origin,
                    event.name,
                    compact(field_ty)
                );
                located_check(event.check_span, &message, "event fields are integers, floats, fixed-size arrays of them, or `#[derive(hardwire::Event)]` structs (which are Pod): derive it on your type, or change the field's type; a C-like enum is declared in the topology as `[enums.Name]`", quote!(::hardwire::__private::Pod), field_ty)
            });
            // `Event` is derived here, in process, and `Clone`, `Copy`, `Debug` and `PartialEq`
            // written out, rather than left to derive macros: every macro call in generated code
            // costs rustc hygiene contexts, and a few per event put a 500-event bus past its
            // inline-context limit, where type checking is many times slower.
            let (names, types): (Vec<_>, Vec<_>) = (names.collect(), types.collect());
            let event_impl = crate::derive::derive(quote! {
                #[repr(C)]
                pub struct #ty {
                    #(#marks pub #names: #types,)*
                }
            });
            let name = event.name.as_str();
            let fields_named = names.iter().map(ToString::to_string);
            let equal = if names.is_empty() { quote!(true) } else { quote!(#(self.#names == other.#names)&&*) };
            let copy = crate::derive::copy_impls(ty);
            quote! {
                #(#located)*
                #docs
                #[repr(C)]
                pub struct #ty {
                    #(#field_docs pub #names: #types,)*
                }

                #copy
                impl ::core::fmt::Debug for #ty {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.debug_struct(#name)#(.field(#fields_named, &self.#names))*.finish()
                    }
                }
                impl ::core::cmp::PartialEq for #ty {
                    fn eq(&self, other: &Self) -> bool {
                        #equal
                    }
                }

                #event_impl

                #default
            }
        }
        None => {
            // The same tokens for both forms (the equivalence test holds them to it); only the
            // TOML form's message starts with a location.
            let message = format!("{}event `{}` (`{}`) is not a hardwire event", event.origin, event.name, compact(ty));
            let note = "derive it on the type: `#[derive(Clone, Copy, hardwire::Event)]` with `#[repr(C)]` on a struct of plain-data fields";
            located_check(event.check_span, &message, note, quote!(::hardwire::Event), ty)
        }
    }
}
