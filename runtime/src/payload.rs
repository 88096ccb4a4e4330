//! Which types travel through a ring, and how many slot words each one takes.
//!
//! A slot stores its payload as an owned array of `AtomicU64` words (see [`crate::slot`]),
//! never as the payload type itself. [`Payload::Words`] names that array as `[u64; N]`;
//! it is a type rather than a number because stable Rust cannot compute an array length
//! from a generic type. [`slot_words`] picks `N` so that slots pack evenly into cache lines.

use crate::sync::AtomicU64;
use bytemuck::Pod;

/// Bytes in a cache line, the unit slots are packed into.
pub const CACHE_LINE: usize = 64;

/// A plain-old-data value that can be published through a [`Ring`](crate::Ring).
///
/// Implement it with [`impl_payload!`](crate::impl_payload) (or, once available,
/// `#[derive(hardwire::Event)]`), which picks the slot layout for you:
///
/// ```
/// use hardwire_runtime::{Payload, impl_payload};
///
/// #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
/// #[repr(C)]
/// struct Tick { ts: u64, price: f64 }
///
/// impl_payload!(Tick);
/// assert_eq!(core::mem::size_of::<<Tick as Payload>::Words>(), 24); // 8 B stamp + 24 B = 32 B slot
/// ```
///
/// Implementing it by hand is safe: `Words` must be `[u64; N]` (the trait is sealed to
/// those), and a `Words` too small for `Self` is a compile error when a slot is built.
pub trait Payload: Pod + Send + Sync {
    /// The slot's word storage, `[u64; N]` with `8 * N >= size_of::<Self>()`.
    ///
    /// `N` may exceed the words the value needs: the extra words pad the slot to its
    /// cache-line share and are never read or written.
    type Words: Words;

    /// Whether the value starts with a `u32` byte count of what follows its first 8 bytes,
    /// the rest being filler: then a lossy ring's seqlock copies only the first 8 bytes and
    /// that many more (at most the value's size), and a reader gets zeros for the filler.
    /// Byte payloads ([`Bytes`](crate::Bytes)) of 1 KiB and more set it: a 100-byte frame in
    /// the 1 KiB class crosses as 14 words instead of 129. The copy loop then runs for a
    /// count known only at run time, which costs more per word than the fixed one, so a
    /// nearly full payload crosses slower (measured in `bytes.rs`). A type that sets it
    /// without that layout reads back with zeros where the count says filler, never out of
    /// bounds.
    #[doc(hidden)]
    const LENGTH_PREFIXED: bool = false;

    /// A fingerprint of the type's layout, which a process attaching to a shared-memory
    /// segment compares with the creator's (`shm`). `#[derive(Event)]` hashes the type's
    /// name and every field's name, type, offset and size; [`impl_payload!`] the type's
    /// name, size and alignment; the default only size and alignment.
    #[doc(hidden)]
    const LAYOUT: u64 = layout_hash(b"", &[], core::mem::size_of::<Self>(), core::mem::align_of::<Self>());
}

/// FNV-1a over `description`, then over each of `parts`, `size` and `align` as 8
/// little-endian bytes: [`Payload::LAYOUT`]. The same on every platform for the same input.
#[doc(hidden)]
#[must_use]
pub const fn layout_hash(description: &[u8], parts: &[u64], size: usize, align: usize) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const fn eat(mut hash: u64, bytes: &[u8]) -> u64 {
        let mut i = 0;
        while i < bytes.len() {
            hash = (hash ^ bytes[i] as u64).wrapping_mul(PRIME);
            i += 1;
        }
        hash
    }
    let mut hash = eat(0xcbf2_9ce4_8422_2325, description);
    let mut i = 0;
    while i < parts.len() {
        hash = eat(hash, &parts[i].to_le_bytes());
        i += 1;
    }
    hash = eat(hash, &(size as u64).to_le_bytes());
    eat(hash, &(align as u64).to_le_bytes())
}

/// How many leading bytes of a value of type `T` whose first 8 bytes are `head` a lossy
/// copy carries ([`Payload::LENGTH_PREFIXED`]): at least the head, at most the whole value.
#[inline(always)]
pub(crate) fn carried_bytes<T: Payload>(head: [u8; 8]) -> usize {
    let size = core::mem::size_of::<T>();
    if !T::LENGTH_PREFIXED || size < 8 {
        return size;
    }
    let count = u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) as usize;
    8 + count.min(size - 8)
}

/// Number of `u64` words that hold `size` bytes.
#[must_use]
pub const fn used_words(size: usize) -> usize {
    size.div_ceil(8)
}

/// Slot words for a payload of `size` bytes: the `N` of [`Payload::Words`].
///
/// A slot is an 8-byte stamp plus `N` words. `N` is chosen so the whole slot is 16, 32 or
/// 64 bytes, or a whole number of cache lines: small events pack 4 or 2 to a line (more
/// events per cache-line transfer between cores), and no slot straddles a line boundary
/// it does not have to.
///
/// ```
/// use hardwire_runtime::slot_words;
/// assert_eq!(slot_words(8), 1);     // 16-byte slot, 4 per line
/// assert_eq!(slot_words(24), 3);    // 32-byte slot, 2 per line
/// assert_eq!(slot_words(56), 7);    // one line
/// assert_eq!(slot_words(64), 15);   // two lines
/// ```
#[must_use]
pub const fn slot_words(size: usize) -> usize {
    let total = used_words(size) + 1;
    let line_words = CACHE_LINE / 8;
    let padded = if total <= line_words { total.next_power_of_two() } else { total.div_ceil(line_words) * line_words };
    padded - 1
}

/// Implements [`Payload`] for Pod types, with the packed slot layout of [`slot_words`].
///
/// ```
/// #[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
/// #[repr(C)]
/// struct Fill { order: u64, qty: u32, side: u32 }
///
/// hardwire_runtime::impl_payload!(Fill);
/// let ring = hardwire_runtime::Ring::<Fill, 64>::new();
/// # let _ = ring;
/// ```
#[macro_export]
macro_rules! impl_payload {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl $crate::Payload for $ty {
                type Words = [u64; $crate::slot_words(::core::mem::size_of::<$ty>())];
                const LAYOUT: u64 = $crate::__private::layout_hash(
                    ::core::stringify!($ty).as_bytes(),
                    &[],
                    ::core::mem::size_of::<$ty>(),
                    ::core::mem::align_of::<$ty>(),
                );
            }
        )+
    };
}

// Primitives, and the arrays of them people reach for (stable Rust cannot compute `N` for
// every `[T; LEN]` generically; other types use `impl_payload!` or the derive).
impl_payload!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, f32, f64);
macro_rules! impl_payload_arrays {
    ($ty:ty; $($len:literal)*) => { $(impl_payload!([$ty; $len]);)* };
}
impl_payload_arrays!(u8; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 20 24 28 32 40 48 56 64 128 256 512 1024 4096);
impl_payload_arrays!(u16; 2 3 4 8 16 32);
impl_payload_arrays!(u32; 2 3 4 5 6 7 8 12 16 32);
impl_payload_arrays!(u64; 1 2 3 4 5 6 7 8 12 16 32 64 128);
impl_payload_arrays!(f32; 2 3 4 8 16);
impl_payload_arrays!(f64; 2 3 4 8 16);

mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for [u64; N] {}
}

/// The word arrays a slot can hold: `[u64; N]` for every `N`. Sealed.
pub trait Words: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The shared storage: `[AtomicU64; N]`.
    type Atomic: Send + Sync;

    /// `N`.
    const LEN: usize;

    /// A zeroed plain array.
    const ZERO: Self;

    /// A zeroed atomic array. Every use of this constant is a fresh value, which is
    /// exactly what a constructor needs.
    #[cfg(not(loom))]
    #[allow(clippy::declare_interior_mutable_const)] // a constructor template, never shared
    const ATOMIC_ZERO: Self::Atomic;

    /// A zeroed atomic array (loom's atomics cannot be built in a constant).
    #[cfg(loom)]
    fn atomic_zero() -> Self::Atomic;

    /// The plain words, mutably.
    fn as_mut_slice(&mut self) -> &mut [u64];

    /// The plain words.
    fn as_slice(&self) -> &[u64];

    /// The shared words.
    fn atomics(atomic: &Self::Atomic) -> &[AtomicU64];
}

impl<const N: usize> Words for [u64; N] {
    type Atomic = [AtomicU64; N];
    const LEN: usize = N;
    const ZERO: Self = [0; N];
    #[cfg(not(loom))]
    #[allow(clippy::declare_interior_mutable_const)]
    const ATOMIC_ZERO: Self::Atomic = [const { AtomicU64::new(0) }; N];

    #[cfg(loom)]
    fn atomic_zero() -> Self::Atomic {
        core::array::from_fn(|_| AtomicU64::new(0))
    }

    #[inline(always)]
    fn as_mut_slice(&mut self) -> &mut [u64] {
        self
    }

    #[inline(always)]
    fn as_slice(&self) -> &[u64] {
        self
    }

    #[inline(always)]
    fn atomics(atomic: &Self::Atomic) -> &[AtomicU64] {
        atomic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_pack_into_cache_lines() {
        for size in 0..=4096 {
            let slot_bytes = 8 * (slot_words(size) + 1);
            assert!(8 * slot_words(size) >= size, "size {size}");
            if slot_bytes <= CACHE_LINE {
                assert_eq!(CACHE_LINE % slot_bytes, 0, "size {size}: {slot_bytes} B slot");
            } else {
                assert_eq!(slot_bytes % CACHE_LINE, 0, "size {size}: {slot_bytes} B slot");
            }
            // No layout wastes a whole line or more.
            assert!(slot_bytes < 2 * (used_words(size) + 1) * 8 || slot_bytes <= CACHE_LINE);
        }
    }
}
