//! Items generated code refers to as `::hardwire::__private::*`. Not part of the API.

pub use crate::payload::layout_hash;
pub use bytemuck::{Pod, Zeroable};
use core::ops::Deref;

pub use crate::__hardwire_if_alloc as if_alloc;
pub use crate::event::{EventView, Viewed};
pub use crate::part::Part;
pub use crate::topic::{ByteTopic, LosslessInner, RingTopic, TakeInner, TopicInner};
pub use crate::topic_subscriber::{Receives, SubscriberState, attach};
#[cfg(feature = "alloc")]
pub use alloc::sync::Arc;

/// Its input when the runtime has the `alloc` feature, nothing otherwise: a generated bus
/// declares its `SharedBus` (an `Arc`) through it.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_alloc {
    ($($item:tt)*) => { $($item)* };
}

/// Its input when the runtime has the `alloc` feature, nothing otherwise.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_alloc {
    ($($item:tt)*) => {};
}
#[cfg(feature = "alloc")]
pub use {alloc::boxed::Box, bytemuck::zeroed_box};

pub use crate::__hardwire_bus_new_boxed as bus_new_boxed;
pub use crate::event::Once;

pub use crate::__hardwire_if_async as if_async;
pub use crate::__hardwire_if_std as if_std;
#[cfg(feature = "std")]
pub use std::time::Instant;

/// Its input when the runtime has the `std` feature, nothing otherwise: generated code
/// declares its timed methods through it.
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_std {
    ($($item:tt)*) => { $($item)* };
}

/// Its input when the runtime has the `std` feature, nothing otherwise.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_std {
    ($($item:tt)*) => {};
}

/// Its input when the runtime has the `async` feature, nothing otherwise: generated code
/// declares its async methods through it, so they exist exactly when the runtime's do.
#[cfg(all(feature = "async", not(loom)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_async {
    ($($item:tt)*) => { $($item)* };
}

/// Its input when the runtime has the `async` feature, nothing otherwise.
#[cfg(not(all(feature = "async", not(loom))))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_async {
    ($($item:tt)*) => {};
}

/// Its input when the runtime has the `shm` feature (on Linux), nothing otherwise:
/// generated code declares `SharedBus::open` and `Bus::segment_layout` through it.
#[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_shm {
    ($($item:tt)*) => { $($item)* };
}

/// Its input when the runtime has the `shm` feature, nothing otherwise.
#[cfg(not(all(feature = "shm", target_os = "linux", not(loom))))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_if_shm {
    ($($item:tt)*) => {};
}

pub use crate::__hardwire_if_shm as if_shm;

/// Where a generated bus finds the ring of a `scope = "shared"` topic: in the bus itself
/// (null, the default: a bus made by `Bus::new`), or in the shared-memory segment the bus
/// holds in its [`SegmentHold`] (set by `SharedBus::open`).
pub struct RingIn<R> {
    /// Null, or a ring in the mapping of the segment of the same bus's `SegmentHold`.
    ring: core::sync::atomic::AtomicPtr<R>,
}

impl<R> RingIn<R> {
    /// The bus's own ring.
    #[must_use]
    pub const fn own() -> Self {
        Self { ring: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()) }
    }

    /// The ring to use: the segment's, or `own`.
    #[inline]
    pub fn get<'a>(&'a self, own: &'a R) -> &'a R {
        let ring = self.ring.load(core::sync::atomic::Ordering::Relaxed);
        if ring.is_null() {
            return own;
        }
        // SAFETY: non-null only as stored by `attach`, whose caller guarantees that the
        // segment holding the ring outlives `self` (generated code: the bus's own
        // `SegmentHold`, dropped with the bus, after every borrow of `self` ended). The
        // ring was initialised before the segment was ready, and is only shared (all
        // atomics).
        unsafe { &*ring }
    }

    /// Uses `ring` (a ring of a segment) from now on.
    ///
    /// # Safety
    ///
    /// The segment `ring` belongs to must stay mapped for as long as `self` exists: keep
    /// it in a `SegmentHold` dropped no earlier than `self`.
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    pub unsafe fn attach(&mut self, ring: &crate::shm::SharedRing<R>)
    where
        R: crate::shm::ShmRing,
    {
        *self.ring.get_mut() = ring.as_ptr().cast_mut();
    }
}

// SAFETY: an `AtomicPtr` of all-zero bytes is null: the bus's own ring.
unsafe impl<R> Zeroable for RingIn<R> {}

/// The shared-memory segment a generated bus's shared topics live in, if it was opened
/// with `SharedBus::open` (empty otherwise, and always without the `shm` feature).
pub struct SegmentHold {
    /// Null, or a `Box<Segment>` leaked by `hold`.
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    segment: core::sync::atomic::AtomicPtr<crate::shm::Segment>,
}

impl SegmentHold {
    /// No segment.
    #[must_use]
    pub const fn none() -> Self {
        Self {
            #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
            segment: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Keeps `segment` mapped until `self` is dropped.
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    pub fn hold(&mut self, segment: crate::shm::Segment) {
        let old =
            core::mem::replace(self.segment.get_mut(), alloc::boxed::Box::into_raw(alloc::boxed::Box::new(segment)));
        if !old.is_null() {
            // SAFETY: a non-null pointer here came from `Box::into_raw` just as above, and
            // was replaced, so nothing else frees it.
            drop(unsafe { alloc::boxed::Box::from_raw(old) });
        }
    }
}

impl Drop for SegmentHold {
    fn drop(&mut self) {
        #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
        {
            let segment = *self.segment.get_mut();
            if !segment.is_null() {
                // SAFETY: from `Box::into_raw` in `hold`, freed only here.
                drop(unsafe { alloc::boxed::Box::from_raw(segment) });
            }
        }
    }
}

// SAFETY: all-zero bytes are a null pointer (or nothing at all): no segment.
unsafe impl Zeroable for SegmentHold {}

/// A claim on a ring's publisher (single- or multi-producer) that no handle owns yet: a
/// generated stage claims every output first, and only then builds the publishers
/// (`Publisher::__claimed`), so that a take failing on one output leaves the others as
/// they were. Dropped without [`PublisherClaim::into_ring`], it gives the claim back.
pub struct PublisherClaim<P: Deref<Target: crate::AnyRing>> {
    /// `Some` until `into_ring` takes it.
    ring: Option<P>,
    multi: bool,
}

impl<P: Deref<Target: crate::AnyRing>> PublisherClaim<P> {
    /// Claims the publisher of the ring `ring` points to.
    ///
    /// # Errors
    ///
    /// As [`Publisher::new`](crate::Publisher::new) (`multi == false`) or
    /// [`MultiPublisher::new`](crate::MultiPublisher::new).
    pub fn new(ring: P, multi: bool) -> Result<Self, crate::AlreadyTaken> {
        crate::ring::take_publisher(&*ring, multi)?;
        Ok(Self { ring: Some(ring), multi })
    }

    /// [`PublisherClaim::new`] for stage `subscriber`'s output `topic`.
    ///
    /// # Errors
    ///
    /// [`TakeError::OutputTaken`](crate::TakeError::OutputTaken) naming both.
    pub fn output(
        ring: P,
        multi: bool,
        subscriber: &'static str,
        topic: &'static str,
    ) -> Result<Self, crate::TakeError> {
        Self::new(ring, multi).map_err(|_| crate::TakeError::OutputTaken { subscriber, topic })
    }

    /// Keeps the claim, for a handle built from the returned pointer.
    #[must_use]
    pub fn into_ring(mut self) -> P {
        match self.ring.take() {
            Some(ring) => ring,
            None => unreachable!("only into_ring takes the ring, and it consumes the claim"),
        }
    }
}

impl<P: Deref<Target: crate::AnyRing>> Drop for PublisherClaim<P> {
    fn drop(&mut self) {
        if let Some(ring) = &self.ring {
            crate::ring::untake_publisher(&**ring, self.multi);
        }
    }
}

/// Implemented by nothing: the bound of a single-producer publisher's `clone`, so that
/// cloning one is an error that says what to declare instead.
#[diagnostic::on_unimplemented(
    message = "this publisher cannot be cloned: its topic has a single producer",
    label = "this topic is `producers = \"single\"`",
    note = "declare the topic `producers = \"multi\"` (TOML) or `#[topic(.., producers = \"multi\")]` (Rust) for a publisher that can be cloned to every producing thread"
)]
pub trait SingleProducer {}

/// A type that can be a field of a `#[derive(Event)]` struct: plain old data.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of an event: it is not plain old data (`bytemuck::Pod`)",
    label = "not plain old data",
    note = "event fields are integers, floats, fixed-size arrays of them, or other `#[derive(Event)]` structs",
    note = "a C-like enum is a field too: `#[derive(hardwire::FieldEnum)]` with `#[repr(u8)]` on the enum, and `#[event(enum)]` on the field"
)]
pub trait EventField {}

impl<T: Pod> EventField for T {}

/// Compiles only if `T` is plain old data; the derive calls it once per field.
pub const fn assert_event_field<T: EventField>() {}

/// A type that can be an `#[event(enum)]` field: a [`FieldEnum`](crate::FieldEnum).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `#[event(enum)]` field: it does not implement `hardwire::FieldEnum`",
    label = "not a field enum",
    note = "derive it on a C-like enum: `#[derive(Clone, Copy, hardwire::FieldEnum)]` with `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]`; a plain-data field needs no `#[event(enum)]`"
)]
pub trait EnumField {}

impl<T: crate::FieldEnum> EnumField for T {}

/// Compiles only if `T` is a [`FieldEnum`](crate::FieldEnum); the derive calls it once per
/// `#[event(enum)]` field.
pub const fn assert_enum_field<T: EnumField>() {}

/// How an `#[event(enum)]` field travels: a [`FieldEnum`](crate::FieldEnum) as its integer
/// (implemented by `#[derive(FieldEnum)]` for the enum), anything Pod as itself. The
/// derive of an event names a marked field's wire type through this trait, so a field
/// marked by mistake (a `u32`) gives the one error of `assert_enum_field` rather than one
/// per use of a type that does not exist.
pub trait WireField: Copy {
    /// The field's type on the wire.
    type Wire: Pod;
    /// The wire value of `self`.
    fn to_wire_field(self) -> Self::Wire;
    /// The field a wire value holds, checked.
    ///
    /// # Errors
    ///
    /// [`WireError::InvalidEnum`](crate::WireError) for an enum value no variant has.
    fn from_wire_field(wire: Self::Wire, event: &'static str, field: &'static str) -> Result<Self, crate::WireError>;
}

impl<T: Pod> WireField for T {
    type Wire = T;
    #[inline(always)]
    fn to_wire_field(self) -> T {
        self
    }
    #[inline(always)]
    fn from_wire_field(wire: T, _: &'static str, _: &'static str) -> Result<T, crate::WireError> {
        Ok(wire)
    }
}

/// Decodes an `#[event(enum)]` field: the variant, or [`WireError::InvalidEnum`](crate::WireError).
///
/// # Errors
///
/// When `repr` is no variant's discriminant.
#[inline(always)]
pub fn decode_enum<E: crate::FieldEnum>(
    repr: E::Repr,
    event: &'static str,
    field: &'static str,
) -> Result<E, crate::WireError> {
    use crate::EnumRepr as _;
    E::from_repr(repr).ok_or(crate::WireError::InvalidEnum { event, field, enumeration: E::NAME, value: repr.widen() })
}

/// Compiles only if all-zero bytes are a valid `T`; a generated `Bus` asserts it of every
/// field before it implements `Zeroable` itself.
pub const fn assert_zeroable<T: Zeroable>() {}

/// The largest ring a generated bus accepts on this target: 4 GiB, or less where the target
/// cannot address that much in one object (`isize::MAX`: 2 GiB on 32-bit targets).
pub const RING_BYTES_LIMIT: u128 = if (isize::MAX as u128) < (1 << 32) { isize::MAX as u128 } else { 1 << 32 };

/// Whether a ring of `capacity` slots of `T` and `subscribers` records fits
/// [`RING_BYTES_LIMIT`], computed without forming the ring's type (whose layout would fail to
/// compute on a target too small for it, with an error rustc cannot place in the topology).
#[cfg(not(loom))]
#[must_use]
pub const fn ring_fits<T>(capacity: usize, subscribers: usize) -> bool {
    crate::ring::ring_memory_bytes_wide(core::mem::size_of::<T>(), capacity, subscribers) <= RING_BYTES_LIMIT
}

/// The largest of `sizes` (0 for none), for sizing an enum's wire body.
#[must_use]
pub const fn max_size(sizes: &[usize]) -> usize {
    let mut max = 0;
    let mut i = 0;
    while i < sizes.len() {
        if sizes[i] > max {
            max = sizes[i];
        }
        i += 1;
    }
    max
}

/// Copies `value`'s bytes to the start of an enum wire body (the rest stays zero).
#[inline(always)]
pub fn write_body<const N: usize, B: Pod>(body: &mut [u64; N], value: &B) {
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(body.as_mut_slice());
    bytes[..core::mem::size_of::<B>()].copy_from_slice(bytemuck::bytes_of(value));
}

/// Reads a `B` from the start of an enum wire body.
#[inline(always)]
#[must_use]
pub fn read_body<const N: usize, B: Pod>(body: &[u64; N]) -> B {
    let bytes: &[u8] = bytemuck::cast_slice(body.as_slice());
    bytemuck::pod_read_unaligned(&bytes[..core::mem::size_of::<B>()])
}

/// The `B` at the start of an enum wire body, where it lies: `None` when `B` needs more than
/// the body's 8-byte alignment (or is larger, which a derived wire form never is), in which
/// case the caller reads a copy ([`read_body`]).
#[inline(always)]
#[must_use]
pub fn view_body<const N: usize, B: Pod>(body: &[u64; N]) -> Option<&B> {
    if core::mem::align_of::<B>() > core::mem::align_of::<u64>()
        || core::mem::size_of::<B>() > core::mem::size_of::<[u64; N]>()
    {
        return None;
    }
    // The body's address is 8-byte aligned, so with `B`'s alignment checked above the cast
    // cannot fail; bytemuck checks it (and the length) rather than an `unsafe` block here.
    let bytes: &[u8] = bytemuck::cast_slice(body.as_slice());
    bytemuck::try_from_bytes(&bytes[..core::mem::size_of::<B>()]).ok()
}

/// A compile-time diagnostic assembled by a `const fn`: its bytes and length.
pub struct ConstMessage {
    bytes: [u8; 1024],
    len: usize,
}

impl ConstMessage {
    /// Whether there is nothing to report.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message (a fixed fallback if it was cut inside a character).
    #[must_use]
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            Err(_) => "an event has implicit padding; reorder fields widest-first or add explicit padding bytes",
        }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        let mut i = 0;
        while i < text.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_number(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < self.bytes.len() {
            count -= 1;
            self.bytes[self.len] = digits[count];
            self.len += 1;
        }
        self
    }
}

/// What a derived event's layout check reports: nothing (an empty message) when the fields'
/// sizes add up to the type's, which for any struct means no byte is padding; otherwise the
/// first gap a `repr(C)` layout of `fields` (name, size, alignment, in declaration order)
/// has: "`what` has N bytes of implicit padding after field `f`; reorder fields widest-first
/// or add `_pad: [u8; N]` there".
///
/// One `const fn` call and one `panic!` per event: a check per field, with a `panic!` per
/// possible byte count (a const panic cannot format a number), gave rustc so many hygiene
/// contexts that a TOML bus of 250 events crossed its inline-context limit and type checking
/// became 60 times slower.
#[must_use]
pub const fn layout_message(what: &str, size: usize, fields: &[(&str, usize, usize)]) -> ConstMessage {
    let empty = ConstMessage { bytes: [0; 1024], len: 0 };
    let mut sum = 0;
    let mut i = 0;
    while i < fields.len() {
        sum += fields[i].1;
        i += 1;
    }
    if sum == size {
        return empty;
    }
    let (mut offset, mut i): (usize, usize) = (0, 0);
    while i < fields.len() {
        let (_, field_size, align) = fields[i];
        let aligned = offset.next_multiple_of(if align == 0 { 1 } else { align });
        if aligned > offset && i > 0 {
            return gap_message(empty, what, aligned - offset, "after field `", fields[i - 1].0);
        }
        offset = aligned + field_size;
        i += 1;
    }
    if size > offset && !fields.is_empty() {
        return gap_message(empty, what, size - offset, "at the end, after field `", fields[fields.len() - 1].0);
    }
    // Not the layout `repr(C)` gives; still, the sizes do not add up.
    empty
        .push(what)
        .push(" has ")
        .push_number(size.abs_diff(sum))
        .push(" bytes of implicit padding; reorder fields widest-first or add explicit padding bytes")
}

const fn gap_message(message: ConstMessage, what: &str, gap: usize, place: &str, field: &str) -> ConstMessage {
    let message = message.push(what).push(" has ").push_number(gap);
    let message = message.push(if gap == 1 { " byte" } else { " bytes" }).push(" of implicit padding ").push(place);
    message.push(field).push("`; reorder fields widest-first or add `_pad: [u8; ").push_number(gap).push("]` there")
}

/// `Bus::new_boxed` for a generated bus, when the runtime has `alloc` (a `cfg` in the
/// generated code would test the user's crate's features instead of the runtime's).
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_bus_new_boxed {
    () => {
        /// The bus on the heap, equal to `Bus::new()` and never built on the stack, so
        /// even a bus of large rings cannot overflow a thread's stack: allocated zeroed,
        /// then each ring's declared subscribers reserved and its wake route set.
        #[must_use]
        pub fn new_boxed() -> $crate::__private::Box<Self> {
            let mut bus: $crate::__private::Box<Self> = $crate::__private::zeroed_box();
            bus.prepare();
            bus
        }
    };
}

/// Without `alloc` there is no heap constructor.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __hardwire_bus_new_boxed {
    () => {};
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::layout_message;

    #[test]
    fn layout_messages_name_the_place_and_the_exact_byte_count() {
        const { assert!(layout_message("event `Fill`", 16, &[("qty", 8, 8), ("price", 8, 8)]).is_empty()) };
        const ONE: &str = layout_message("event `Fill`", 4, &[("side", 1, 1), ("flag", 2, 2)]).as_str();
        assert_eq!(
            ONE,
            "event `Fill` has 1 byte of implicit padding after field `side`; reorder fields widest-first or add `_pad: [u8; 1]` there"
        );
        let tail = layout_message("variant `Big` of event `É`", 128, &[("x", 8, 8)]);
        assert_eq!(
            tail.as_str(),
            "variant `Big` of event `É` has 120 bytes of implicit padding at the end, after field `x`; reorder fields widest-first or add `_pad: [u8; 120]` there"
        );
        // Cut inside a character: the fixed fallback, never invalid UTF-8.
        let long = format!("a{}", "é".repeat(600));
        assert!(
            layout_message(&long, 16, &[("a", 1, 1), ("b", 8, 8)])
                .as_str()
                .starts_with("an event has implicit padding")
        );
    }
}
