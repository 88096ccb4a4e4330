//! Each subscriber's handler trait.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::plan::{Plan, Subscriber};

/// The `out` parameter of a stage's handler methods.
pub(super) fn outputs_param(subscriber: &Subscriber) -> Option<TokenStream> {
    (!subscriber.publishes.is_empty()).then(|| {
        let snake = &subscriber.snake;
        quote!(, out: &mut #snake::Outputs<'_>)
    })
}

/// Subscriber `s`'s handler trait: one `on_<event>` per event it reads, `on_lagged`,
/// `on_invalid`.
pub(super) fn emit_handler(plan: &Plan, s: usize) -> TokenStream {
    let subscriber = &plan.subscribers[s];
    let camel = &subscriber.camel;
    let out = outputs_param(subscriber);
    let methods = subscriber.handled.iter().map(|&e| {
        let event = &plan.events[e];
        let (method, ty) = (&event.method, &event.ty);
        let from: Vec<String> = subscriber
            .subscriptions
            .iter()
            .filter(|sub| sub.events.contains(&e))
            .map(|sub| format!("`{}`", plan.topics[sub.topic].name))
            .collect();
        let line = format!(" Handles `{}` from {}.", event.name, from.join(", "));
        quote! {
            #[doc = #line]
            fn #method(&mut self, event: &#ty #out);
        }
    });
    let topics: Vec<String> =
        subscriber.subscriptions.iter().map(|sub| format!("`{}`", plan.topics[sub.topic].name)).collect();
    let line = format!(
        " Handler of subscriber `{}`, which reads {}{}. Implement one method per event; a missing or extra method does not compile.",
        subscriber.name,
        topics.join(", "),
        if subscriber.publishes.is_empty() {
            String::new()
        } else {
            format!(
                " and publishes to {} through `out`",
                subscriber
                    .publishes
                    .iter()
                    .map(|&t| format!("`{}`", plan.topics[t].name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let user_docs = docs(&subscriber.docs);
    quote! {
        #[doc = #line]
        #user_docs
        pub trait #camel {
            #(#methods)*

            /// Called when this subscriber was lapped on an overwrite topic and missed exactly
            /// `missed` events of `topic`. Does nothing unless overridden.
            #[inline]
            fn on_lagged(&mut self, topic: Topic, missed: u64) {
                let _ = (topic, missed);
            }

            /// Called for an event of `topic` that did not decode (counted in the handle's
            /// `stats().invalid` and discarded): an enum tag or a C-like enum field value
            /// that no variant has, which only bytes from outside a typed publisher can
            /// hold. Does nothing unless overridden.
            #[inline]
            fn on_invalid(&mut self, topic: Topic, error: ::hardwire::WireError) {
                let _ = (topic, error);
            }
        }
    }
}
