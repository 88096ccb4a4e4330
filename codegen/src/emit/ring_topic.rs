//! A ring topic's module: its `Carries` impls, ring type, `Handle` and `Publisher` (the
//! runtime's generic `TopicPublisher`, which the topic's event enum describes).

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
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
    /// `hardwire::Carries` for each event and for the event enum: what the publisher takes.
    fn carries(&self) -> TokenStream {
        let (plan, topic) = (self.plan, self.topic);
        let camel = &topic.camel;
        let single = topic.events.len() == 1;
        let carries = topic.events.iter().map(|&e| {
            let ty = nested(&plan.events[e].ty);
            let ident = event_ident(plan, e);
            let into = if single {
                quote!(::hardwire::Event::to_wire(&self))
            } else {
                quote!(::hardwire::Event::to_wire(&super::#camel::#ident(self)))
            };
            quote! {
                impl ::hardwire::Carries<super::#camel> for #ty {
                    #[inline(always)]
                    fn into_wire(self) -> Wire {
                        #into
                    }
                    #[inline(always)]
                    fn into_event(self) -> super::#camel {
                        super::#camel::#ident(self)
                    }
                }
            }
        });
        let enum_into = if single {
            let ident = event_ident(plan, topic.events[0]);
            quote!(match self { super::#camel::#ident(event) => ::hardwire::Event::to_wire(&event) })
        } else {
            quote!(::hardwire::Event::to_wire(&self))
        };
        quote! {
                #(#carries)*

                impl ::hardwire::Carries<super::#camel> for super::#camel {
                    #[inline(always)]
                    fn into_wire(self) -> Wire {
                        #enum_into
                    }
                    #[inline(always)]
                    fn into_event(self) -> super::#camel {
                        self
                    }
                }
        }
    }

    /// `Taps`, `Wire`, `Ring`, the topic's stats, and the ring's size check.
    fn types(&self) -> TokenStream {
        let (plan, t, topic) = (self.plan, self.t, self.topic);
        let (camel, name) = (&topic.camel, &topic.name);
        let wire = wire_type(plan, t);
        let capacity = self.ring.capacity;
        let subs = topic.subscribers.len().max(1);
        let overflow = match self.ring.overflow {
            Overflow::Overwrite => quote!(::hardwire::Overwrite),
            Overflow::Backpressure => quote!(::hardwire::Backpressure),
        };
        let declared = topic.subscribers.len();
        let records = topic.subscribers.iter().map(|&s| {
            let (sub_name, record) = (&plan.subscribers[s].name, self.ring.record_of(topic, s));
            quote!((#sub_name, #record))
        });
        let topic_stats = quote! {
            /// This topic's declared subscribers, in declaration order, with their ring records.
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

    /// The topic's `Handle`: its publisher, counters and taps.
    fn handle(&self) -> TokenStream {
        let publisher_doc = self.publisher_doc();
        let handle_holding_back = holding_back(&quote!(self.ring));
        quote! {
                /// Topic handle, from the bus: its publisher and its counters.
                #[derive(Clone, Copy, Debug)]
                pub struct Handle<'a> {
                    ring: &'a Ring,
                    taps: &'a Taps,
                }

                impl<'a> Handle<'a> {
                    pub(super) const fn new(ring: &'a Ring, taps: &'a Taps) -> Self {
                        Self { ring, taps }
                    }

                    /// This topic's taps: register handlers on `taps().registry()`.
                    #[must_use]
                    pub fn taps(&self) -> &'a Taps {
                        self.taps
                    }

                    #[doc = #publisher_doc]
                    ///
                    /// # Errors
                    ///
                    /// [`TakeError::AlreadyTaken`](::hardwire::TakeError) when a single-producer
                    /// topic's publisher was taken before (by you, or by a stage that publishes
                    /// here), or the topic is closed.
                    pub fn publisher(&self) -> ::core::result::Result<Publisher<'a>, ::hardwire::TakeError> {
                        take_publisher(::hardwire::__private::Part::borrowed(self.ring), ::hardwire::__private::Part::borrowed(self.taps))
                    }

                    /// The ring's counters.
                    #[must_use]
                    pub fn stats(&self) -> ::hardwire::RingStats {
                        self.ring.stats()
                    }

                    /// The ring itself.
                    #[must_use]
                    pub fn ring(&self) -> &'a Ring {
                        self.ring
                    }

                    #handle_holding_back
                }
        }
    }
}
