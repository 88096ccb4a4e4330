//! A ring topic's module: its `Carries` impls, ring type, `Handle` and `Publisher` (the
//! runtime's generic `TopicHandle` and `TopicPublisher`, which the topic's event enum
//! describes, with how the ring stores its events).

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::model::Choice;
use crate::model::{Overflow, Producers};
use crate::plan::{Plan, RingPlan};

/// What the pieces of a ring topic's module are built from.
pub(super) struct RingTopic<'p> {
    pub(super) plan: &'p Plan,
    pub(super) t: usize,
    pub(super) topic: &'p Topic,
    pub(super) ring: &'p RingPlan,
    pub(super) multi: bool,
}

/// A ring topic's module body.
pub(super) fn emit_ring_topic(plan: &Plan, t: usize, ring: &RingPlan) -> TokenStream {
    let topic = &plan.topics[t];
    let rt = RingTopic { plan, t, topic, ring, multi: ring.producers == Producers::Multi };
    let (carries, types, handle, publisher) = (rt.carries(), rt.types(), rt.handle(), rt.publisher());
    quote! {
        #carries
        #types
        #handle
        #publisher
    }
}

impl RingTopic<'_> {
    /// `hardwire::Carries` for each event (the runtime has it for the event enum): what the
    /// publisher takes.
    fn carries(&self) -> TokenStream {
        let (plan, topic) = (self.plan, self.topic);
        let camel = &topic.camel;
        let carries = topic.events.iter().map(|&e| {
            let (ty, ident) = (nested(plan, &plan.events[e].ty), event_ident(plan, e));
            quote! {
                impl ::hardwire::Carries<super::#camel> for #ty {
                    #[inline(always)]
                    fn into_event(self) -> super::#camel {
                        super::#camel::#ident(self)
                    }
                }
            }
        });
        quote!(#(#carries)*)
    }

    /// `Taps`, `Wire`, `Ring`, the topic's stats, and the ring's size check.
    fn types(&self) -> TokenStream {
        let (plan, t, topic) = (self.plan, self.t, self.topic);
        let (camel, name) = (&topic.camel, &topic.name);
        let wire = wire_type(plan, t);
        let capacity = self.ring.capacity;
        let subs = topic.readers().max(1);
        let overflow = match self.ring.overflow {
            Overflow::Overwrite => quote!(::hardwire::Overwrite),
            Overflow::Backpressure => quote!(::hardwire::Backpressure),
        };
        let declared = topic.readers();
        let records = topic.subscribers.iter().map(|&s| {
            let (sub_name, record) = (&plan.subscribers[s].name, self.ring.record_of(topic, s));
            quote!((#sub_name, #record))
        });
        let bridge = self.ring.bridge.as_ref().zip(self.ring.bridge_record()).map(|(bridge, record)| {
            let label = format!("{} bridge", bridge.engine.spelling());
            quote!((#label, #record))
        });
        let records = records.chain(bridge);
        let topic_stats = quote! {
            /// This topic's declared subscribers, in declaration order, with their ring
            /// records (and its bridge's, last).
            const SUBSCRIBERS: [(&str, usize); #declared] = [#(#records),*];

            /// The topic's counters: its ring's, and where each declared subscriber stands.
            pub(super) fn topic_stats(ring: &Ring) -> ::hardwire::TopicStats<#declared> {
                ::hardwire::TopicStats {
                    name: #name,
                    ring: ring.stats(),
                    subscribers: SUBSCRIBERS.map(|(name, record)| (name, ::hardwire::AnyRing::record_status(ring, record))),
                }
            }
        };
        let view = if let [only] = topic.events.as_slice() {
            let (ty, ident) = (nested(plan, &plan.events[*only].ty), event_ident(plan, *only));
            quote! {
                /// The topic's event as its subscribers' handlers read it: in place.
                #[doc(hidden)]
                pub enum View<'a> {
                    #ident(::hardwire::__private::Viewed<'a, #ty>),
                }
            }
        } else {
            quote! {
                /// The topic's events as its subscribers' handlers read them: in place.
                #[doc(hidden)]
                pub type View<'a> = <super::#camel as ::hardwire::__private::EventView>::View<'a>;
            }
        };
        let memory_message = format!(
            "{}topic `{name}`: its ring needs more memory than this target allows for one ring (4 GiB, and 2 GiB, `isize::MAX`, on 32-bit targets); lower `capacity`",
            self.ring.capacity_prefix
        );
        quote! {
                /// Handlers added at run time that see every event published to this topic
                /// (debuggers, loggers, tests), on the publisher's thread, after the event is in
                /// the ring. A topic nobody taps pays one relaxed load per publish.
                pub type Taps = ::hardwire::Taps<super::#camel>;

                /// The payload of this topic's ring slots.
                pub type Wire = #wire;

                #view

                /// This topic's ring.
                pub type Ring = ::hardwire::Ring<Wire, #capacity, #overflow, #subs>;

                #topic_stats

                const _: () = ::core::assert!(::hardwire::__private::ring_fits::<Wire>(#capacity, #subs), #memory_message);
        }
    }

    /// The doc line of the publisher and of `Handle::publisher`.
    pub(super) fn publisher_doc(&self) -> String {
        format!(
            " Publishes to topic `{}`. {}",
            self.topic.name,
            if self.multi {
                "Clone it for every producing thread."
            } else {
                "Taken once: this topic has a single producer."
            }
        )
    }

    /// The topic's `Handle`: the runtime's generic `TopicHandle`.
    fn handle(&self) -> TokenStream {
        let camel = &self.topic.camel;
        quote! {
                /// Topic handle, from the bus: its publisher, counters and taps. Its methods:
                /// [`TopicHandle`](::hardwire::TopicHandle).
                pub type Handle<'a> = ::hardwire::TopicHandle<'a, super::#camel>;
        }
    }

    /// How the ring stores the topic's events: a single event's own wire form, or the
    /// event enum's (tagged).
    pub(super) fn codec(&self) -> TokenStream {
        let (plan, topic) = (self.plan, self.topic);
        if let [only] = topic.events.as_slice() {
            let (ty, ident) = (nested(plan, &plan.events[*only].ty), event_ident(plan, *only));
            quote! {
                #[inline(always)]
                fn encode(&self) -> Wire {
                    match self {
                        Self::#ident(event) => ::hardwire::Event::to_wire(event),
                    }
                }
                #[inline(always)]
                fn decode(wire: &Wire) -> ::core::result::Result<Self, ::hardwire::WireError> {
                    <#ty as ::hardwire::Event>::from_wire(wire).map(Self::#ident)
                }
                #[inline(always)]
                fn view(
                    wire: &Wire,
                ) -> ::core::result::Result<View<'_>, ::hardwire::WireError> {
                    <#ty as ::hardwire::Event>::__view(wire).map(View::#ident)
                }
            }
        } else {
            quote! {
                #[inline(always)]
                fn encode(&self) -> Wire {
                    ::hardwire::Event::to_wire(self)
                }
                #[inline(always)]
                fn decode(wire: &Wire) -> ::core::result::Result<Self, ::hardwire::WireError> {
                    <Self as ::hardwire::Event>::from_wire(wire)
                }
                #[inline(always)]
                fn view(
                    wire: &Wire,
                ) -> ::core::result::Result<View<'_>, ::hardwire::WireError> {
                    <Self as ::hardwire::__private::EventView>::view(wire)
                }
            }
        }
    }
}
