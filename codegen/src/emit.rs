//! Code generation: [`Plan`] → the bus module's tokens.
//!
//! The generated module, for topics `t` (`T` in UpperCamelCase) and subscribers `s` (`S`):
//!
//! * events declared in TOML, as `#[derive(hardwire::Event)]` structs;
//! * `Topic`: one variant per topic;
//! * per topic, `T`: an enum of its events (its wire form is the ring's payload), and a
//!   module `t` with the sealed `Carries` trait (the types `publish` accepts), and either the
//!   ring type, `Handle` and `Publisher` (ring topics) or `Dispatcher` (inline topics);
//! * per subscriber, the handler trait `S` (one `on_<event>` method per subscribed event),
//!   and a module `s` with its `Subscriber` handle (and `Outputs`, for a stage);
//! * `Bus`, owning every ring, and `BusStats`.
//!
//! Everything generated refers to the runtime through `::hardwire::` paths, and to the
//! user's items through the paths they wrote (nested modules `use super::*`).

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Attribute, Ident, Item, Visibility};

use crate::model::{Delivery, Overflow, Producers};
use crate::plan::{Plan, Subscriber, Topic};

/// The module the bus is generated into.
#[derive(Clone, Debug)]
pub struct Module {
    /// Its attributes (docs, `cfg`, ...).
    pub attrs: Vec<Attribute>,
    /// Its visibility.
    pub vis: Visibility,
    /// Its name.
    pub ident: Ident,
    /// The user's items in it, passed through.
    pub items: Vec<Item>,
    /// The topology file, relative to `CARGO_MANIFEST_DIR`, for a TOML-form bus.
    pub topology_file: Option<String>,
}

/// The whole bus module.
#[must_use]
pub fn emit(plan: &Plan, module: &Module) -> TokenStream {
    let Module { attrs, vis, ident, items, topology_file } = module;
    let rebuild = topology_file.as_ref().map(|file| {
        let path = format!("/{file}");
        quote! {
            // Rebuilds the crate whenever the topology file changes.
            const _: &[u8] = ::core::include_bytes!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #path));
        }
    });
    let enums = plan.enums.iter().map(|e| emit_enum(e, topology_file.as_deref()));
    let events = plan.events.iter().map(|event| emit_event(event, topology_file.as_deref()));
    let topic_enum = emit_topic_enum(plan);
    let topics = (0..plan.topics.len()).map(|t| emit_topic(plan, t));
    let handlers = (0..plan.subscribers.len()).map(|s| emit_handler(plan, s));
    let subscribers = (0..plan.subscribers.len()).filter(|&s| plan.reads_rings(s)).map(|s| emit_subscriber(plan, s));
    let bus = emit_bus(plan);
    quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#items)*
            #rebuild
            #(#enums)*
            #(#events)*
            #topic_enum
            #(#topics)*
            #(#handlers)*
            #(#subscribers)*
            #bus
        }
    }
}

/// `#[doc]` attributes, one per line, each starting with a space as `///` comments do.
fn docs<'a>(lines: impl IntoIterator<Item = &'a String>) -> TokenStream {
    lines.into_iter().map(|line| doc(line)).collect()
}

fn doc(line: &str) -> TokenStream {
    let line = if line.is_empty() || line.starts_with(' ') { line.to_owned() } else { format!(" {line}") };
    quote!(#[doc = #line])
}

/// A user path as seen from a module nested in the bus module.
fn nested(path: &syn::Path) -> TokenStream {
    match path.segments.first().map(|s| s.ident.to_string()) {
        Some(first) if first == "super" && path.leading_colon.is_none() => quote!(super::#path),
        Some(first) if first == "self" && path.leading_colon.is_none() => {
            let rest = path.segments.iter().skip(1);
            quote!(super #(::#rest)*)
        }
        _ => quote!(#path),
    }
}

fn event_ident(plan: &Plan, e: usize) -> Ident {
    format_ident!("{}", plan.events[e].name)
}

fn settings(topic: &Topic) -> String {
    match topic.delivery {
        Delivery::Inline => "inline delivery: `emit` calls every subscriber's handler directly".to_owned(),
        Delivery::Ring => format!(
            "a ring of {} slots, {}, {}",
            topic.capacity,
            match topic.overflow {
                Overflow::Overwrite => "overwrite (lossy: slow subscribers are told what they missed)",
                Overflow::Backpressure => "backpressure (lossless: publishers wait for the slowest subscriber)",
            },
            match topic.producers {
                Producers::Single => "single producer",
                Producers::Multi => "multiple producers",
            }
        ),
    }
}

/// A TOML `[enums.Name]`: a C-like enum deriving `FieldEnum`, `Default` its first variant.
fn emit_enum(e: &crate::plan::Enum, file: Option<&str>) -> TokenStream {
    let (name, repr) = (&e.name, &e.repr);
    let origin = match file {
        Some(file) => format!("Enum `{name}`, declared in `{file}`: a field type of its events, `{repr}` on the wire."),
        None => format!("Enum `{name}`: a field type of its events, `{repr}` on the wire."),
    };
    let docs = if e.docs.is_empty() { doc(&origin) } else { docs(&e.docs) };
    let variants = e.variants.iter().enumerate().map(|(i, (variant, value))| {
        let value = proc_macro2::Literal::u32_unsuffixed(*value);
        let line = format!(" `{variant}` = {value}{}.", if i == 0 { " (the default)" } else { "" });
        let default = (i == 0).then(|| quote!(#[default]));
        quote!(#[doc = #line] #default #variant = #value)
    });
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, ::hardwire::FieldEnum)]
        #[repr(#repr)]
        pub enum #name {
            #(#variants,)*
        }
    }
}

fn emit_event(event: &crate::plan::Event, file: Option<&str>) -> TokenStream {
    let ty = &event.ty;
    match &event.fields {
        Some(fields) => {
            let origin = match file {
                Some(file) => format!("Event `{}`, declared in `{file}`.", event.name),
                None => format!("Event `{}`.", event.name),
            };
            let docs = if event.docs.is_empty() { doc(&origin) } else { docs(&event.docs) };
            let names = fields.iter().map(|field| &field.name);
            let types = fields.iter().map(|field| &field.ty);
            let marks = fields.iter().map(|field| field.enumeration.then(|| quote!(#[event(enum)])));
            let field_docs = fields.iter().map(|field| {
                let (name, ty) = (&field.name, &field.ty);
                let ty = compact(ty);
                let line = if field.padding {
                    format!(" Padding hardwire inserted (`{name}: {ty}`) so the struct has none implicitly; zero, as `Default` leaves it.")
                } else if field.enumeration {
                    format!(" `{name}: {ty}`, as declared (an enum: its integer on the wire, checked on receipt).")
                } else {
                    format!(" `{name}: {ty}`, as declared.")
                };
                quote!(#[doc = #line])
            });
            let default = if fields.iter().any(|field| field.enumeration) {
                let values = fields.iter().map(|field| {
                    let name = &field.name;
                    if field.enumeration {
                        quote!(#name: ::core::default::Default::default())
                    } else {
                        quote!(#name: ::hardwire::__private::Zeroable::zeroed())
                    }
                });
                quote! {
                    impl ::core::default::Default for #ty {
                        /// Every field zero (padding included), every enum its first variant.
                        fn default() -> Self {
                            Self { #(#values,)* }
                        }
                    }
                }
            } else {
                quote! {
                    impl ::core::default::Default for #ty {
                        /// Every field zero (padding included).
                        fn default() -> Self {
                            ::hardwire::__private::Zeroable::zeroed()
                        }
                    }
                }
            };
            // A field type only the compiler can judge gets a check whose message names the
            // TOML line (besides the derive's own error at the attribute).
            let located = fields.iter().filter(|f| !f.origin.is_empty() && f.layout.is_none()).map(|f| {
                let (name, field_ty) = (&f.name, &f.ty);
                let message = format!(
                    "{}field `{name}` of event `{}` has type `{}`, which is not plain old data (`bytemuck::Pod`)",
                    f.origin,
                    event.name,
                    compact(field_ty)
                );
                located_check(event.check_span, &message, "event fields are integers, floats, fixed-size arrays of them, or `#[derive(hardwire::Event)]` structs (which are Pod): derive it on your type, or change the field's type; a C-like enum is declared in the topology as `[enums.Name]`", quote!(::hardwire::__private::Pod), field_ty)
            });
            quote! {
                #(#located)*
                #docs
                #[derive(Clone, Copy, Debug, PartialEq, ::hardwire::Event)]
                #[repr(C)]
                pub struct #ty {
                    #(#field_docs #marks pub #names: #types,)*
                }

                #default
            }
        }
        None => {
            // The same tokens for both forms (the equivalence test holds them to it); only the
            // TOML form's message starts with a location.
            let message = format!("{}event `{}` (`{}`) is not a hardwire event", event.origin, event.name, compact(ty));
            let note = "derive it on the type: `#[derive(Clone, Copy, hardwire::Event)]` with `#[repr(C)]` on a struct of plain-data fields";
            located_check(event.check_span, &message, note, quote!(::hardwire::Event), ty)
        }
    }
}

/// `tokens` as a user would write them in a message: `[u8;4usize]`, `crate::Sensor`.
fn compact(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

/// A compile-time check that `ty` implements `bound`, whose failure reads `message` (which
/// names a TOML location: a diagnostic message is the only place rustc can show one) with
/// `note`, at `span`. A trait of its own carries the message, implemented for every `bound`.
fn located_check(
    span: proc_macro2::Span,
    message: &str,
    note: &str,
    bound: TokenStream,
    ty: &impl ToTokens,
) -> TokenStream {
    quote_spanned! {span=>
        const _: () = {
            #[diagnostic::on_unimplemented(message = #message, label = "declared in the topology file", note = #note)]
            trait Declared {}
            impl<T: #bound> Declared for T {}
            const fn declared<T: Declared>() {}
            declared::<#ty>();
        };
    }
}

fn emit_topic_enum(plan: &Plan) -> TokenStream {
    let variants = plan.topics.iter().map(|topic| {
        let camel = &topic.camel;
        let line = doc(&format!("Topic `{}`.", topic.name));
        quote!(#line #camel)
    });
    let all = plan.topics.iter().map(|topic| &topic.camel);
    let names = plan.topics.iter().map(|topic| {
        let (camel, name) = (&topic.camel, &topic.name);
        quote!(Self::#camel => #name)
    });
    let count = plan.topics.len();
    quote! {
        /// Every topic of this bus: what `on_lagged` reports, and what stats are keyed by.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Topic {
            #(#variants,)*
        }

        impl Topic {
            /// Every topic, in declaration order.
            pub const ALL: [Self; #count] = [#(Self::#all),*];

            /// The topic's name as declared.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    #(#names,)*
                }
            }
        }
    }
}

/// The type that travels through topic `t`'s ring: its one event's wire form, or the wire
/// form of its event enum.
fn wire_type(plan: &Plan, t: usize) -> TokenStream {
    let topic = &plan.topics[t];
    match topic.events.as_slice() {
        [only] => {
            let ty = nested(&plan.events[*only].ty);
            quote!(<#ty as ::hardwire::Event>::Wire)
        }
        _ => {
            let camel = &topic.camel;
            quote!(<super::#camel as ::hardwire::Event>::Wire)
        }
    }
}

fn emit_topic(plan: &Plan, t: usize) -> TokenStream {
    let topic = &plan.topics[t];
    let (camel, snake) = (&topic.camel, &topic.snake);
    let variants = topic.events.iter().map(|&e| {
        let (ident, ty) = (event_ident(plan, e), &plan.events[e].ty);
        let line = format!(" `{}`.", plan.events[e].name);
        quote!(#[doc = #line] #ident(#ty))
    });
    let enum_doc =
        format!(" Every event of topic `{}`: what its subscribers' `try_recv_{}` return.", topic.name, topic.name);
    let topic_docs = if topic.docs.is_empty() { TokenStream::new() } else { docs(&topic.docs) };
    let module_doc = format!(" Topic `{}`: {}.", topic.name, settings(topic));
    let carried: Vec<String> = topic.events.iter().map(|&e| format!("`{}`", plan.events[e].name)).collect();
    let unimplemented = format!("`{{Self}}` is not an event of topic `{}`", topic.name);
    let label = format!("topic `{}` does not carry this type", topic.name);
    let note = format!("topic `{}` carries {}, or its event enum `{}`", topic.name, carried.join(", "), camel);
    let (trait_items, rest) = match topic.delivery {
        Delivery::Ring => emit_ring_topic(plan, t),
        Delivery::Inline => emit_inline_topic(plan, t),
    };
    let printable = emit_enum_debug_and_eq(plan, t);
    quote! {
        #[doc = #enum_doc]
        #topic_docs
        #[derive(Clone, Copy, ::hardwire::Event)]
        pub enum #camel {
            #(#variants,)*
        }

        #printable

        #[doc = #module_doc]
        #topic_docs
        pub mod #snake {
            #[allow(unused_imports)] // paths in the topology are relative to the bus module
            use super::*;

            mod sealed {
                pub trait Sealed {}
            }

            #[diagnostic::on_unimplemented(message = #unimplemented, label = #label, note = #note)]
            #[doc = " The types this topic accepts: its events, and its event enum. Sealed."]
            pub trait Carries: ::core::marker::Copy + sealed::Sealed {
                #trait_items
            }

            #rest
        }
    }
}

/// `Debug` and `PartialEq` for topic `t`'s event enum, as `derive` would write them, but each
/// bounded by `for<'x> &'x Event: Trait` on every event type: a bound over a higher-ranked
/// lifetime is not a trivial bound, so the impl simply does not apply when an event (say a
/// `rust = ".."` type) lacks the trait, and only a use of it is an error, naming that event.
fn emit_enum_debug_and_eq(plan: &Plan, t: usize) -> TokenStream {
    let events = &plan.topics[t].events;
    let tys: Vec<TokenStream> = events.iter().map(|&e| plan.events[e].ty.to_token_stream()).collect();
    enum_debug_and_eq(&plan.topics[t].camel, &event_idents(plan, events), &tys)
}

/// The variant names of `events`' enum: each event's type name.
fn event_idents(plan: &Plan, events: &[usize]) -> Vec<Ident> {
    events.iter().map(|&e| event_ident(plan, e)).collect()
}

/// [`emit_enum_debug_and_eq`] for enum `camel` whose variants `idents` wrap `tys`.
fn enum_debug_and_eq(camel: &Ident, idents: &[Ident], tys: &[TokenStream]) -> TokenStream {
    let names = idents.iter().map(Ident::to_string);
    let mismatch = (idents.len() > 1).then(|| quote!(_ => false,));
    quote! {
        impl ::core::fmt::Debug for #camel
        where
            #(for<'x> &'x #tys: ::core::fmt::Debug,)*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(Self::#idents(event) => f.debug_tuple(#names).field(&event).finish(),)*
                }
            }
        }

        impl ::core::cmp::PartialEq for #camel
        where
            #(for<'x> &'x #tys: ::core::cmp::PartialEq,)*
        {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    #((Self::#idents(a), Self::#idents(b)) => a == b,)*
                    #mismatch
                }
            }
        }
    }
}

/// A ring topic's `Carries` items, and the rest of its module.
fn emit_ring_topic(plan: &Plan, t: usize) -> (TokenStream, TokenStream) {
    let topic = &plan.topics[t];
    let camel = &topic.camel;
    let name = &topic.name;
    let wire = wire_type(plan, t);
    let capacity = usize::try_from(topic.capacity).unwrap_or(usize::MAX);
    let subs = topic.subscribers.len().max(1);
    let overflow = match topic.overflow {
        Overflow::Overwrite => quote!(::hardwire::Overwrite),
        Overflow::Backpressure => quote!(::hardwire::Backpressure),
    };
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
            impl sealed::Sealed for #ty {}
            impl Carries for #ty {
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
    let declared = topic.subscribers.len();
    let records = topic.subscribers.iter().map(|&s| {
        let (sub_name, record) = (&plan.subscribers[s].name, plan.record_index(t, s));
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
    let holding_back = |ring: TokenStream| {
        quote! {
            /// When this topic's ring is full for a subscriber (`publish` waits, `try_publish`
            /// fails): that subscriber's name and where it stands — `Parked` means no handle of
            /// it is held. See [`TopicStats::holding_back`](::hardwire::TopicStats::holding_back).
            #[must_use]
            pub fn holding_back(&self) -> ::core::option::Option<(&'static str, ::hardwire::SubscriberStatus)> {
                topic_stats(#ring).holding_back()
            }
        }
    };
    let (handle_holding_back, publisher_holding_back) =
        (holding_back(quote!(self.ring)), holding_back(quote!(self.inner.ring())));
    let multi = topic.producers == Producers::Multi;
    // `publisher.clone()` on a single producer: an error that says what to declare instead.
    let no_clone = (!multi).then(|| {
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
    let lossless = topic.overflow == Overflow::Backpressure;
    let backpressure = lossless.then(|| {
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
    });
    let bytes = topic.bytes.map(|size| {
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
    });
    let full_doc = if lossless {
        " Waits while the slowest subscriber is a full lap behind (see `try_publish`)."
    } else {
        " Never waits: a subscriber a full lap behind is told how many events it missed."
    };
    let memory_message = format!(
        "{}topic `{name}`: its ring needs more memory than this target allows for one ring (4 GiB, and 2 GiB, `isize::MAX`, on 32-bit targets); lower `capacity`",
        topic.capacity_prefix
    );
    let publisher_doc = format!(
        " Publishes to topic `{name}`. {}",
        if multi { "Clone it for every producing thread." } else { "Taken once: this topic has a single producer." }
    );
    let trait_items = quote! {
        /// This type's wire form, as the ring stores it.
        #[doc(hidden)]
        fn into_wire(self) -> Wire;
        /// This type as the topic's event enum, as taps see it.
        #[doc(hidden)]
        fn into_event(self) -> super::#camel;
    };
    let rest = quote! {
            #(#carries)*

            impl sealed::Sealed for super::#camel {}
            impl Carries for super::#camel {
                #[inline(always)]
                fn into_wire(self) -> Wire {
                    #enum_into
                }
                #[inline(always)]
                fn into_event(self) -> super::#camel {
                    self
                }
            }

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
                    Publisher::new(::hardwire::__private::Part::borrowed(self.ring), ::hardwire::__private::Part::borrowed(self.taps))
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
    };
    (trait_items, rest)
}

/// An inline topic's `Carries` items, and the rest of its module.
fn emit_inline_topic(plan: &Plan, t: usize) -> (TokenStream, TokenStream) {
    let topic = &plan.topics[t];
    let camel = &topic.camel;
    let subscribers: Vec<&Subscriber> = topic.subscribers.iter().map(|&s| &plan.subscribers[s]).collect();
    let params: Vec<Ident> = (0..subscribers.len()).map(|i| format_ident!("H{}", i)).collect();
    let emit_bytes = plan.topics[t].bytes.map(|size| {
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
    });
    let fields: Vec<&Ident> = subscribers.iter().map(|s| &s.snake).collect();
    let traits: Vec<TokenStream> = subscribers
        .iter()
        .map(|s| {
            let camel = &s.camel;
            quote!(super::#camel)
        })
        .collect();
    let bounds = quote!(#(#params: #traits + ?Sized),*);
    let dispatch = topic.events.iter().map(|&e| {
        let ty = nested(&plan.events[e].ty);
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
    });
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

/// The `out` parameter of a stage's handler methods.
fn outputs_param(subscriber: &Subscriber) -> Option<TokenStream> {
    (!subscriber.publishes.is_empty()).then(|| {
        let snake = &subscriber.snake;
        quote!(, out: &mut #snake::Outputs<'_>)
    })
}

fn emit_handler(plan: &Plan, s: usize) -> TokenStream {
    let subscriber = &plan.subscribers[s];
    let camel = &subscriber.camel;
    let out = outputs_param(subscriber);
    let methods = subscriber.handled.iter().map(|&e| {
        let event = &plan.events[e];
        let (method, ty) = (&event.method, &event.ty);
        let from: Vec<String> = subscriber
            .subscriptions
            .iter()
            .filter(|sub| sub.events.contains(&e))
            .map(|sub| format!("`{}`", plan.topics[sub.topic].name))
            .collect();
        let line = format!(" Handles `{}` from {}.", event.name, from.join(", "));
        quote! {
            #[doc = #line]
            fn #method(&mut self, event: &#ty #out);
        }
    });
    let topics: Vec<String> =
        subscriber.subscriptions.iter().map(|sub| format!("`{}`", plan.topics[sub.topic].name)).collect();
    let line = format!(
        " Handler of subscriber `{}`, which reads {}{}. Implement one method per event; a missing or extra method does not compile.",
        subscriber.name,
        topics.join(", "),
        if subscriber.publishes.is_empty() {
            String::new()
        } else {
            format!(
                " and publishes to {} through `out`",
                subscriber
                    .publishes
                    .iter()
                    .map(|&t| format!("`{}`", plan.topics[t].name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let user_docs = docs(&subscriber.docs);
    quote! {
        #[doc = #line]
        #user_docs
        pub trait #camel {
            #(#methods)*

            /// Called when this subscriber was lapped on an overwrite topic and missed exactly
            /// `missed` events of `topic`. Does nothing unless overridden.
            #[inline]
            fn on_lagged(&mut self, topic: Topic, missed: u64) {
                let _ = (topic, missed);
            }

            /// Called for an event of `topic` that did not decode (counted in the handle's
            /// `stats().invalid` and discarded): an enum tag or a C-like enum field value
            /// that no variant has, which only bytes from outside a typed publisher can
            /// hold. Does nothing unless overridden.
            #[inline]
            fn on_invalid(&mut self, topic: Topic, error: ::hardwire::WireError) {
                let _ = (topic, error);
            }
        }
    }
}

fn emit_subscriber(plan: &Plan, s: usize) -> TokenStream {
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

/// `SharedBus`: the bus in an `Arc`, whose handles are `'static` (each holds a clone), for
/// threads and tasks that outlive a scope. Exists when the runtime has `alloc`.
fn emit_shared_bus(plan: &Plan) -> TokenStream {
    let subscribers = plan.subscribers.iter().enumerate().filter(|&(s, _)| plan.reads_rings(s)).map(|(_, sub)| {
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
    let publishers =
        plan.topics.iter().enumerate().filter(|(_, topic)| topic.delivery == Delivery::Ring).map(|(t, topic)| {
            let f = &topic.snake;
            let method = format_ident!("{}_publisher", f);
            let index = syn::Index::from(t);
            let line = format!(" A publisher of topic `{}`, `'static`: as `bus.{f}().publisher()`.", topic.name);
            quote! {
                #[doc = #line]
                ///
                /// # Errors
                ///
                /// As [`Handle::publisher`](#f::Handle::publisher).
                pub fn #method(&self) -> ::core::result::Result<#f::Publisher<'static>, ::hardwire::TakeError> {
                    let bus = shared_part(self);
                    #f::Publisher::new(bus.project(|bus| &bus.#f), bus.project(|bus| &bus.taps.#index))
                }
            }
        });
    quote! {
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

/// The parking route of every ring of this bus (non-zero): a hash of its topic names, so
/// unrelated buses tend to park on different shards, while the rings of one bus share one
/// and a multi-topic subscriber can wait for all of its topics at once.
fn wake_route(plan: &Plan) -> u32 {
    let mut hash: u32 = 0x811c_9dc5; // FNV-1a
    for byte in plan.topics.iter().flat_map(|topic| topic.name.bytes().chain([0])) {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    hash.max(1)
}

fn emit_bus(plan: &Plan) -> TokenStream {
    let ring_ids: Vec<usize> = (0..plan.topics.len()).filter(|&t| plan.topics[t].delivery == Delivery::Ring).collect();
    let rings: Vec<&Topic> = ring_ids.iter().map(|&t| &plan.topics[t]).collect();
    let ring_fields = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(#f: #f::Ring)
    });
    // What `new` builds each ring with, and what `prepare` applies to a zeroed one: the same.
    let route = wake_route(plan);
    let ring_setups: Vec<(&Ident, usize)> =
        ring_ids.iter().map(|&t| (&plan.topics[t].snake, plan.reserved_records(t))).collect();
    let ring_inits = ring_setups.iter().map(|(f, reserved)| quote!(#f: #f::Ring::__for_bus(#reserved, #route)));
    let ring_prepares = ring_setups.iter().map(|(f, reserved)| quote!(self.#f.__prepare_for_bus(#reserved, #route);));
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
    let handles = plan.subscribers.iter().enumerate().filter(|&(s, _)| plan.reads_rings(s)).count();
    let accessors = plan.topics.iter().enumerate().map(|(t, topic)| {
        let f = &topic.snake;
        let index = syn::Index::from(t);
        match topic.delivery {
            Delivery::Ring => {
                let line = format!(" Topic `{}`: its publisher, counters and taps.", topic.name);
                quote! {
                    #[doc = #line]
                    #[must_use]
                    pub fn #f(&self) -> #f::Handle<'_> {
                        #f::Handle::new(&self.#f, &self.taps.#index)
                    }
                }
            }
            Delivery::Inline => {
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
    });
    let subscriber_accessors = plan.subscribers.iter().enumerate().filter(|&(s, _)| plan.reads_rings(s)).map(|(_, sub)| {
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
    });
    let shared = emit_shared_bus(plan);
    let stats_fields = rings.iter().map(|topic| {
        let f = &topic.snake;
        let n = topic.subscribers.len();
        let line = format!(" Topic `{}`.", topic.name);
        quote!(#[doc = #line] pub #f: ::hardwire::TopicStats<#n>)
    });
    let stats_values = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(#f: #f::topic_stats(&self.#f))
    });
    let ring_count = rings.len();
    let stats_lines = rings.iter().map(|topic| {
        let f = &topic.snake;
        quote!(self.#f.summary())
    });
    let debug_fields = rings.iter().map(|topic| {
        let (f, name) = (&topic.snake, &topic.name);
        quote!(.field(#name, &self.#f))
    });
    quote! {
        /// The bus: one ring per ring topic, and the handles of its publishers and
        /// subscribers. `Bus::new()` is a `const fn`, so a bus can live in a `static`.
        pub struct Bus {
            #(#ring_fields,)*
            taken: [::hardwire::__private::Once; #handles],
            taps: (#(#tap_types,)*),
        }

        impl Bus {
            /// The bus's exact memory footprint in bytes.
            pub const MEMORY_BYTES: usize = ::core::mem::size_of::<Self>();

            /// An empty bus, with no heap: usable in a `static`.
            #[must_use]
            pub const fn new() -> Self {
                Self {
                    #(#ring_inits,)*
                    taken: [const { ::hardwire::__private::Once::new() }; #handles],
                    taps: (#(#tap_types::new(),)*),
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
        };
        /// SAFETY: every field is a ring, a `Once` or a topic's `Taps`, each `Zeroable`
        /// (asserted just above), so all-zero bytes are a valid `Bus` (`new_boxed` then
        /// makes it equal to `Bus::new()` with `prepare`).
        unsafe impl ::hardwire::__private::Zeroable for Bus {}

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
