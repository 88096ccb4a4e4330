//! A stage's `Outputs`: the publishers of the topics it publishes to, claimed when its
//! handle is taken.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Producers;
use crate::plan::{Plan, Subscriber};

/// The pieces of a subscriber handle that concern its outputs (all empty unless it is a stage).
pub(super) struct Outputs {
    /// The `Outputs` struct.
    pub(super) item: Option<TokenStream>,
    /// The handle's `outputs` field.
    pub(super) field: Option<TokenStream>,
    /// The claims `take` makes before building anything (a tuple named `claims`).
    pub(super) claims: Option<TokenStream>,
    /// The `outputs` field's initializer, from the claims.
    pub(super) init: Option<TokenStream>,
    /// The handle's `outputs()` accessor.
    pub(super) accessor: Option<TokenStream>,
}

/// The outputs of subscriber `subscriber`.
pub(super) fn outputs(plan: &Plan, subscriber: &Subscriber) -> Outputs {
    let name = &subscriber.name;
    let is_stage = !subscriber.publishes.is_empty();
    let output_fields = subscriber.publishes.iter().map(|&t| {
        let topic = &plan.topics[t];
        let (f, doc_line) = (&topic.snake, format!(" Publisher of topic `{}`.", topic.name));
        quote!(#[doc = #doc_line] pub #f: super::#f::Publisher<'a>)
    });
    // Every output is claimed before any publisher is built: a failed claim drops the
    // earlier ones, which gives them back, so a failed take changes no topic.
    // (A tuple, so that no local is named after a topic.)
    let claim_items = subscriber.publishes.iter().map(|&t| {
        let topic = &plan.topics[t];
        let topic_name = &topic.name;
        let multi = topic.ring().is_some_and(|ring| ring.producers == Producers::Multi);
        let ring = super::ring_ref(plan, t, &quote!(bus));
        quote!(::hardwire::__private::PublisherClaim::output(bus.project(|bus| #ring), #multi, #name, #topic_name)?,)
    });
    let claims = is_stage.then(|| quote!(let claims = (#(#claim_items)*);));
    let output_builds = subscriber.publishes.iter().enumerate().map(|(k, &t)| {
        let f = &plan.topics[t].snake;
        let (index, k) = (syn::Index::from(t), syn::Index::from(k));
        quote!(#f: super::#f::Publisher::__claimed(claims.#k, bus.project(|bus| &bus.taps.#index)),)
    });
    let outputs = is_stage.then(|| {
        let line = format!(" The publishers of stage `{name}`, passed to its handler's methods as `out`.");
        quote! {
            #[doc = #line]
            #[derive(Debug)]
            pub struct Outputs<'a> {
                #(#output_fields,)*
            }
        }
    });
    let outputs_field = is_stage.then(|| quote!(outputs: Outputs<'a>,));
    let outputs_init = is_stage.then(|| quote!(outputs: Outputs { #(#output_builds)* },));
    let outputs_accessor = is_stage.then(|| {
        quote! {
            /// This stage's publishers, for publishing outside a handler call.
            pub fn outputs(&mut self) -> &mut Outputs<'a> {
                &mut self.outputs
            }
        }
    });
    Outputs { item: outputs, field: outputs_field, claims, init: outputs_init, accessor: outputs_accessor }
}
