//! Procedural macros of hardwire. Thin shells: the work is done by `hardwire-codegen`, a
//! plain library that is unit-tested and fuzzed on its own. Use them through the `hardwire`
//! crate: `#[derive(hardwire::Event)]`, `#[hardwire::bus]`.

#![deny(missing_docs)]

use proc_macro::TokenStream;

/// Derives `hardwire::Event` (and `bytemuck::Pod`, `bytemuck::Zeroable`,
/// `hardwire::Payload`) for a `#[repr(C)]` struct of Pod fields without padding, or for an
/// enum of unit variants, one-event tuple variants and named-field variants.
///
/// A struct is its own wire form; one with C-like enum fields marked `#[event(enum)]` (see
/// [`FieldEnum`](derive@FieldEnum)) gets a Pod twin that holds each enum as its integer. An
/// enum's wire form is a `u32` tag (the variant, in declaration order), 4 reserved bytes and
/// the largest variant's bytes. Decoding an unknown tag or enum value gives
/// `Err(WireError::..)`, never a panic and never an invalid value.
///
/// ```
/// use hardwire::Event;
///
/// #[derive(Event, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// pub struct Fill { pub price: f64, pub qty: u32, pub side: u32 }
///
/// #[derive(Event, Clone, Copy, Debug, PartialEq)]
/// pub enum Command {
///     Fill(Fill),
///     Cancel { id: u64 },
///     Halt,
/// }
///
/// let command = Command::Cancel { id: 7 };
/// let wire = command.to_wire();
/// assert_eq!(Command::from_wire(&wire), Ok(command));
/// assert_eq!(<Fill as Event>::NAME, "Fill");
/// ```
///
/// Padding is a compile error that names the field and the byte count:
///
/// ```compile_fail
/// #[derive(hardwire::Event, Clone, Copy)]
/// #[repr(C)]
/// pub struct Padded { pub side: u8, pub qty: u64 } // 7 bytes of padding after `side`
/// ```
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    hardwire_codegen::derive_event(input.into()).into()
}

/// Derives `hardwire::FieldEnum` for a C-like enum (`#[repr(u8)]`, `#[repr(u16)]` or
/// `#[repr(u32)]`, unit variants, explicit discriminants allowed), so that it can be a
/// field of an event: mark the field `#[event(enum)]`.
///
/// On the wire the field is the enum's integer. Decoding checks it: a value no variant has
/// (which only bytes from outside a typed publisher can hold) is refused with
/// `WireError::InvalidEnum`, never turned into an invalid enum; a generated subscriber
/// counts it as `invalid` and reports it to its handler's `on_invalid`.
///
/// ```
/// use hardwire::{Event, FieldEnum, WireError};
///
/// #[derive(FieldEnum, Clone, Copy, Debug, PartialEq)]
/// #[repr(u8)]
/// pub enum Side { Buy = 1, Sell = 2 }
///
/// #[derive(Event, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// pub struct Fill { pub price: f64, pub qty: u32, #[event(enum)] pub side: Side, pub _pad: [u8; 3] }
///
/// let fill = Fill { price: 10.5, qty: 3, side: Side::Sell, _pad: [0; 3] };
/// let mut wire = fill.to_wire();
/// assert_eq!(Fill::from_wire(&wire), Ok(fill));
/// // Bytes from elsewhere: 7 is no `Side`. Decoding refuses it.
/// bytemuck::bytes_of_mut(&mut wire)[12] = 7;
/// assert_eq!(
///     Fill::from_wire(&wire),
///     Err(WireError::InvalidEnum { event: "Fill", field: "side", enumeration: "Side", value: 7 })
/// );
/// ```
#[proc_macro_derive(FieldEnum)]
pub fn derive_field_enum(input: TokenStream) -> TokenStream {
    hardwire_codegen::derive_field_enum(input.into()).into()
}

/// Generates a bus from the topics and subscribers declared in the module, or from a TOML
/// topology file (`#[hardwire::bus(topology = "path/relative/to/crate.toml")]`).
///
/// In the Rust form, `#[topic(capacity = N, overflow = "overwrite" | "backpressure",
/// producers = "single" | "multi", delivery = "ring" | "inline")]` goes on a tuple struct
/// listing the topic's event types, and `#[subscriber(Topic, Other(OnlyThis), publishes =
/// [Topic])]` on an empty trait. The module then holds, per topic, an event enum and a module
/// with its `Publisher` (or inline `Dispatcher`); per subscriber, the handler trait (filled
/// in with `on_<event>` methods) and a module with its `Subscriber` handle; and `Topic`,
/// `Bus`, `BusStats`. The `hardwire` crate's guide and README show both forms in full.
///
/// ```
/// use hardwire::Event;
///
/// #[derive(Event, Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// pub struct Tick { pub n: u64 }
///
/// #[hardwire::bus]
/// pub mod clock {
///     use super::Tick;
///
///     #[topic(capacity = 64)]
///     pub struct Ticks(Tick);
///
///     #[subscriber(Ticks)]
///     pub trait Counter {}
/// }
///
/// struct Count(u64);
/// impl clock::Counter for Count {
///     fn on_tick(&mut self, tick: &Tick) {
///         self.0 += tick.n;
///     }
/// }
///
/// fn main() {
///     let bus = clock::Bus::new();
///     let mut counter = bus.counter().unwrap();
///     let mut ticks = bus.ticks().publisher().unwrap();
///     ticks.publish_batch(&[Tick { n: 1 }, Tick { n: 2 }]);
///     let mut count = Count(0);
///     assert_eq!(counter.poll(&mut count), 2);
///     assert_eq!(count.0, 3);
/// }
/// ```
///
/// Publishing a type the topic does not carry does not compile:
///
/// ```compile_fail
/// # use hardwire::Event;
/// # #[derive(Event, Clone, Copy)] #[repr(C)] pub struct Tick { pub n: u64 }
/// #[hardwire::bus]
/// pub mod clock {
///     use super::Tick;
///     #[topic(capacity = 64)]
///     pub struct Ticks(Tick);
/// }
/// fn main() {
///     let bus = clock::Bus::new();
///     bus.ticks().publisher().unwrap().publish(42u64); // `u64` is not an event of topic `ticks`
/// }
/// ```
#[proc_macro_attribute]
pub fn bus(attr: TokenStream, item: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    hardwire_codegen::bus(attr.into(), item.into(), manifest_dir.as_deref()).into()
}
