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

/// What subscription `sub` receives: the topic's event enum, or the narrowed enum declared
/// in the subscriber's module under the same name.
pub(super) fn received_type(plan: &Plan, sub: &Subscription) -> TokenStream {
    let camel = &plan.topics[sub.topic].camel;
    if narrowed(plan, sub) { quote!(self::#camel) } else { quote!(super::#camel) }
}

/// One topic's part of `poll`: up to a ring's capacity of events to the handler (`i` is the
/// topic's place in the handle's `readers` and `closed` flags; `out_arg` passes a stage's
/// outputs). Each event is matched as the topic's `View` (the enum's `EventView`, or for a
/// one-event topic the view enum its module declares), so the handler
/// reads it where it lies: in the ring's slot on a lossless topic. `poll` imports `Ok`, `Err`
/// and `TryRecvError` (its body names nothing else unqualified, so no user item can clash).
pub(super) fn poll_topic(plan: &Plan, i: usize, sub: &Subscription, out_arg: Option<&TokenStream>) -> TokenStream {
    let topic = &plan.topics[sub.topic];
    let (topic_camel, snake) = (&topic.camel, &topic.snake);
    let capacity = topic.ring().map_or(0, |ring| ring.capacity);
    let i = syn::Index::from(i);
    let arms = sub.events.iter().map(|&e| {
        let (ident, method) = (event_ident(plan, e), &plan.events[e].method);
        quote!(Ok(super::#snake::View::#ident(event)) => handler.#method(&event #out_arg),)
    });
    quote! {
        for _ in 0..#capacity {
                match self.readers.#i.poll_with(|read| match read {
                    #(#arms)*
                    #[allow(unreachable_patterns)]
                    Ok(_) => {}
                    Err(error) => handler.on_invalid(super::Topic::#topic_camel, error),
                }) {
                    Ok(()) => {}
                    Err(TryRecvError::Lagged { missed }) => {
                        handler.on_lagged(super::Topic::#topic_camel, missed)
                    }
                    Err(TryRecvError::Closed) => {
                        self.state.closed[#i] = true;
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                }
                progress += 1;
        }
    }
}

/// The enum of the events of a topic that subscriber `name` reads only some of.
pub(super) fn narrowed_enum(plan: &Plan, name: &str, sub: &Subscription) -> TokenStream {
    let topic = &plan.topics[sub.topic];
    let (camel, snake) = (&topic.camel, &topic.snake);
    let idents = event_idents(plan, &sub.events);
    let tys: Vec<TokenStream> = sub.events.iter().map(|&e| nested(plan, &plan.events[e].ty)).collect();
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

        impl ::hardwire::__private::Receives<super::#camel> for #camel {
            #[inline(always)]
            fn receive(
                wire: &super::#snake::Wire,
            ) -> ::core::result::Result<::core::option::Option<Self>, ::hardwire::WireError> {
                ::core::result::Result::Ok(match <super::#camel as ::hardwire::Event>::from_wire(wire)? {
                    #(super::#camel::#idents(event) => ::core::option::Option::Some(Self::#idents(event)),)*
                    #[allow(unreachable_patterns)]
                    _ => ::core::option::Option::None,
                })
            }
        }
    }
}

/// The receive methods of one topic: `try_recv_<topic>`, `recv_<topic>`,
/// `recv_<topic>_timeout`, `drain_<topic>`, and the async ones, each the runtime
/// `TopicSubscriber`'s method of the same name (whose docs say what each error means).
pub(super) fn receive_methods(plan: &Plan, i: usize, sub: &Subscription) -> TokenStream {
    let topic = &plan.topics[sub.topic];
    let (f, name) = (&topic.snake, &topic.name);
    let reader = syn::Index::from(i);
    let received = received_type(plan, sub);
    let [try_recv, recv, recv_timeout, drain, recv_async, recv_async_until] =
        ["try_recv_{}", "recv_{}", "recv_{}_timeout", "drain_{}", "recv_{}_async", "recv_{}_async_until"]
            .map(|pattern| format_ident!("{}", pattern.replace("{}", &f.to_string())));
    let doc = |what: &str, method: &str| {
        format!(" {what} ([`TopicSubscriber::{method}`](::hardwire::TopicSubscriber::{method}) of topic `{name}`).")
    };
    let try_recv_doc = doc("The next event, if one is ready: `poll`'s alternative", "try_recv");
    let recv_doc = doc("The next event, waiting with the handle's wait strategy", "recv");
    let timeout_doc = doc("The next event, waiting at most `timeout` (feature `std`)", "recv_timeout");
    let drain_doc = doc("The events ready now; laps are skipped (counted in `stats()`)", "drain");
    let async_doc = doc("The next event, awaited (feature `async`; cancel-safe)", "recv_async");
    let until_doc = doc("The next event, awaited unless `shutdown` is triggered first", "recv_async_until");
    quote! {
        #[doc = #try_recv_doc]
        ///
        /// # Errors
        ///
        /// `Empty`, `Lagged` or `Closed`.
        #[inline]
        pub fn #try_recv(&mut self) -> ::core::result::Result<#received, ::hardwire::TryRecvError> {
            self.readers.#reader.try_recv()
        }

        #[doc = #recv_doc]
        ///
        /// # Errors
        ///
        /// `Lagged` or `Closed`.
        pub fn #recv(&mut self) -> ::core::result::Result<#received, ::hardwire::RecvError> {
            self.readers.#reader.recv()
        }

        #[doc = #drain_doc]
        pub fn #drain(&mut self) -> impl ::core::iter::Iterator<Item = #received> + '_ {
            self.readers.#reader.drain()
        }

        ::hardwire::__private::if_std! {
            #[doc = #timeout_doc]
            ///
            /// # Errors
            ///
            /// `Lagged`, `Closed` or `Timeout`.
            pub fn #recv_timeout(&mut self, timeout: ::core::time::Duration) -> ::core::result::Result<#received, ::hardwire::RecvError> {
                self.readers.#reader.recv_timeout(timeout)
            }
        }

        ::hardwire::__private::if_async! {
            #[doc = #async_doc]
            ///
            /// # Errors
            ///
            /// `Lagged` or `Closed`.
            pub async fn #recv_async(&mut self) -> ::core::result::Result<#received, ::hardwire::AsyncRecvError> {
                self.readers.#reader.recv_async().await
            }

            #[doc = #until_doc]
            ///
            /// # Errors
            ///
            /// `Lagged`, `Closed` or `Shutdown`.
            pub async fn #recv_async_until(
                &mut self,
                shutdown: &::hardwire::Shutdown,
            ) -> ::core::result::Result<#received, ::hardwire::AsyncRecvUntilError> {
                self.readers.#reader.recv_async_until(shutdown).await
            }
        }
    }
}
