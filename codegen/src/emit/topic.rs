//! `Topic`, each topic's event enum and module.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Ident;

use super::*;
use crate::plan::Plan;

/// `Topic`: one variant per topic, with its name.
pub(super) fn emit_topic_enum(plan: &Plan) -> TokenStream {
    let variants = plan.topics.iter().map(|topic| {
        let camel = &topic.camel;
        let line = doc(&format!("Topic `{}`.", topic.name));
        quote!(#line #camel)
    });
    let all = plan.topics.iter().map(|topic| &topic.camel);
    let names = plan.topics.iter().map(|topic| {
        let (camel, name) = (&topic.camel, &topic.name);
        quote!(Self::#camel => #name)
    });
    let count = plan.topics.len();
    quote! {
        /// Every topic of this bus: what `on_lagged` reports, and what stats are keyed by.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Topic {
            #(#variants,)*
        }

        impl Topic {
            /// Every topic, in declaration order.
            pub const ALL: [Self; #count] = [#(Self::#all),*];

            /// The topic's name as declared.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    #(#names,)*
                }
            }
        }
    }
}

/// Topic `t`'s event enum and module (a ring topic's or an inline topic's).
/// `imports` start the module (`nested_imports`).
pub(super) fn emit_topic(plan: &Plan, t: usize, imports: &TokenStream) -> TokenStream {
    let topic = &plan.topics[t];
    let (camel, snake) = (&topic.camel, &topic.snake);
    let variants = topic.events.iter().map(|&e| {
        let (ident, ty) = (event_ident(plan, e), &plan.events[e].ty);
        let line = format!(" `{}`.", plan.events[e].name);
        quote!(#[doc = #line] #ident(#ty))
    });
    let enum_doc =
        format!(" Every event of topic `{}`: what its subscribers' `try_recv_{}` return.", topic.name, topic.name);
    let topic_docs = if topic.docs.is_empty() { TokenStream::new() } else { docs(&topic.docs) };
    let module_doc = format!(" Topic `{}`: {}.", topic.name, settings(topic));
    // A ring topic's publisher is the runtime's generic one, which takes `hardwire::Carries`;
    // an inline topic's dispatcher takes the topic's own sealed `Carries`.
    let body = match &topic.delivery {
        crate::plan::Delivery::Ring(ring) => emit_ring_topic(plan, t, ring),
        crate::plan::Delivery::Inline => {
            let (trait_items, rest) = emit_inline_topic(plan, t);
            let carried: Vec<String> = topic.events.iter().map(|&e| format!("`{}`", plan.events[e].name)).collect();
            let unimplemented = format!("`{{Self}}` is not an event of topic `{}`", topic.name);
            let label = format!("topic `{}` does not carry this type", topic.name);
            let note = format!("topic `{}` carries {}, or its event enum `{}`", topic.name, carried.join(", "), camel);
            quote! {
                mod sealed {
                    pub trait Sealed {}
                }

                #[diagnostic::on_unimplemented(message = #unimplemented, label = #label, note = #note)]
                #[doc = " The types this topic accepts: its events, and its event enum. Sealed."]
                pub trait Carries: ::core::marker::Copy + sealed::Sealed {
                    #trait_items
                }

                #rest
            }
        }
    };
    let printable = emit_enum_debug_and_eq(plan, t);
    // Derived in process, `Copy` written out: no derive macros in generated code (see
    // `event::event`).
    let variants: Vec<_> = variants.collect();
    // A topic of several events stores the enum's own wire form (a tag and a body), so the
    // enum is an `Event`; a one-event topic's ring stores that event's wire form, and its
    // module writes the view enum its handlers match (`ring_topic.rs`): no derive, whose
    // wire type, codec and view would go unused (~135 lines a topic).
    let event = if topic.events.len() > 1 {
        crate::derive::derive(quote!(pub enum #camel { #(#variants,)* }))
    } else {
        TokenStream::new()
    };
    let copy = crate::derive::copy_impls(camel);
    quote! {
        #[doc = #enum_doc]
        #topic_docs
        pub enum #camel {
            #(#variants,)*
        }

        #copy
        #event

        #printable

        #[doc = #module_doc]
        #topic_docs
        pub mod #snake {
            #imports

            #body
        }
    }
}

/// `Debug` and `PartialEq` for topic `t`'s event enum, as `derive` would write them, but each
/// bounded by `for<'x> &'x Event: Trait` on every event type: a bound over a higher-ranked
/// lifetime is not a trivial bound, so the impl simply does not apply when an event (say a
/// `rust = ".."` type) lacks the trait, and only a use of it is an error, naming that event.
pub(super) fn emit_enum_debug_and_eq(plan: &Plan, t: usize) -> TokenStream {
    let events = &plan.topics[t].events;
    let tys: Vec<TokenStream> = events.iter().map(|&e| plan.events[e].ty.to_token_stream()).collect();
    enum_debug_and_eq(&plan.topics[t].camel, &event_idents(plan, events), &tys)
}

/// [`emit_enum_debug_and_eq`] for enum `camel` whose variants `idents` wrap `tys`.
pub(super) fn enum_debug_and_eq(camel: &Ident, idents: &[Ident], tys: &[TokenStream]) -> TokenStream {
    let names = idents.iter().map(Ident::to_string);
    let mismatch = (idents.len() > 1).then(|| quote!(_ => false,));
    quote! {
        impl ::core::fmt::Debug for #camel
        where
            #(for<'x> &'x #tys: ::core::fmt::Debug,)*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(Self::#idents(event) => f.debug_tuple(#names).field(&event).finish(),)*
                }
            }
        }

        impl ::core::cmp::PartialEq for #camel
        where
            #(for<'x> &'x #tys: ::core::cmp::PartialEq,)*
        {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    #((Self::#idents(a), Self::#idents(b)) => a == b,)*
                    #mismatch
                }
            }
        }
    }
}
