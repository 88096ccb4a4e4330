//! A ring topic's `Publisher`: `publish` and its family, the lossless and byte methods where
//! they apply.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ring_topic::RingTopic;
use crate::model::Size;

impl RingTopic<'_> {
    /// The topic's `Publisher`: the struct, its constructors and `publish` family.
    pub(super) fn publisher(&self) -> TokenStream {
        let (topic, multi) = (self.topic, self.multi);
        let name = &topic.name;
        let publisher_doc = self.publisher_doc();
        let (inner, derive_clone) = if multi {
            (
                quote!(::hardwire::MultiPublisher<::hardwire::__private::Part<'a, Ring, super::Bus>>),
                quote!(#[derive(Clone, Debug)]),
            )
        } else {
            (quote!(::hardwire::Publisher<::hardwire::__private::Part<'a, Ring, super::Bus>>), quote!(#[derive(Debug)]))
        };
        let (new_inner, claimed_inner) = if multi {
            (quote!(::hardwire::MultiPublisher::new(ring)), quote!(::hardwire::MultiPublisher::__claimed(ring)))
        } else {
            (quote!(::hardwire::Publisher::new(ring)), quote!(::hardwire::Publisher::__claimed(ring)))
        };
        let (batch, iter_batch) = if multi {
            // Each claim is its own `fetch_add`: a batch is a loop, for a slice as for an iterator.
            let each = quote! {
                for event in events {
                    self.inner.publish(event.into_wire());
                }
            };
            (each.clone(), each)
        } else {
            (
                quote! { self.inner.publish_iter(events.iter().map(|event| event.into_wire())); },
                quote! { self.inner.publish_iter(events.into_iter().map(Carries::into_wire)); },
            )
        };
        let full_doc = if self.lossless {
            " Waits while the slowest subscriber is a full lap behind (see `try_publish`)."
        } else {
            " Never waits: a subscriber a full lap behind is told how many events it missed."
        };
        let more = self.publisher_more();
        quote! {
                #[doc = #publisher_doc]
                ///
                /// `publish` accepts exactly this topic's events (and its event enum): anything
                /// else does not compile.
                #derive_clone
                pub struct Publisher<'a> {
                    inner: #inner,
                    taps: ::hardwire::__private::Part<'a, Taps, super::Bus>,
                }

                impl<'a> Publisher<'a> {
                    pub(super) fn new(
                        ring: ::hardwire::__private::Part<'a, Ring, super::Bus>,
                        taps: ::hardwire::__private::Part<'a, Taps, super::Bus>,
                    ) -> ::core::result::Result<Self, ::hardwire::TakeError> {
                        #new_inner
                            .map(|inner| Self { inner, taps })
                            .map_err(|_| ::hardwire::TakeError::AlreadyTaken { name: #name })
                    }

                    /// A publisher from a claim a stage made ([`PublisherClaim`](::hardwire::__private::PublisherClaim)).
                    pub(super) fn claimed(
                        claim: ::hardwire::__private::PublisherClaim<::hardwire::__private::Part<'a, Ring, super::Bus>>,
                        taps: ::hardwire::__private::Part<'a, Taps, super::Bus>,
                    ) -> Self {
                        let ring = claim.into_ring();
                        Self { inner: #claimed_inner, taps }
                    }

                    /// Publishes `event` to every subscriber of the topic.
                    #[doc = #full_doc]
                    #[inline]
                    pub fn publish<E: Carries>(&mut self, event: E) {
                        self.inner.publish(event.into_wire());
                        self.tap(event);
                    }

                    /// Publishes a wire value as it is, for bytes that come from outside a typed
                    /// publisher (another process, the network, tests); taps are not called.
                    /// Subscribers decode it checked: a value that is no event of this topic is
                    /// counted `invalid` and given to `on_invalid`, never delivered as an event.
                    #[doc(hidden)]
                    pub fn __publish_wire(&mut self, wire: Wire) {
                        self.inner.publish(wire);
                    }

                    /// Publishes every event of `events`, in order.
                    #[inline]
                    pub fn publish_batch<E: Carries>(&mut self, events: &[E]) {
                        #batch
                        if !self.taps.is_empty() {
                            for &event in events {
                                self.taps.notify(&event.into_event());
                            }
                        }
                    }

                    /// Publishes every event `events` yields, in order (with a single producer, the
                    /// subscribers see them arrive as one batch, as with `publish_batch`).
                    #[inline]
                    pub fn publish_iter<E: Carries>(&mut self, events: impl ::core::iter::IntoIterator<Item = E>) {
                        if self.taps.is_empty() {
                            #iter_batch
                        } else {
                            for event in events {
                                self.publish(event);
                            }
                        }
                    }

                    #[inline(always)]
                    fn tap<E: Carries>(&self, event: E) {
                        if !self.taps.is_empty() {
                            self.taps.notify(&event.into_event());
                        }
                    }
                #more
            }
        }
    }

    /// The rest of the `Publisher`'s methods: the lossless and byte ones where they apply,
    /// its ring, `holding_back`, the single producer's `clone` error, the wait strategy.
    fn publisher_more(&self) -> TokenStream {
        let backpressure = self.lossless.then(lossless_methods);
        let bytes = self.topic.bytes.map(|size| bytes_methods(size, self.lossless));
        let publisher_holding_back = holding_back(&quote!(self.inner.ring()));
        // `publisher.clone()` on a single producer: an error that says what to declare instead.
        let no_clone = (!self.multi).then(|| {
            quote! {
                /// Not available: this topic has a single producer. Declare it
                /// `producers = "multi"` for a publisher that can be cloned.
                #[doc(hidden)]
                #[allow(clippy::should_implement_trait)]
                pub fn clone(&self) -> Self
                where
                    Self: ::hardwire::__private::SingleProducer,
                {
                    ::core::unreachable!("no type implements SingleProducer")
                }
            }
        });
        quote! {
        #backpressure

        #bytes

        /// The ring this publisher publishes to.
        #[must_use]
        pub fn ring(&self) -> &Ring {
            self.inner.ring()
        }

        #publisher_holding_back

        #no_clone

        /// The strategy `publish` waits with on a full backpressure ring.
        pub fn set_wait_strategy(&mut self, strategy: ::hardwire::WaitStrategy) {
            self.inner.set_wait_strategy(strategy);
        }

        /// [`Publisher::set_wait_strategy`], by value.
        #[must_use]
        pub fn with_wait_strategy(mut self, strategy: ::hardwire::WaitStrategy) -> Self {
            self.set_wait_strategy(strategy);
            self
        }
        }
    }
}

/// `holding_back()`, reading the ring through `ring`.
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

/// The publisher methods of a lossless topic: `try_publish`, `publish_until`,
/// `publish_timeout`, `publish_async`, `publish_async_until`.
fn lossless_methods() -> TokenStream {
    quote! {
        /// Publishes `event` if the ring has room now; otherwise gives it back.
        ///
        /// # Errors
        ///
        /// [`Full`](::hardwire::Full) with the event when the slowest subscriber is a
        /// full lap behind.
        #[inline]
        pub fn try_publish<E: Carries>(&mut self, event: E) -> ::core::result::Result<(), ::hardwire::Full<E>> {
            self.inner.try_publish(event.into_wire()).map_err(|_| ::hardwire::Full(event))?;
            self.tap(event);
            ::core::result::Result::Ok(())
        }

        /// Publishes `event`, waiting for room unless `shutdown` is triggered first.
        ///
        /// # Errors
        ///
        /// [`Stopped`](::hardwire::Stopped) with the event if `shutdown` was triggered
        /// while the ring was full.
        pub fn publish_until<E: Carries>(
            &mut self,
            event: E,
            shutdown: &::hardwire::Shutdown,
        ) -> ::core::result::Result<(), ::hardwire::Stopped<E>> {
            self.inner.publish_until(event.into_wire(), shutdown).map_err(|_| ::hardwire::Stopped(event))?;
            self.tap(event);
            ::core::result::Result::Ok(())
        }

        ::hardwire::__private::if_std! {
            /// Publishes `event`, waiting at most `timeout` for room (feature `std`).
            ///
            /// # Errors
            ///
            /// [`Stopped`](::hardwire::Stopped) with the event if the ring stayed full for
            /// `timeout`; `holding_back()` names the subscriber it waited for.
            pub fn publish_timeout<E: Carries>(
                &mut self,
                event: E,
                timeout: ::core::time::Duration,
            ) -> ::core::result::Result<(), ::hardwire::Stopped<E>> {
                self.inner.publish_timeout(event.into_wire(), timeout).map_err(|_| ::hardwire::Stopped(event))?;
                self.tap(event);
                ::core::result::Result::Ok(())
            }
        }

        ::hardwire::__private::if_async! {
            /// Publishes `event`, waiting asynchronously for room (feature `async`): the
            /// task is woken when a subscriber makes room. Dropping the future before it
            /// completes drops the event unpublished.
            pub async fn publish_async<E: Carries>(&mut self, event: E) {
                self.inner.publish_async(event.into_wire()).await;
                self.tap(event);
            }

            /// [`Publisher::publish_async`], unless `shutdown` is triggered while the topic
            /// is full (feature `async`): the waiting task is woken by the trigger.
            ///
            /// # Errors
            ///
            /// [`Stopped`](::hardwire::Stopped) with the event if `shutdown` was triggered
            /// while the ring was full.
            pub async fn publish_async_until<E: Carries>(
                &mut self,
                event: E,
                shutdown: &::hardwire::Shutdown,
            ) -> ::core::result::Result<(), ::hardwire::Stopped<E>> {
                self.inner
                    .publish_async_until(event.into_wire(), shutdown)
                    .await
                    .map_err(|_| ::hardwire::Stopped(event))?;
                self.tap(event);
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// The publisher methods of a byte topic of size class `size`.
fn bytes_methods(size: Size, lossless: bool) -> TokenStream {
    let ty = format_ident!("{}", size.type_name());
    let line = format!(" Publishes a copy of `bytes` as one event (at most {} bytes).", size.capacity());
    let try_bytes = lossless.then(|| {
        quote! {
            /// Publishes a copy of `bytes` if the ring has room now.
            ///
            /// # Errors
            ///
            /// [`TooLong`](::hardwire::TooLong) with nothing published; `Ok(false)` when
            /// the ring is full (nothing published either).
            #[inline]
            pub fn try_publish_bytes(&mut self, bytes: &[u8]) -> ::core::result::Result<bool, ::hardwire::TooLong> {
                let payload = ::hardwire::#ty::new(bytes)?;
                ::core::result::Result::Ok(self.try_publish(payload).is_ok())
            }
        }
    });
    quote! {
        #[doc = #line]
        ///
        /// # Errors
        ///
        /// [`TooLong`](::hardwire::TooLong) if `bytes` exceeds the topic's size class;
        /// nothing is published then.
        #[inline]
        pub fn publish_bytes(&mut self, bytes: &[u8]) -> ::core::result::Result<(), ::hardwire::TooLong> {
            let payload = ::hardwire::#ty::new(bytes)?;
            self.publish(payload);
            ::core::result::Result::Ok(())
        }

        #try_bytes
    }
}
