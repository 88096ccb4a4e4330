//! `Bus`, `SharedBus` and `BusStats`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::model::Choice;
use crate::plan::{self, Plan, Topic};

/// `SharedBus`: the bus in an `Arc`, whose handles are `'static` (each holds a clone), for
/// threads and tasks that outlive a scope. Exists when the runtime has `alloc`.
pub(super) fn emit_shared_bus(plan: &Plan) -> TokenStream {
    let subscribers = plan.subscribers.iter().filter(|sub| sub.handle.is_some()).map(|sub| {
        let snake = &sub.snake;
        let line = format!(" The handle of subscriber `{}`, `'static`: see [`Bus::{snake}`].", sub.name);
        quote! {
            #[doc = #line]
            ///
            /// # Errors
            ///
            /// As [`Bus`]'s accessor of the same name.
            pub fn #snake(&self) -> ::core::result::Result<#snake::Subscriber<'static>, ::hardwire::TakeError> {
                #snake::Subscriber::take(shared_part(self))
            }
        }
    });
    let publishers = plan.topics.iter().enumerate().filter(|(_, topic)| topic.ring().is_some()).map(|(t, topic)| {
        let f = &topic.snake;
        let method = format_ident!("{}_publisher", f);
        let (index, ring) = (syn::Index::from(t), super::ring_ref(plan, t, &quote!(bus)));
        let line = format!(" A publisher of topic `{}`, `'static`: as `bus.{f}().publisher()`.", topic.name);
        quote! {
            #[doc = #line]
            ///
            /// # Errors
            ///
            /// As [`TopicHandle::publisher`](::hardwire::TopicHandle::publisher).
            pub fn #method(&self) -> ::core::result::Result<#f::Publisher<'static>, ::hardwire::TakeError> {
                let bus = shared_part(self);
                #f::Publisher::__take(bus.project(|bus| #ring), bus.project(|bus| &bus.taps.#index))
            }
        }
    });
    let open = emit_open(plan);
    quote! {
        #open

        ::hardwire::__private::if_alloc! {
            /// The bus in an `Arc`, for handles that outlive a scope (`thread::spawn`,
            /// `tokio::spawn`): every handle taken from it is `'static` and holds a clone of
            /// the `Arc`, and the bus is freed with the last clone or handle. Subscribers are
            /// taken by the same names as on [`Bus`], publishers with `<topic>_publisher()`;
            /// everything else (stats, taps, borrowed handles) is [`Bus`]'s, through `Deref`.
            #[derive(Clone, Debug)]
            pub struct SharedBus(::hardwire::__private::Arc<Bus>);

            impl SharedBus {
                /// A new bus, on the heap ([`Bus::new_boxed`]) and shared.
                #[must_use]
                pub fn new() -> Self {
                    Self(::hardwire::__private::Arc::from(Bus::new_boxed()))
                }

                #(#subscribers)*

                #(#publishers)*
            }

            /// The whole bus, as the part every handle of `bus` starts from. (A free function,
            /// so that no name of it can meet a subscriber's accessor.)
            fn shared_part(bus: &SharedBus) -> ::hardwire::__private::Part<'static, Bus, Bus> {
                ::hardwire::__private::Part::owned(&bus.0)
            }

            impl ::core::default::Default for SharedBus {
                fn default() -> Self {
                    Self::new()
                }
            }

            impl ::core::ops::Deref for SharedBus {
                type Target = Bus;

                fn deref(&self) -> &Bus {
                    &self.0
                }
            }
        }
    }
}

/// `Bus::segment_layout` and `SharedBus::open`, for a bus with `scope = "shared"` topics
/// (with the runtime's `shm` feature): the segment holds those topics' rings, described by
/// their types and declared subscribers and by a hash of their declarations.
fn emit_open(plan: &Plan) -> TokenStream {
    let shared: Vec<(usize, &Topic)> =
        plan.topics.iter().enumerate().filter(|(_, topic)| topic.ring().is_some_and(|ring| ring.shared)).collect();
    if shared.is_empty() {
        return TokenStream::new();
    }
    let mut hash = super::FNV_OFFSET; // over the shared topics' declarations
    let mut rings = Vec::new();
    let mut attaches = Vec::new();
    for (j, &(t, topic)) in shared.iter().enumerate() {
        let Some(ring) = topic.ring() else { continue };
        let declared = format!(
            "{}:{}:{}:{}:{}:{:?};",
            topic.name,
            ring.capacity,
            ring.overflow.spelling(),
            ring.producers.spelling(),
            ring.reserved,
            topic.events.iter().map(|&e| plan.events[e].name.to_string()).collect::<Vec<_>>()
        );
        hash = super::fnv1a(hash, declared.as_bytes());
        let (f, name, reserved) = (&topic.snake, &topic.name, ring.reserved);
        rings.push(quote!(.ring::<#f::Ring>(#name, #reserved)));
        let slot = super::shared_index(plan, t);
        attaches.push(quote! {
            // SAFETY: `segment` goes into `bus.segment` below, which is dropped with the bus,
            // after every borrow of `bus.in_segment`.
            unsafe { bus.in_segment.#slot.attach(&segment.ring::<#f::Ring>(#j)?) };
        });
    }
    let (options, mode_doc) = match plan.segment_mode {
        Some(mode) => {
            let doc =
                format!(" created with mode `0o{mode:o}` (the topology's `[segment] mode`; `segment_mode` in Rust).");
            let bits = syn::LitInt::new(&format!("0o{mode:o}"), proc_macro2::Span::call_site());
            (quote!(::hardwire::shm::OpenOptions::new().mode(#bits)), doc)
        }
        None => (quote!(::hardwire::shm::OpenOptions::new()), " created with mode `0o600` (owner only).".to_owned()),
    };
    quote! {
        ::hardwire::__private::if_shm! {
            impl Bus {
                /// The shared-memory layout of this bus's `scope = "shared"` topics: their
                /// rings, in declaration order, with their declared subscribers' records
                /// reserved. Every process opening the bus's segment must build the same
                /// layout (the segment checks it).
                #[must_use]
                pub fn segment_layout() -> ::hardwire::shm::SegmentLayout {
                    ::hardwire::shm::SegmentLayout::new(#hash) #(#rings)*
                }
            }

            impl SharedBus {
                /// A bus whose `scope = "shared"` topics live in the shared-memory segment
                /// `name`, created if no process has it open, attached to otherwise: every
                /// process that opens it publishes to and reads from the same rings, through
                /// the same handles as in one process (see `hardwire::shm`). Its other topics
                /// stay in this process.
                ///
                /// # Errors
                ///
                /// [`ShmError`](::hardwire::shm::ShmError): the segment was laid out by a
                /// different topology, permissions, or the operating system's refusal.
                pub fn open(name: &str) -> ::core::result::Result<Self, ::hardwire::shm::ShmError> {
                    Self::open_with(name, Self::open_options())
                }

                /// The options [`SharedBus::open`] uses: create the segment or attach to it,
                #[doc = #mode_doc]
                /// Start from them to change one thing only, as
                /// `SharedBus::open_with(name, SharedBus::open_options().attach_only())`.
                #[must_use]
                pub const fn open_options() -> ::hardwire::shm::OpenOptions {
                    #options
                }

                /// [`SharedBus::open`] with `options`, taken as given: only attach (a process
                /// that must not create the segment), or create it with other permission bits
                /// (start from [`SharedBus::open_options`] to keep the topology's).
                ///
                /// # Errors
                ///
                /// As [`SharedBus::open`], and `NotFound` for an attach-only open.
                pub fn open_with(
                    name: &str,
                    options: ::hardwire::shm::OpenOptions,
                ) -> ::core::result::Result<Self, ::hardwire::shm::ShmError> {
                    let segment = options.open(name, &Bus::segment_layout())?;
                    let mut bus = Bus::new_boxed();
                    #(#attaches)*
                    bus.segment.hold(segment);
                    ::core::result::Result::Ok(Self(::hardwire::__private::Arc::from(bus)))
                }
            }
        }
    }
}

/// The parking route of every ring of this bus (non-zero): a hash of its topic names, so
/// unrelated buses tend to park on different shards, while the rings of one bus share one
/// and a multi-topic subscriber can wait for all of its topics at once.
pub(super) fn wake_route(plan: &Plan) -> u32 {
    let mut hash: u32 = 0x811c_9dc5; // FNV-1a
    for byte in plan.topics.iter().flat_map(|topic| topic.name.bytes().chain([0])) {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    hash.max(1)
}

/// `Bus` (its rings, handle flags and taps; `new`, `new_boxed`, the accessors), `SharedBus`
/// and `BusStats`.
pub(super) fn emit_bus(plan: &Plan) -> TokenStream {
    let rings: Vec<&Topic> = plan.topics.iter().filter(|topic| topic.ring().is_some()).collect();
    let ring_types = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(#f::Ring)
    });
    // What `new` builds each ring with, and what `prepare` applies to a zeroed one: the same.
    let route = wake_route(plan);
    let ring_setups: Vec<(&Ident, usize)> =
        rings.iter().filter_map(|topic| topic.ring().map(|ring| (&topic.snake, ring.reserved))).collect();
    let ring_inits = ring_setups.iter().map(|(f, reserved)| quote!(#f::Ring::__for_bus(#reserved, #route),));
    let ring_prepares = ring_setups.iter().enumerate().map(|(k, (_, reserved))| {
        let k = syn::Index::from(k);
        quote!(self.rings.#k.__prepare_for_bus(#reserved, #route);)
    });
    let zeroable = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(::hardwire::__private::assert_zeroable::<#f::Ring>();)
    });
    // Every topic's taps, in one tuple (no field names that could meet a topic's).
    let tap_types: Vec<TokenStream> = plan
        .topics
        .iter()
        .map(|topic| {
            let f = &topic.snake;
            quote!(#f::Taps)
        })
        .collect();
    let tap_zeroable = tap_types.iter().map(|ty| quote!(::hardwire::__private::assert_zeroable::<#ty>();));
    let handles = plan.handle_count();
    let accessors = plan.topics.iter().enumerate().map(|(t, topic)| topic_accessor(plan, t, topic));
    let subscriber_accessors = plan.subscribers.iter().filter(|sub| sub.handle.is_some()).map(subscriber_accessor);
    let shared = emit_shared_bus(plan);
    let bus_stats = emit_bus_stats(&rings);
    let ring_topics: Vec<usize> = (0..plan.topics.len()).filter(|&t| plan.topics[t].ring().is_some()).collect();
    let stats_values = ring_topics.iter().map(|&t| {
        let (f, ring) = (&plan.topics[t].snake, super::ring_ref(plan, t, &quote!(self)));
        quote!(#f: #f::topic_stats(#ring))
    });
    let debug_fields = ring_topics.iter().map(|&t| {
        let (name, ring) = (&plan.topics[t].name, super::ring_ref(plan, t, &quote!(self)));
        quote!(.field(#name, #ring))
    });
    // `scope = "shared"` topics: where each finds its ring, and the segment (`RingIn`).
    let shared_topics: Vec<&Topic> =
        plan.topics.iter().filter(|topic| topic.ring().is_some_and(|ring| ring.shared)).collect();
    let (segment_struct, segment_fields, segment_inits, segment_zeroable) = if shared_topics.is_empty() {
        (quote!(), quote!(), quote!(), quote!())
    } else {
        let types = shared_topics.iter().map(|topic| {
            let f = &topic.snake;
            quote!(::hardwire::__private::RingIn<#f::Ring>)
        });
        let owns = shared_topics.iter().map(|_| quote!(::hardwire::__private::RingIn::own(),));
        (
            quote! {
                /// Where each `scope = "shared"` topic finds its ring, in declaration order.
                struct __HardwireInSegment(#(#types,)*);
            },
            quote! {
                in_segment: __HardwireInSegment,
                segment: ::hardwire::__private::SegmentHold,
            },
            quote! {
                in_segment: __HardwireInSegment(#(#owns)*),
                segment: ::hardwire::__private::SegmentHold::none(),
            },
            quote! {
                ::hardwire::__private::assert_zeroable::<::hardwire::__private::SegmentHold>();
            },
        )
    };
    quote! {
        // The bus's rings and taps, each set a tuple struct: its fields are reached by
        // position (no topic's name can meet a field's), and a named type, unlike a tuple,
        // is not re-examined field by field in every function that touches one of them.
        /// The bus's rings, in ring-topic declaration order.
        struct __HardwireRings(#(#ring_types,)*);
        /// Every topic's taps, in declaration order.
        struct __HardwireTaps(#(#tap_types,)*);
        #segment_struct

        /// The bus: one ring per ring topic, and the handles of its publishers and
        /// subscribers. `Bus::new()` is a `const fn`, so a bus can live in a `static`.
        pub struct Bus {
            rings: __HardwireRings,
            taken: [::hardwire::__private::Once; #handles],
            taps: __HardwireTaps,
            #segment_fields
        }

        impl Bus {
            /// The bus's exact memory footprint in bytes.
            pub const MEMORY_BYTES: usize = ::core::mem::size_of::<Self>();

            /// An empty bus, with no heap: usable in a `static`.
            #[must_use]
            pub const fn new() -> Self {
                Self {
                    rings: __HardwireRings(#(#ring_inits)*),
                    taken: [const { ::hardwire::__private::Once::new() }; #handles],
                    taps: __HardwireTaps(#(#tap_types::new(),)*),
                    #segment_inits
                }
            }

            ::hardwire::__private::bus_new_boxed!();

            /// What `new` sets beyond all-zero bytes, applied to a zeroed bus in place:
            /// the declared subscribers' reserved records and the rings' wake route.
            #[allow(dead_code)] // only `new_boxed` calls it, which needs the runtime's `alloc`
            fn prepare(&mut self) {
                #(#ring_prepares)*
            }

            #(#accessors)*

            #(#subscriber_accessors)*

            /// Counters of every ring topic and of each of its subscribers.
            #[must_use]
            pub fn stats(&self) -> BusStats {
                BusStats { #(#stats_values,)* }
            }
        }

        #shared

        impl ::core::default::Default for Bus {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::core::fmt::Debug for Bus {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct("Bus")#(#debug_fields)*.finish_non_exhaustive()
            }
        }

        const _: () = {
            #(#zeroable)*
            #(#tap_zeroable)*
            ::hardwire::__private::assert_zeroable::<::hardwire::__private::Once>();
            #segment_zeroable
        };
        /// SAFETY: every field is an array of `Once`s, a tuple struct of rings, of topics'
        /// `Taps` or of shared topics' `RingIn`s, or the segment's hold: each of those is
        /// `Zeroable` (asserted just above; `RingIn` by its own impl), so all-zero bytes are
        /// a valid `Bus` (`new_boxed` then makes it equal to `Bus::new()` with `prepare`).
        unsafe impl ::hardwire::__private::Zeroable for Bus {}

        #bus_stats
    }
}

/// `Bus::<topic>()`: a topic's handle.
fn topic_accessor(plan: &Plan, t: usize, topic: &Topic) -> TokenStream {
    let f = &topic.snake;
    let index = syn::Index::from(t);
    match topic.delivery {
        plan::Delivery::Ring(_) => {
            let line = format!(" Topic `{}`: its publisher, counters and taps.", topic.name);
            let ring = super::ring_ref(plan, t, &quote!(self));
            quote! {
                #[doc = #line]
                #[must_use]
                pub fn #f(&self) -> #f::Handle<'_> {
                    #f::Handle::__new(#ring, &self.taps.#index)
                }
            }
        }
        plan::Delivery::Inline => {
            let line = format!(" Topic `{}` (inline): its taps, and dispatchers that call them.", topic.name);
            quote! {
                #[doc = #line]
                #[must_use]
                pub fn #f(&self) -> #f::Handle<'_> {
                    #f::Handle::new(&self.taps.#index)
                }
            }
        }
    }
}

/// `Bus::<subscriber>()`: a subscriber's handle.
fn subscriber_accessor(sub: &crate::plan::Subscriber) -> TokenStream {
    let snake = &sub.snake;
    let line = format!(" The handle of subscriber `{}`. Taken once.", sub.name);
    let errors = if sub.publishes.is_empty() {
        " [`TakeError`](::hardwire::TakeError) if it was taken before."
    } else {
        " [`TakeError`](::hardwire::TakeError) if it was taken before, or if the publisher of a topic this stage publishes to was taken."
    };
    quote! {
        #[doc = #line]
        ///
        /// # Errors
        ///
        #[doc = #errors]
        pub fn #snake(&self) -> ::core::result::Result<#snake::Subscriber<'_>, ::hardwire::TakeError> {
            #snake::Subscriber::take(::hardwire::__private::Part::borrowed(self))
        }
    }
}

/// `BusStats`: every ring topic's counters.
fn emit_bus_stats(rings: &[&Topic]) -> TokenStream {
    let stats_fields = rings.iter().map(|topic| {
        let f = &topic.snake;
        let n = topic.readers();
        let line = format!(" Topic `{}`.", topic.name);
        quote!(#[doc = #line] pub #f: ::hardwire::TopicStats<#n>)
    });
    let ring_count = rings.len();
    let stats_lines = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(self.#f.summary())
    });
    quote! {
    /// Counters of every ring topic of the bus, by name; `Display` prints a line per topic
    /// (no trailing newline).
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct BusStats {
        #(#stats_fields,)*
    }

    impl BusStats {
        /// Every ring topic's counters, in declaration order, as one type: for reports
        /// that treat all topics alike.
        pub fn topics(&self) -> impl ::core::iter::Iterator<Item = ::hardwire::TopicSummary<'_>> {
            let topics: [::hardwire::TopicSummary<'_>; #ring_count] = [#(#stats_lines),*];
            topics.into_iter()
        }
    }

    impl ::core::fmt::Display for BusStats {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            for (i, topic) in self.topics().enumerate() {
                if i > 0 {
                    f.write_str("\n")?;
                }
                ::core::write!(f, "{topic}")?;
            }
            ::core::result::Result::Ok(())
        }
    }
    }
}
