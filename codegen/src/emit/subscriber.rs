//! Each subscriber's handle: `Subscriber` (and a stage's `Outputs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::*;
use crate::model::{Delivery, Producers};
use crate::plan::Plan;

pub(super) fn emit_subscriber(plan: &Plan, s: usize) -> TokenStream {
    let subscriber = &plan.subscribers[s];
    let (camel, snake, name) = (&subscriber.camel, &subscriber.snake, &subscriber.name);
    let reads: Vec<&crate::plan::Subscription> =
        subscriber.subscriptions.iter().filter(|sub| plan.topics[sub.topic].delivery == Delivery::Ring).collect();
    let record = |t: usize| plan.record_index(t, s);
    let taken_index = (0..s).filter(|&x| plan.reads_rings(x)).count();
    let field = |t: usize| plan.topics[t].snake.clone();
    let fields = reads.iter().map(|sub| {
        let (f, topic_snake) = (field(sub.topic), &plan.topics[sub.topic].snake);
        quote!(#f: ::hardwire::Subscriber<::hardwire::__private::Part<'a, super::#topic_snake::Ring, super::Bus>>)
    });
    let count = reads.len();
    let is_stage = !subscriber.publishes.is_empty();
    let out_arg = is_stage.then(|| quote!(, &mut self.outputs));
    // A declared subscriber resumes its reserved records; an optional one joins at the head.
    let attach = if subscriber.optional { quote!(with_record) } else { quote!(resume) };
    let registers = reads.iter().map(|sub| {
        let f = field(sub.topic);
        let index = record(sub.topic);
        quote! {
            let #f = ::hardwire::Subscriber::#attach(bus.project(|bus| &bus.#f), #index)
                .map_err(|_| ::hardwire::TakeError::AlreadyTaken { name: #name })?;
        }
    });
    let field_names: Vec<Ident> = reads.iter().map(|sub| field(sub.topic)).collect();
    let output_fields = subscriber.publishes.iter().map(|&t| {
        let topic = &plan.topics[t];
        let (f, doc_line) = (&topic.snake, format!(" Publisher of topic `{}`.", topic.name));
        quote!(#[doc = #doc_line] pub #f: super::#f::Publisher<'a>)
    });
    // Every output is claimed before any publisher is built: a failed claim drops the
    // earlier ones, which gives them back, so a failed take changes no topic.
    let output_claims = subscriber.publishes.iter().map(|&t| {
        let topic = &plan.topics[t];
        let (f, topic_name) = (&topic.snake, &topic.name);
        let multi = topic.producers == Producers::Multi;
        quote! {
            let #f = ::hardwire::__private::PublisherClaim::new(bus.project(|bus| &bus.#f), #multi).map_err(|_| {
                ::hardwire::TakeError::OutputTaken { subscriber: #name, topic: #topic_name }
            })?;
        }
    });
    let output_builds = subscriber.publishes.iter().map(|&t| {
        let f = &plan.topics[t].snake;
        let index = syn::Index::from(t);
        quote!(#f: super::#f::Publisher::claimed(#f, bus.project(|bus| &bus.taps.#index)),)
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
    // A subscriber given only some of a topic's events receives an enum of exactly those,
    // declared in its own module under the topic enum's name.
    let narrowed = |sub: &crate::plan::Subscription| sub.events.len() < plan.topics[sub.topic].events.len();
    let polls = reads.iter().enumerate().map(|(i, sub)| {
        let topic = &plan.topics[sub.topic];
        let (f, topic_camel) = (field(sub.topic), &topic.camel);
        let capacity = usize::try_from(topic.capacity).unwrap_or(usize::MAX);
        let deliver = if topic.events.len() == 1 {
            let e = topic.events[0];
            let (ty, method) = (nested(&plan.events[e].ty), &plan.events[e].method);
            quote! {
                match <#ty as ::hardwire::Event>::from_wire(&wire) {
                    ::core::result::Result::Ok(event) => handler.#method(&event #out_arg),
                    ::core::result::Result::Err(error) => {
                        self.#f.__reject();
                        handler.on_invalid(super::Topic::#topic_camel, error);
                    }
                }
            }
        } else {
            let arms = sub.events.iter().map(|&e| {
                let (ident, method) = (event_ident(plan, e), &plan.events[e].method);
                quote!(::core::result::Result::Ok(super::#topic_camel::#ident(event)) => handler.#method(&event #out_arg),)
            });
            // Events of the topic this subscriber is not given.
            let others = narrowed(sub).then(|| quote!(::core::result::Result::Ok(_) => {}));
            quote! {
                match <super::#topic_camel as ::hardwire::Event>::from_wire(&wire) {
                    #(#arms)*
                    ::core::result::Result::Err(error) => {
                        self.#f.__reject();
                        handler.on_invalid(super::Topic::#topic_camel, error);
                    }
                    #others
                }
            }
        };
        quote! {
            for _ in 0..#capacity {
                match self.#f.try_recv() {
                    ::core::result::Result::Ok(wire) => {
                        progress += 1;
                        #deliver
                    }
                    ::core::result::Result::Err(::hardwire::TryRecvError::Lagged { missed }) => {
                        progress += 1;
                        handler.on_lagged(super::Topic::#topic_camel, missed);
                    }
                    ::core::result::Result::Err(::hardwire::TryRecvError::Closed) => {
                        self.closed[#i] = true;
                        break;
                    }
                    ::core::result::Result::Err(::hardwire::TryRecvError::Empty) => break,
                }
            }
        }
    });
    let wait = if count == 1 {
        let f = field(reads[0].topic);
        quote!(self.#f.wait_ready(::core::option::Option::Some(shutdown));)
    } else {
        // One wait on every topic: any of their publishers wakes it.
        quote!(::hardwire::wait_any(self.strategy, ::core::option::Option::Some(shutdown), &[#(&self.#field_names),*]);)
    };
    let departs = field_names.iter().map(|f| quote!(self.#f.__depart(self.leaving);));
    let narrowed_enums = reads.iter().filter(|sub| narrowed(sub)).map(|sub| {
        let topic = &plan.topics[sub.topic];
        let camel = &topic.camel;
        let idents = event_idents(plan, &sub.events);
        let tys: Vec<TokenStream> = sub.events.iter().map(|&e| nested(&plan.events[e].ty)).collect();
        let doc_line = format!(
            " The events of topic `{}` that subscriber `{name}` reads: what its `try_recv_{}` returns.",
            topic.name, topic.name
        );
        let printable = enum_debug_and_eq(camel, &idents, &tys);
        let lines = sub.events.iter().map(|&e| format!(" `{}`.", plan.events[e].name));
        quote! {
            #[doc = #doc_line]
            #[derive(Clone, Copy)]
            pub enum #camel {
                #(#[doc = #lines] #idents(#tys),)*
            }

            #printable
        }
    });
    let try_recvs = reads.iter().map(|sub| {
        let topic = &plan.topics[sub.topic];
        let (f, camel) = (field(sub.topic), &topic.camel);
        // What its receive methods return: the topic's enum, or the narrowed one.
        let topic_camel = if narrowed(sub) { quote!(self::#camel) } else { quote!(super::#camel) };
        let method = format_ident!("try_recv_{}", f);
        let doc_line = format!(
            " The next event of topic `{}` this subscriber reads, channel-style, instead of `poll`.",
            topic.name
        );
        let decode = if topic.events.len() == 1 {
            let e = topic.events[0];
            let (ty, ident) = (nested(&plan.events[e].ty), event_ident(plan, e));
            quote! {
                match <#ty as ::hardwire::Event>::from_wire(&wire) {
                    ::core::result::Result::Ok(event) => return ::core::result::Result::Ok(super::#camel::#ident(event)),
                    ::core::result::Result::Err(_) => self.#f.__reject(),
                }
            }
        } else if narrowed(sub) {
            let idents = event_idents(plan, &sub.events);
            quote! {
                match <super::#camel as ::hardwire::Event>::from_wire(&wire) {
                    #(::core::result::Result::Ok(super::#camel::#idents(event)) => {
                        return ::core::result::Result::Ok(self::#camel::#idents(event));
                    })*
                    ::core::result::Result::Ok(_) => {}
                    ::core::result::Result::Err(_) => self.#f.__reject(),
                }
            }
        } else {
            quote! {
                match <super::#camel as ::hardwire::Event>::from_wire(&wire) {
                    ::core::result::Result::Ok(event) => return ::core::result::Result::Ok(event),
                    ::core::result::Result::Err(_) => self.#f.__reject(),
                }
            }
        };
        let async_method = format_ident!("recv_{}_async", f);
        let async_doc = format!(
            " The next event of topic `{}` this subscriber reads, waiting asynchronously (feature `async`).",
            topic.name
        );
        let async_until = format_ident!("recv_{}_async_until", f);
        let async_until_doc = format!(" [`Subscriber::{async_method}`], unless `shutdown` is triggered first (feature `async`).");
        let (recv, recv_timeout, drain) =
            (format_ident!("recv_{}", f), format_ident!("recv_{}_timeout", f), format_ident!("drain_{}", f));
        let recv_doc = format!(
            " The next event of topic `{}` this subscriber reads, waiting for it with the handle's wait strategy.",
            topic.name
        );
        let timeout_doc = format!(" [`Subscriber::{recv}`], giving up after `timeout` (feature `std`).");
        let drain_doc = format!(
            " The events of topic `{}` this subscriber reads that are ready now; laps are skipped (counted in `stats()`).",
            topic.name
        );
        quote! {
            #[doc = #doc_line]
            ///
            /// # Errors
            ///
            /// As [`hardwire::Subscriber::try_recv`](::hardwire::Subscriber::try_recv).
            #[inline]
            pub fn #method(&mut self) -> ::core::result::Result<#topic_camel, ::hardwire::TryRecvError> {
                loop {
                    let wire = self.#f.try_recv()?;
                    #decode
                }
            }

            #[doc = #recv_doc]
            ///
            /// # Errors
            ///
            /// As [`hardwire::Subscriber::recv`](::hardwire::Subscriber::recv): `Lagged` or `Closed`.
            pub fn #recv(&mut self) -> ::core::result::Result<#topic_camel, ::hardwire::RecvError> {
                loop {
                    let wire = self.#f.recv()?;
                    #decode
                }
            }

            ::hardwire::__private::if_std! {
                #[doc = #timeout_doc]
                ///
                /// # Errors
                ///
                /// As [`hardwire::Subscriber::recv_timeout`](::hardwire::Subscriber::recv_timeout):
                /// `Lagged`, `Closed` or `Timeout`.
                pub fn #recv_timeout(
                    &mut self,
                    timeout: ::core::time::Duration,
                ) -> ::core::result::Result<#topic_camel, ::hardwire::RecvError> {
                    let deadline = ::hardwire::__private::Instant::now() + timeout;
                    loop {
                        let left = deadline.saturating_duration_since(::hardwire::__private::Instant::now());
                        let wire = self.#f.recv_timeout(left)?;
                        #decode
                    }
                }
            }

            #[doc = #drain_doc]
            pub fn #drain(&mut self) -> impl ::core::iter::Iterator<Item = #topic_camel> + '_ {
                ::core::iter::from_fn(move || loop {
                    match self.#method() {
                        ::core::result::Result::Ok(event) => return ::core::option::Option::Some(event),
                        ::core::result::Result::Err(::hardwire::TryRecvError::Lagged { .. }) => {}
                        ::core::result::Result::Err(_) => return ::core::option::Option::None,
                    }
                })
            }

            ::hardwire::__private::if_async! {
                #[doc = #async_doc]
                /// Cancel-safe: dropping the future loses no event.
                ///
                /// # Errors
                ///
                /// `Lagged` or `Closed`, as [`hardwire::Subscriber::recv_async`](::hardwire::Subscriber::recv_async).
                pub async fn #async_method(&mut self) -> ::core::result::Result<#topic_camel, ::hardwire::AsyncRecvError> {
                    loop {
                        let wire = self.#f.recv_async().await?;
                        #decode
                    }
                }

                #[doc = #async_until_doc]
                /// A task awaiting here is woken by [`Shutdown::trigger`](::hardwire::Shutdown::trigger).
                /// Cancel-safe.
                ///
                /// # Errors
                ///
                /// `Lagged`, `Closed` or `Shutdown`, as
                /// [`hardwire::Subscriber::recv_async_until`](::hardwire::Subscriber::recv_async_until).
                pub async fn #async_until(
                    &mut self,
                    shutdown: &::hardwire::Shutdown,
                ) -> ::core::result::Result<#topic_camel, ::hardwire::AsyncRecvUntilError> {
                    loop {
                        let wire = self.#f.recv_async_until(shutdown).await?;
                        #decode
                    }
                }
            }
        }
    });
    let strategies = reads.iter().map(|sub| {
        let f = field(sub.topic);
        quote!(self.#f.set_wait_strategy(strategy);)
    });
    let stats = reads.iter().map(|sub| {
        let f = field(sub.topic);
        quote!(add(self.#f.stats());)
    });
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
            #[allow(unused_imports)] // paths in the topology are relative to the bus module
            use super::*;

            #outputs

            #(#narrowed_enums)*

            #[doc = #struct_doc]
            #[doc = #lifecycle_doc]
            #[derive(Debug)]
            pub struct Subscriber<'a> {
                #(#fields,)*
                #outputs_field
                closed: [bool; #count],
                strategy: ::hardwire::WaitStrategy,
                claim: ::hardwire::__private::Part<'a, ::hardwire::__private::Once, super::Bus>,
                leaving: bool,
            }

            impl<'a> Subscriber<'a> {
                pub(super) fn take(
                    bus: ::hardwire::__private::Part<'a, super::Bus, super::Bus>,
                ) -> ::core::result::Result<Self, ::hardwire::TakeError> {
                    bus.taken[#taken_index].take(#name)?;
                    // A take that fails half-way gives its claim back.
                    Self::open(&bus).inspect_err(|_| bus.taken[#taken_index].release())
                }

                fn open(
                    bus: &::hardwire::__private::Part<'a, super::Bus, super::Bus>,
                ) -> ::core::result::Result<Self, ::hardwire::TakeError> {
                    #(#registers)*
                    #(#output_claims)*
                    ::core::result::Result::Ok(Self {
                        #(#field_names,)*
                        #outputs_init
                        closed: [false; #count],
                        strategy: ::hardwire::WaitStrategy::backoff(),
                        claim: bus.project(|bus| &bus.taken[#taken_index]),
                        leaving: false,
                    })
                }

                /// Leaves the bus for good: this subscriber stops holding its lossless
                /// topics' publishers back, receives nothing more, and cannot be taken
                /// again ([`TakeError::Left`](::hardwire::TakeError)). Dropping the handle
                /// instead keeps its place.
                pub fn leave(mut self) {
                    self.leaving = true;
                }

                /// Delivers every event that is ready (at most a ring's capacity per topic)
                /// to `handler`, and lag reports to `on_lagged`; never blocks. Returns how
                /// many events and lag reports it consumed.
                pub fn poll<H: super::#camel + ?Sized>(&mut self, handler: &mut H) -> usize {
                    let mut progress = 0;
                    #(#polls)*
                    progress
                }

                /// Polls until `shutdown` is triggered or every topic is closed and drained,
                /// waiting with the handle's wait strategy when nothing is ready.
                pub fn run<H: super::#camel + ?Sized>(&mut self, handler: &mut H, shutdown: &::hardwire::Shutdown) {
                    while !shutdown.is_triggered() {
                        if self.poll(handler) > 0 {
                            continue;
                        } else if self.closed.iter().all(|closed| *closed) {
                            return;
                        } else {
                            #wait
                        }
                    }
                }

                ::hardwire::__private::if_async! {
                    /// [`Subscriber::run`] in a task (feature `async`): polls until `shutdown` is
                    /// triggered or every topic is closed and drained, awaiting a publish to any
                    /// of its topics (or the trigger) when nothing is ready. The handler runs
                    /// inside the task.
                    pub async fn run_async<H: super::#camel + ?Sized>(&mut self, handler: &mut H, shutdown: &::hardwire::Shutdown) {
                        while !shutdown.is_triggered() {
                            if self.poll(handler) > 0 {
                                continue;
                            } else if self.closed.iter().all(|closed| *closed) {
                                return;
                            } else {
                                ::hardwire::wait_any_async(::core::option::Option::Some(shutdown), [#(&self.#field_names),*]).await;
                            }
                        }
                    }
                }

                #(#try_recvs)*

                /// The strategy `run` waits with (default: backoff, then park).
                pub fn set_wait_strategy(&mut self, strategy: ::hardwire::WaitStrategy) {
                    #(#strategies)*
                    self.strategy = strategy;
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
                    let mut total = ::hardwire::SubscriberStats::default();
                    let mut add = |stats: ::hardwire::SubscriberStats| {
                        total.received += stats.received;
                        total.lagged += stats.lagged;
                        total.skipped += stats.skipped;
                        total.torn_reads += stats.torn_reads;
                        total.invalid += stats.invalid;
                    };
                    #(#stats)*
                    total
                }

                #outputs_accessor
            }

            impl ::core::ops::Drop for Subscriber<'_> {
                /// Parks every ring record (or, after `leave`, frees them) before the
                /// handle's claim is released, so the next take resumes exactly here.
                fn drop(&mut self) {
                    #(#departs)*
                    if self.leaving {
                        self.claim.leave();
                    } else {
                        self.claim.release();
                    }
                }
            }
        }
    }
}
