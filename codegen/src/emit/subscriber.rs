//! Each subscriber's handle: `Subscriber` (and a stage's `Outputs`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::*;
use crate::plan::Plan;

/// Subscriber `s`'s module: its `Subscriber` handle (and a stage's `Outputs`).
/// `imports` start the module (`nested_imports`).
pub(super) fn emit_subscriber(plan: &Plan, s: usize, imports: &TokenStream) -> TokenStream {
    let subscriber = &plan.subscribers[s];
    let (camel, snake, name) = (&subscriber.camel, &subscriber.snake, &subscriber.name);
    let reads: Vec<&crate::plan::Subscription> =
        subscriber.subscriptions.iter().filter(|sub| plan.topics[sub.topic].ring().is_some()).collect();
    let taken_index = subscriber.handle.unwrap_or(0);
    // The readers are a tuple, in `reads` order, so that no field or local of the handle is
    // named after a topic (a topic may be called `state` or `outputs`).
    let reader_types = reads.iter().map(|sub| {
        let topic_camel = &plan.topics[sub.topic].camel;
        // A narrowed subscriber decodes into its own enum; the others into the topic's.
        let narrowed = narrowed(plan, sub).then(|| quote!(, self::#topic_camel));
        quote!(::hardwire::TopicSubscriber<'a, super::#topic_camel #narrowed>)
    });
    let readers: Vec<syn::Index> = (0..reads.len()).map(syn::Index::from).collect();
    let count = reads.len();
    let is_stage = !subscriber.publishes.is_empty();
    // The poll closures capture the outputs through a local: a closure in a crate of an
    // edition before 2021 would capture all of `self`, which the reader's call borrows.
    let out_arg = is_stage.then(|| quote!(, &mut *outputs));
    let registers = registers(plan, s, &reads);
    let Outputs {
        item: outputs,
        field: outputs_field,
        claims: output_claims,
        init: outputs_init,
        accessor: outputs_accessor,
    } = outputs(plan, subscriber);
    let polls = reads.iter().enumerate().map(|(i, sub)| poll_topic(plan, i, sub, out_arg.as_ref()));
    // `leave` takes the handle apart: each reader leaves its topic (freeing its record),
    // then the claim is given up; the outputs drop with the rest.
    let departs = readers.iter().map(|i| quote!(readers.#i.leave();));
    let leave_pattern = if reads.is_empty() { quote!(state, ..) } else { quote!(readers, state, ..) };
    let narrowed_enums = reads.iter().filter(|sub| narrowed(plan, sub)).map(|sub| narrowed_enum(plan, name, sub));
    let try_recvs = reads.iter().enumerate().map(|(i, sub)| receive_methods(plan, i, sub));
    let run_methods = run_methods(camel, polls, &readers, is_stage);
    let misc_methods = misc_methods(&readers);
    let struct_doc =
        format!(" The handle of subscriber `{name}`: drains its topics into a [`{camel}`](super::{camel}) handler.");
    let lifecycle_doc = if subscriber.optional {
        " Declared `optional`: it joins its topics at the newest event when taken and leaves them when dropped, so it holds lossless topics back only while held."
    } else {
        " Its place in each topic exists from the bus's creation: lossless topics keep every event for it until it reads them, whether or not a handle is held, and dropping this handle keeps the place (the next take resumes exactly here). `leave()` gives the place up for good."
    };
    quote! {
        #[doc = #struct_doc]
        pub mod #snake {
            #imports

            #outputs

            #(#narrowed_enums)*

            #[doc = #struct_doc]
            #[doc = #lifecycle_doc]
            #[derive(Debug)]
            pub struct Subscriber<'a> {
                readers: (#(#reader_types,)*),
                #outputs_field
                // Last: its drop releases the claim after the readers parked their records.
                state: ::hardwire::__private::SubscriberState<'a, super::Bus, #count>,
            }

            impl<'a> Subscriber<'a> {
                pub(super) fn take(
                    bus: ::hardwire::__private::Part<'a, super::Bus, super::Bus>,
                ) -> ::core::result::Result<Self, ::hardwire::TakeError> {
                    // Claimed first: a take that fails later drops it, which gives it back.
                    let state = ::hardwire::__private::SubscriberState::take(bus.project(|bus| &bus.taken[#taken_index]), #name)?;
                    let readers = (#(#registers)*);
                    #output_claims
                    ::core::result::Result::Ok(Self { readers, #outputs_init state })
                }

                /// Leaves the bus for good: this subscriber stops holding its lossless
                /// topics' publishers back, receives nothing more, and cannot be taken
                /// again ([`TakeError::Left`](::hardwire::TakeError)). Dropping the handle
                /// instead keeps its place.
                pub fn leave(self) {
                    let Self { #leave_pattern } = self;
                    #(#departs)*
                    state.leave();
                }

                #run_methods

                #(#try_recvs)*

                #misc_methods

                #outputs_accessor
            }

        }
    }
}

/// `poll`, `run` and `run_async`: the handle feeding a `camel` handler.
fn run_methods(
    camel: &Ident,
    polls: impl Iterator<Item = TokenStream>,
    readers: &[syn::Index],
    is_stage: bool,
) -> TokenStream {
    let outputs = is_stage.then(|| quote!(let outputs = &mut self.outputs;));
    quote! {
    /// Delivers every event that is ready (at most a ring's capacity per topic)
    /// to `handler`, and lag reports to `on_lagged`; never blocks. Returns how
    /// many events and lag reports it consumed.
    pub fn poll<H: super::#camel + ?Sized>(&mut self, handler: &mut H) -> usize {
        use ::core::result::Result::{Err, Ok};
        use ::hardwire::TryRecvError;
        #outputs
        let mut progress = 0;
        #(#polls)*
        progress
    }

    /// Polls until `shutdown` is triggered or every topic is closed and drained,
    /// waiting with the handle's wait strategy when nothing is ready (a publish to any
    /// of its topics wakes it).
    pub fn run<H: super::#camel + ?Sized>(&mut self, handler: &mut H, shutdown: &::hardwire::Shutdown) {
        while !shutdown.is_triggered()
            && ::hardwire::__private::SubscriberState::proceed(self.poll(handler), &self.state, shutdown, &[#(&self.readers.#readers),*])
        {}
    }

    ::hardwire::__private::if_async! {
        /// [`Subscriber::run`] in a task (feature `async`): polls until `shutdown` is
        /// triggered or every topic is closed and drained, awaiting a publish to any
        /// of its topics (or the trigger) when nothing is ready. The handler runs
        /// inside the task.
        pub async fn run_async<H: super::#camel + ?Sized>(&mut self, handler: &mut H, shutdown: &::hardwire::Shutdown) {
            while !shutdown.is_triggered()
                && ::hardwire::__private::SubscriberState::proceed_async(self.poll(handler), &self.state, shutdown, [#(&self.readers.#readers),*]).await
            {}
        }
    }
    }
}

/// The wait strategy's setters and `stats()`, over the handle's readers.
fn misc_methods(readers: &[syn::Index]) -> TokenStream {
    let stats = if readers.is_empty() {
        quote!(::hardwire::SubscriberStats::default())
    } else {
        quote!([#(self.readers.#readers.stats()),*].into_iter().sum())
    };
    quote! {
    /// The strategy `run` waits with (default: backoff, then park).
    pub fn set_wait_strategy(&mut self, strategy: ::hardwire::WaitStrategy) {
        #(self.readers.#readers.set_wait_strategy(strategy);)*
        self.state.strategy = strategy;
    }

    /// [`Subscriber::set_wait_strategy`], by value.
    #[must_use]
    pub fn with_wait_strategy(mut self, strategy: ::hardwire::WaitStrategy) -> Self {
        self.set_wait_strategy(strategy);
        self
    }

    /// This subscriber's counters, summed over its topics.
    #[must_use]
    pub fn stats(&self) -> ::hardwire::SubscriberStats {
        #stats
    }
    }
}

/// What `open` does per topic: attach to the subscriber's ring record. A declared
/// subscriber resumes its reserved record; an optional one joins at the head.
fn registers(plan: &Plan, s: usize, reads: &[&crate::plan::Subscription]) -> Vec<TokenStream> {
    let subscriber = &plan.subscribers[s];
    let (name, resume) = (&subscriber.name, !subscriber.optional);
    reads
        .iter()
        .map(|sub| {
            let topic = &plan.topics[sub.topic];
            let index = topic.ring().map_or(0, |ring| ring.record_of(topic, s));
            let ring = super::ring_ref(plan, sub.topic, &quote!(bus));
            // The topic named, not inferred: inferring it from the ring's type made rustc weigh
            // every topic's `RingTopic` impl at each call (quadratic in the bus's size).
            let camel = &topic.camel;
            quote!(::hardwire::__private::attach::<super::#camel, _>(bus.project(|bus| #ring), #index, #resume, #name)?,)
        })
        .collect()
}
