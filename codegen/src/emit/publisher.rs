//! A ring topic's `Publisher`: the runtime's generic `TopicPublisher`, named for the topic,
//! and what it needs to know of the topic (`RingTopic`, and `ByteTopic` for a byte topic).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::ring_topic::RingTopic;
use crate::model::Size;

impl RingTopic<'_> {
    /// `Publisher<'a>`, and the topic's description for it.
    pub(super) fn publisher(&self) -> TokenStream {
        let topic = self.topic;
        let (camel, name) = (&topic.camel, &topic.name);
        let publisher_doc = self.publisher_doc();
        let inner = if self.multi { quote!(MultiPublisher) } else { quote!(Publisher) };
        let bytes = topic.bytes.map(|size| byte_topic(camel, size));
        quote! {
            impl ::hardwire::__private::RingTopic for super::#camel {
                const NAME: &'static str = #name;
                type Bus = super::Bus;
                type Ring = Ring;
                fn holding_back(ring: &Ring) -> ::core::option::Option<(&'static str, ::hardwire::SubscriberStatus)> {
                    topic_stats(ring).holding_back()
                }
            }

            #bytes

            #[doc = #publisher_doc]
            ///
            /// `publish` accepts exactly this topic's events (and its event enum): anything
            /// else does not compile. Its methods: [`TopicPublisher`](::hardwire::TopicPublisher).
            pub type Publisher<'a> = ::hardwire::TopicPublisher<
                'a,
                super::#camel,
                ::hardwire::#inner<::hardwire::__private::Part<'a, Ring, super::Bus>>,
            >;

            /// Takes this topic's publisher (from a `Handle`, or a `SharedBus`).
            pub(super) fn take_publisher<'a>(
                ring: ::hardwire::__private::Part<'a, Ring, super::Bus>,
                taps: ::hardwire::__private::Part<'a, Taps, super::Bus>,
            ) -> ::core::result::Result<Publisher<'a>, ::hardwire::TakeError> {
                ::hardwire::#inner::new(ring)
                    .map(|inner| Publisher::__from_parts(inner, taps))
                    .map_err(|_| ::hardwire::TakeError::AlreadyTaken { name: #name })
            }

            /// The publisher of a claim a stage made.
            pub(super) fn claimed_publisher<'a>(
                claim: ::hardwire::__private::PublisherClaim<::hardwire::__private::Part<'a, Ring, super::Bus>>,
                taps: ::hardwire::__private::Part<'a, Taps, super::Bus>,
            ) -> Publisher<'a> {
                Publisher::__from_parts(::hardwire::#inner::__claimed(claim.into_ring()), taps)
            }
        }
    }
}

/// What `publish_bytes` needs of byte topic `camel`: its size class.
fn byte_topic(camel: &Ident, size: Size) -> TokenStream {
    let ty = format_ident!("{}", size.type_name());
    quote! {
        impl ::hardwire::__private::ByteTopic for super::#camel {
            type Bytes = ::hardwire::#ty;
            #[inline(always)]
            fn bytes(bytes: &[u8]) -> ::core::result::Result<::hardwire::#ty, ::hardwire::TooLong> {
                ::hardwire::#ty::new(bytes)
            }
        }
    }
}

/// `holding_back()` of a topic's `Handle`, reading the ring through `ring`.
pub(super) fn holding_back(ring: &TokenStream) -> TokenStream {
    quote! {
        /// When this topic's ring is full for a subscriber (`publish` waits, `try_publish`
        /// fails): that subscriber's name and where it stands — `Parked` means no handle of
        /// it is held. See [`TopicStats::holding_back`](::hardwire::TopicStats::holding_back).
        #[must_use]
        pub fn holding_back(&self) -> ::core::option::Option<(&'static str, ::hardwire::SubscriberStatus)> {
            topic_stats(#ring).holding_back()
        }
    }
}
