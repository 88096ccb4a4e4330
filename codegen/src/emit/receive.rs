//! A subscriber's per-topic code: the poll loop that feeds its handler, the receive
//! methods (`try_recv_<topic>` and friends), and the narrowed event enum of a topic it reads
//! only some events of.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::*;
use crate::plan::{Plan, Subscription};

/// Whether `sub` gives its subscriber only some of the topic's events (which it then
/// receives as an enum of exactly those, declared in its own module under the topic enum's
/// name).
pub(super) fn narrowed(plan: &Plan, sub: &Subscription) -> bool {
    sub.events.len() < plan.topics[sub.topic].events.len()
}

/// One topic's part of `poll`: up to a ring's capacity of events to the handler (`i` is the
/// topic's place in the handle's `closed` flags; `out_arg` passes a stage's outputs).
pub(super) fn poll_topic(plan: &Plan, i: usize, sub: &Subscription, out_arg: Option<&TokenStream>) -> TokenStream {
    let field = |t: usize| plan.topics[t].snake.clone();
    let topic = &plan.topics[sub.topic];
    let (f, topic_camel) = (field(sub.topic), &topic.camel);
    let capacity = topic.ring().map_or(0, |ring| ring.capacity);
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
        let others = narrowed(plan, sub).then(|| quote!(::core::result::Result::Ok(_) => {}));
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
}

/// The enum of the events of a topic that subscriber `name` reads only some of.
pub(super) fn narrowed_enum(plan: &Plan, name: &str, sub: &Subscription) -> TokenStream {
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
}

/// The receive methods of one topic: `try_recv_<topic>`, `recv_<topic>`,
/// `recv_<topic>_timeout`, `drain_<topic>`, and the async ones.
pub(super) fn receive_methods(plan: &Plan, sub: &Subscription) -> TokenStream {
    let field = |t: usize| plan.topics[t].snake.clone();
    let topic = &plan.topics[sub.topic];
    let (f, camel) = (field(sub.topic), &topic.camel);
    // What its receive methods return: the topic's enum, or the narrowed one.
    let topic_camel = if narrowed(plan, sub) { quote!(self::#camel) } else { quote!(super::#camel) };
    // One decoding, which every receive method calls: the event, or `None` for an event of
    // the topic this subscriber does not read, or an invalid wire value (counted).
    let decode_fn = format_ident!("decode_{}", f);
    let decode_body = if topic.events.len() == 1 {
        let e = topic.events[0];
        let (ty, ident) = (nested(&plan.events[e].ty), event_ident(plan, e));
        quote! {
            match <#ty as ::hardwire::Event>::from_wire(&wire) {
                ::core::result::Result::Ok(event) => ::core::option::Option::Some(super::#camel::#ident(event)),
                ::core::result::Result::Err(_) => {
                    self.#f.__reject();
                    ::core::option::Option::None
                }
            }
        }
    } else if narrowed(plan, sub) {
        let idents = event_idents(plan, &sub.events);
        quote! {
            match <super::#camel as ::hardwire::Event>::from_wire(&wire) {
                #(::core::result::Result::Ok(super::#camel::#idents(event)) => {
                    ::core::option::Option::Some(self::#camel::#idents(event))
                })*
                ::core::result::Result::Ok(_) => ::core::option::Option::None,
                ::core::result::Result::Err(_) => {
                    self.#f.__reject();
                    ::core::option::Option::None
                }
            }
        }
    } else {
        quote! {
            let decoded = <super::#camel as ::hardwire::Event>::from_wire(&wire);
            if decoded.is_err() {
                self.#f.__reject();
            }
            decoded.ok()
        }
    };
    let decode_method = quote! {
        #[inline(always)]
        fn #decode_fn(&mut self, wire: super::#f::Wire) -> ::core::option::Option<#topic_camel> {
            #decode_body
        }
    };
    let decode = quote! {
        if let ::core::option::Option::Some(event) = self.#decode_fn(wire) {
            return ::core::result::Result::Ok(event);
        }
    };
    let (sync, asynchronous) =
        (sync_methods(&topic.name, &f, &topic_camel, &decode), async_methods(&topic.name, &f, &topic_camel, &decode));
    quote! {
        #decode_method
        #sync
        #asynchronous
    }
}

/// The blocking and non-blocking receive methods of topic `name` (field `f`), each
/// decoding a wire value with `decode` into `topic_camel`.
fn sync_methods(name: &str, f: &Ident, topic_camel: &TokenStream, decode: &TokenStream) -> TokenStream {
    let method = format_ident!("try_recv_{}", f);
    let doc_line =
        format!(" The next event of topic `{name}` this subscriber reads, channel-style, instead of `poll`.");
    let (recv, recv_timeout, drain) =
        (format_ident!("recv_{}", f), format_ident!("recv_{}_timeout", f), format_ident!("drain_{}", f));
    let recv_doc = format!(
        " The next event of topic `{name}` this subscriber reads, waiting for it with the handle's wait strategy."
    );
    let timeout_doc = format!(" [`Subscriber::{recv}`], giving up after `timeout` (feature `std`).");
    let drain_doc = format!(
        " The events of topic `{name}` this subscriber reads that are ready now; laps are skipped (counted in `stats()`)."
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
    }
}

/// The async receive methods of topic `name` (field `f`), as [`sync_methods`].
fn async_methods(name: &str, f: &Ident, topic_camel: &TokenStream, decode: &TokenStream) -> TokenStream {
    let async_method = format_ident!("recv_{}_async", f);
    let async_doc =
        format!(" The next event of topic `{name}` this subscriber reads, waiting asynchronously (feature `async`).");
    let async_until = format_ident!("recv_{}_async_until", f);
    let async_until_doc =
        format!(" [`Subscriber::{async_method}`], unless `shutdown` is triggered first (feature `async`).");
    quote! {
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
}
