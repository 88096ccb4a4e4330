//! A ring topic's `Publisher`: the runtime's generic `TopicPublisher`, named for the topic,
//! and what it needs to know of the topic (`RingTopic`, and `ByteTopic` for a byte topic).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::ring_topic::RingTopic;
use crate::model::{Choice, Overflow, Size};

impl RingTopic<'_> {
    /// `Publisher<'a>`, and the topic's description for it.
    pub(super) fn publisher(&self) -> TokenStream {
        let topic = self.topic;
        let (camel, name) = (&topic.camel, &topic.name);
        let publisher_doc = self.publisher_doc();
        let inner = if self.multi { quote!(MultiPublisher) } else { quote!(Publisher) };
        let bytes = topic.bytes.map(|size| byte_topic(camel, size));
        let codec = self.codec();
        let bridged = self.bridged();
        quote! {
            impl ::hardwire::__private::RingTopic for super::#camel {
                const NAME: &'static str = #name;
                #bridged
                type Bus = super::Bus;
                type Ring = Ring;
                type Inner<'a> = ::hardwire::#inner<::hardwire::__private::Part<'a, Ring, super::Bus>>;
                type View<'a> = View<'a>;
                fn holding_back(ring: &Ring) -> ::core::option::Option<(&'static str, ::hardwire::SubscriberStatus)> {
                    topic_stats(ring).holding_back()
                }
                #codec
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
        }
    }
}

impl RingTopic<'_> {
    /// `const BRIDGE` of a topic declared `bridge = ".."`.
    fn bridged(&self) -> TokenStream {
        let (ring, topic, plan) = (self.ring, self.topic, self.plan);
        let (Some(bridge), Some(record)) = (&ring.bridge, ring.bridge_record()) else { return TokenStream::new() };
        let name = &topic.name;
        let engine = format_ident!("{}", bridge.engine.variant());
        let url = &bridge.url;
        let lossless = ring.overflow == Overflow::Backpressure;
        // Over what both sides must agree on beyond each event's layout, which frames carry
        // on their own.
        let declared = format!(
            "{name}:{}:{:?}",
            ring.overflow.spelling(),
            topic.events.iter().map(|&e| plan.events[e].name.as_str()).collect::<Vec<_>>()
        );
        let hash = super::fnv1a(super::FNV_OFFSET, declared.as_bytes());
        quote! {
            const BRIDGE: ::core::option::Option<::hardwire::Bridged> = ::core::option::Option::Some(
                ::hardwire::Bridged::__new(#name, ::hardwire::BridgeEngine::#engine, #url, #lossless, #hash, #record),
            );
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
