//! An inline topic's module: its `Dispatcher`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::*;
use crate::model::Size;
use crate::plan::{Plan, Subscriber};

/// An inline topic's `Carries` items, and the rest of its module.
pub(super) fn emit_inline_topic(plan: &Plan, t: usize) -> (TokenStream, TokenStream) {
    let topic = &plan.topics[t];
    let camel = &topic.camel;
    let subscribers: Vec<&Subscriber> = topic.subscribers.iter().map(|&s| &plan.subscribers[s]).collect();
    let params: Vec<Ident> = (0..subscribers.len()).map(|i| format_ident!("H{}", i)).collect();
    let emit_bytes = plan.topics[t].bytes.map(emit_bytes);
    let fields: Vec<&Ident> = subscribers.iter().map(|s| &s.snake).collect();
    let bounds = bounds(&subscribers, &params);
    let dispatch = topic.events.iter().map(|&e| dispatch_impl(plan, t, e, &subscribers, &params));
    let arms = topic.events.iter().map(|&e| {
        let ident = event_ident(plan, e);
        quote!(super::#camel::#ident(event) => event.dispatch(to),)
    });
    let handler_docs: Vec<String> =
        subscribers.iter().map(|s| format!(" Handler of subscriber `{}`.", s.name)).collect();
    let names: Vec<&str> = subscribers.iter().map(|s| s.name.as_str()).collect();
    let dispatcher_doc = format!(
        " Delivers topic `{}` by direct calls, on the caller's thread: `emit` calls {} in declaration order, then returns.",
        topic.name,
        if names.is_empty() {
            "no handler (the topic has no subscriber)".to_owned()
        } else {
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        }
    );
    let trait_items = quote! {
        /// Calls each subscribed handler with this event.
        #[doc(hidden)]
        fn dispatch<#bounds>(self, to: &mut Dispatcher<'_, #(#params),*>);
        /// This type as the topic's event enum, as taps see it.
        #[doc(hidden)]
        fn into_event(self) -> super::#camel;
    };
    let rest = quote! {
            #(#dispatch)*

            impl sealed::Sealed for super::#camel {}
            impl Carries for super::#camel {
                #[inline(always)]
                fn dispatch<#bounds>(self, to: &mut Dispatcher<'_, #(#params),*>) {
                    match self {
                        #(#arms)*
                    }
                }
                #[inline(always)]
                fn into_event(self) -> super::#camel {
                    self
                }
            }

            /// Handlers added at run time that see every event emitted through a
            /// dispatcher made by [`Handle::dispatcher`] (debuggers, loggers, tests), after
            /// the subscribers' handlers. A topic nobody taps pays one relaxed load per emit.
            pub type Taps = ::hardwire::Taps<super::#camel>;

            /// Topic handle, from the bus: its taps, and dispatchers that call them.
            #[derive(Clone, Copy, Debug)]
            pub struct Handle<'a> {
                taps: &'a Taps,
            }

            impl<'a> Handle<'a> {
                pub(super) const fn new(taps: &'a Taps) -> Self {
                    Self { taps }
                }

                /// This topic's taps: register handlers on `taps().registry()`.
                #[must_use]
                pub fn taps(&self) -> &'a Taps {
                    self.taps
                }

                /// A dispatcher over these handlers that also calls this topic's taps.
                #[must_use]
                #[allow(clippy::too_many_arguments)] // one per subscriber of the topic
                pub fn dispatcher<#bounds>(&self, #(#fields: &'a mut #params),*) -> Dispatcher<'a, #(#params),*> {
                    Dispatcher { #(#fields,)* __hardwire_taps: ::core::option::Option::Some(self.taps), _handlers: ::core::marker::PhantomData }
                }
            }

            #[doc = #dispatcher_doc]
            pub struct Dispatcher<'h, #(#params: ?Sized),*> {
                #(#[doc = #handler_docs] pub #fields: &'h mut #params,)*
                __hardwire_taps: ::core::option::Option<&'h Taps>,
                _handlers: ::core::marker::PhantomData<&'h mut ()>,
            }

            impl<'h, #bounds> Dispatcher<'h, #(#params),*> {
                /// A dispatcher over these handlers, without taps (see [`Handle::dispatcher`]).
                #[inline]
                #[allow(clippy::too_many_arguments)] // one per subscriber of the topic
                pub fn new(#(#fields: &'h mut #params),*) -> Self {
                    Self { #(#fields,)* __hardwire_taps: ::core::option::Option::None, _handlers: ::core::marker::PhantomData }
                }

                /// Calls every subscribed handler with `event`, in declaration order, then
                /// the topic's taps if this dispatcher has them.
                #[inline(always)]
                pub fn emit<E: Carries>(&mut self, event: E) {
                    event.dispatch(self);
                    if let ::core::option::Option::Some(taps) = self.__hardwire_taps {
                        if !taps.is_empty() {
                            taps.notify(&event.into_event());
                        }
                    }
                }

                #emit_bytes
            }

            impl<'h, #(#params: ?Sized),*> ::core::fmt::Debug for Dispatcher<'h, #(#params),*> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct("Dispatcher").finish_non_exhaustive()
                }
            }
    };
    (trait_items, rest)
}

/// `Dispatcher::emit_bytes` of a byte topic of size class `size`.
fn emit_bytes(size: Size) -> TokenStream {
    let ty = format_ident!("{}", size.type_name());
    quote! {
        /// Calls every subscribed handler with a copy of `bytes`.
        ///
        /// # Errors
        ///
        /// [`TooLong`](::hardwire::TooLong) if `bytes` exceeds the topic's size class;
        /// no handler is called then.
        #[inline]
        pub fn emit_bytes(&mut self, bytes: &[u8]) -> ::core::result::Result<(), ::hardwire::TooLong> {
            self.emit(::hardwire::#ty::new(bytes)?);
            ::core::result::Result::Ok(())
        }
    }
}

/// `Carries` for event `e` of inline topic `t`: a call to each subscribed handler.
fn dispatch_impl(plan: &Plan, t: usize, e: usize, subscribers: &[&Subscriber], params: &[Ident]) -> TokenStream {
    let camel = &plan.topics[t].camel;
    let fields: Vec<&Ident> = subscribers.iter().map(|s| &s.snake).collect();
    let bounds = bounds(subscribers, params);
    let ty = nested(plan, &plan.events[e].ty);
    let method = &plan.events[e].method;
    let calls = subscribers
        .iter()
        .zip(&fields)
        .filter(|(s, _)| s.subscriptions.iter().any(|sub| sub.topic == t && sub.events.contains(&e)))
        .map(|(_, field)| quote!(to.#field.#method(&self);));
    let ident = event_ident(plan, e);
    quote! {
        impl sealed::Sealed for #ty {}
        impl Carries for #ty {
            #[inline(always)]
            fn dispatch<#bounds>(self, to: &mut Dispatcher<'_, #(#params),*>) {
                #(#calls)*
            }
            #[inline(always)]
            fn into_event(self) -> super::#camel {
                super::#camel::#ident(self)
            }
        }
    }
}

/// `H0: super::First + ?Sized, H1: ..`: the dispatcher's handler parameters.
fn bounds(subscribers: &[&Subscriber], params: &[Ident]) -> TokenStream {
    let traits = subscribers.iter().map(|s| {
        let camel = &s.camel;
        quote!(super::#camel)
    });
    quote!(#(#params: #traits + ?Sized),*)
}
