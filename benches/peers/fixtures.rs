//! The buses, handlers and helpers the scenarios share.

use super::*;

// Generated buses used by the scenarios.

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Tick {
    pub value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Quote {
    pub bid: u64,
    pub ask: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, hardwire::Event)]
#[repr(C)]
pub struct Trade {
    pub price: u64,
    pub size: u64,
    pub id: u64,
}

#[hardwire::bus]
pub mod ticks {
    use super::Tick;

    /// One lossy ring, as a market-data feed.
    #[topic(capacity = 4096)]
    pub struct Feed(Tick);

    #[subscriber(Feed)]
    pub trait Reader {}

    #[subscriber(Feed)]
    pub trait Reader2 {}

    #[subscriber(Feed)]
    pub trait Reader3 {}

    #[subscriber(Feed)]
    pub trait Reader4 {}
}

#[hardwire::bus]
pub mod market {
    use super::{Quote, Tick, Trade};

    /// Three event types on one topic: dispatch by the generated `match` on the wire tag.
    #[topic(capacity = 4096)]
    pub struct Data(Tick, Quote, Trade);

    #[subscriber(Data)]
    pub trait Strategy {}
}

/// Handlers doing the same work in every scenario: fold the payload into a sum.
#[derive(Clone, Copy, Default)]
pub(crate) struct Sink(pub(crate) u64);

impl ticks::Reader for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(black_box(event.value));
    }
}

impl market::Strategy for Sink {
    fn on_tick(&mut self, event: &Tick) {
        self.0 = self.0.wrapping_add(black_box(event.value));
    }
    fn on_quote(&mut self, event: &Quote) {
        self.0 = self.0.wrapping_add(black_box(event.bid ^ event.ask));
    }
    fn on_trade(&mut self, event: &Trade) {
        self.0 = self.0.wrapping_add(black_box(event.price ^ event.size ^ event.id));
    }
}

/// An inline topic with one subscriber per name, each implemented by `Sink`.
macro_rules! inline_fan_out {
    ($module:ident: $($sub:ident)*) => {
        #[hardwire::bus]
        pub mod $module {
            use super::Tick;

            #[topic(delivery = "inline")]
            pub struct Ticks(Tick);

            $(
                #[subscriber(Ticks)]
                pub trait $sub {}
            )*
        }

        $(
            impl $module::$sub for Sink {
                #[inline]
                fn on_tick(&mut self, event: &Tick) {
                    self.0 = self.0.wrapping_add(black_box(event.value));
                }
            }
        )*

        impl $module::Bus {
            /// Emits `count` ticks to one `Sink` per subscriber; returns their sum.
            #[allow(non_snake_case)]
            pub(crate) fn emit_many(&self, sinks: &mut [Sink], count: u64) -> u64 {
                let [$($sub),*] = sinks else { unreachable!("one sink per subscriber") };
                // The path users take: the bus handle's dispatcher, taps check included.
                let mut to = self.ticks().dispatcher($($sub),*);
                for value in 0..count {
                    to.emit(Tick { value });
                }
                sinks.iter().map(|sink| sink.0).sum()
            }
        }
    };
}

inline_fan_out!(fan1: A0);
inline_fan_out!(fan4: A0 A1 A2 A3);
inline_fan_out!(fan16: A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
inline_fan_out!(fan64:
    A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15
    B0 B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11 B12 B13 B14 B15
    C0 C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11 C12 C13 C14 C15
    D0 D1 D2 D3 D4 D5 D6 D7 D8 D9 D10 D11 D12 D13 D14 D15);

/// A generated bus with one lossless topic of a `WORDS`-word event, and the contender that
/// publishes to it and receives through its subscriber's `poll`: the handler reads each event
/// where it lies in the ring (`hardwire-bus` in the `lossless_*` groups).
macro_rules! lossless_bus {
    ($module:ident, $words:literal) => {
        pub mod $module {
            use super::*;

            #[derive(Clone, Copy, hardwire::Event)]
            #[repr(C)]
            pub struct Payload {
                pub words: [u64; $words],
            }

            #[hardwire::bus]
            pub mod bus {
                use super::Payload;

                #[topic(capacity = 1024, overflow = "backpressure")]
                pub struct Data(Payload);

                #[subscriber(Data)]
                pub trait Reader {}
            }

            struct Handler;

            impl bus::Reader for Handler {
                #[inline]
                fn on_payload(&mut self, event: &Payload) {
                    black_box(event);
                }
            }

            /// Publish one event, then `poll` it to the handler. `poll` drains: after the
            /// event it reads once more and finds the ring empty, a check the single `pop`
            /// of the other contenders leaves out.
            pub(crate) fn contender(group: &mut BenchmarkGroup<'_, WallTime>) {
                let bus = bus::Bus::new_boxed();
                let mut publisher = bus.data().publisher().unwrap();
                let mut reader = bus.reader().unwrap();
                let event = Payload { words: [7; $words] };
                group.bench_function("hardwire-bus", |b| {
                    b.iter(|| {
                        publisher.publish(black_box(event));
                        reader.poll(&mut Handler);
                    })
                });
            }
        }
    };
}

lossless_bus!(lossless8, 1);
lossless_bus!(lossless24, 3);
lossless_bus!(lossless64, 8);
lossless_bus!(lossless256, 32);
lossless_bus!(lossless1024, 128);
