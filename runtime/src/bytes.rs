//! Sized byte payloads: events that are opaque bytes of varying length (FFI frames,
//! serialized blobs, drawing strokes), stored as a length and a fixed-size array.
//!
//! Five T-shirt size classes, as rusted-ring users know them: [`BytesXS`] (64 B), [`BytesS`]
//! (256 B), [`BytesM`] (1 KiB), [`BytesL`] (4 KiB) and [`BytesXL`] (16 KiB). A topology declares
//! a byte topic with `payload = "bytes"` and `size = "M"`; its publisher then has
//! `publish_bytes(&[u8])`.
//!
//! ```
//! use hardwire_runtime::{BytesM, SizeClass, TooLong};
//!
//! let frame = BytesM::new(b"hello").unwrap();
//! assert_eq!(frame.as_slice(), b"hello");
//! assert_eq!(BytesM::new(&[0; 2000]), Err(TooLong { len: 2000, capacity: 1024 }));
//! assert_eq!(SizeClass::for_len(2000), Some(SizeClass::L));
//! assert_eq!(SizeClass::for_len(100_000), None);
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::mem::size_of;

use crate::event::{Event, WireError};
use crate::payload::{Payload, used_words};
use crate::slot::{Fill, store_words};
use crate::sync::{AtomicU64, Ordering};

/// A byte string of at most `N` bytes, stored inline: a `u32` length, 4 reserved bytes and
/// `[u8; N]`. Plain data, so it travels through rings like any event. Implemented for the
/// five size classes' `N` (64, 256, 1024, 4096, 16384).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Bytes<const N: usize> {
    len: u32,
    reserved: u32,
    data: [u8; N],
}

/// A slice longer than a byte payload's capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TooLong {
    /// The slice's length.
    pub len: usize,
    /// The most bytes the payload holds.
    pub capacity: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes do not fit a byte payload of {} bytes", self.len, self.capacity)
    }
}

impl core::error::Error for TooLong {}

impl<const N: usize> Bytes<N> {
    /// The most bytes this payload holds.
    pub const CAPACITY: usize = N;

    /// An empty payload.
    #[must_use]
    pub const fn empty() -> Self {
        Self { len: 0, reserved: 0, data: [0; N] }
    }

    /// A copy of `bytes`.
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` is longer than `N`.
    pub fn new(bytes: &[u8]) -> Result<Self, TooLong> {
        let mut payload = Self::empty();
        payload.set(bytes)?;
        Ok(payload)
    }

    /// Replaces the contents with a copy of `bytes`.
    ///
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` is longer than `N` (the contents are then unchanged).
    pub fn set(&mut self, bytes: &[u8]) -> Result<(), TooLong> {
        let Some(place) = self.data.get_mut(..bytes.len()) else {
            return Err(TooLong { len: bytes.len(), capacity: N });
        };
        place.copy_from_slice(bytes);
        // `N` ≤ 16 KiB for every implemented size, so the length fits.
        self.len = bytes.len() as u32;
        Ok(())
    }

    /// The bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        // A payload read from a ring was written by `set`, so `len` ≤ `N`; `min` keeps a
        // hand-made wire value from panicking.
        &self.data[..(self.len as usize).min(N)]
    }

    /// How many bytes it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether it holds no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<const N: usize> core::ops::Deref for Bytes<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> PartialEq for Bytes<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> Eq for Bytes<N> {}

impl<const N: usize> Default for Bytes<N> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize> fmt::Debug for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        let bytes = self.as_slice();
        write!(f, "Bytes<{N}>({} bytes: {:02x?}", bytes.len(), &bytes[..bytes.len().min(SHOWN)])?;
        if bytes.len() > SHOWN {
            f.write_str(" ..")?;
        }
        f.write_str(")")
    }
}

/// A byte payload's size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SizeClass {
    /// 64 bytes: heartbeats, small state changes.
    XS,
    /// 256 bytes: small messages.
    S,
    /// 1 KiB: document edits, short frames.
    M,
    /// 4 KiB: drawing data, medium frames.
    L,
    /// 16 KiB: the largest.
    XL,
}

impl SizeClass {
    /// Every class, smallest first.
    pub const ALL: [Self; 5] = [Self::XS, Self::S, Self::M, Self::L, Self::XL];

    /// The most bytes a payload of this class holds.
    #[must_use]
    pub const fn capacity(self) -> usize {
        match self {
            Self::XS => 64,
            Self::S => 256,
            Self::M => 1024,
            Self::L => 4096,
            Self::XL => 16384,
        }
    }

    /// The smallest class that holds `len` bytes, or `None` beyond 16 KiB.
    #[must_use]
    pub const fn for_len(len: usize) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if len <= Self::ALL[i].capacity() {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// `"XS"`, `"S"`, `"M"`, `"L"` or `"XL"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::XS => "XS",
            Self::S => "S",
            Self::M => "M",
            Self::L => "L",
            Self::XL => "XL",
        }
    }
}

impl fmt::Display for SizeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A byte payload type: [`Bytes<N>`] of one of the five size classes (sealed). Publishers of
/// its rings have `publish_bytes`, which writes a slice straight into its slot: no
/// `Bytes` value is built and zeroed first.
///
/// ```
/// use hardwire_runtime::{BytesM, Ring, TooLong};
///
/// let ring = Ring::<BytesM, 16>::new_boxed();
/// let mut subscriber = ring.subscribe().unwrap();
/// let mut publisher = ring.publisher().unwrap();
/// publisher.publish_bytes(b"frame").unwrap();
/// assert_eq!(subscriber.try_recv().unwrap().as_slice(), b"frame");
/// assert_eq!(publisher.publish_bytes(&[0; 2000]), Err(TooLong { len: 2000, capacity: 1024 }));
/// ```
pub trait BytesPayload: Payload + sealed::Sealed {
    /// The most bytes a payload holds.
    const CAPACITY: usize;
}

mod sealed {
    pub trait Sealed {}
}

/// A byte payload of type `T` given as its bytes, checked to fit: what `publish_bytes`
/// stores, as [`Bytes::new`] would have built it (the count, 4 zero bytes, the bytes, zeros
/// to the end), without building it.
pub(crate) struct Parts<'a, T> {
    bytes: &'a [u8],
    payload: PhantomData<T>,
}

impl<'a, T: BytesPayload> Parts<'a, T> {
    /// # Errors
    ///
    /// [`TooLong`] if `bytes` does not fit `T`.
    #[inline(always)]
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, TooLong> {
        if bytes.len() > T::CAPACITY {
            return Err(TooLong { len: bytes.len(), capacity: T::CAPACITY });
        }
        Ok(Self { bytes, payload: PhantomData })
    }

    /// The first 8 bytes of the payload: the `u32` count, then `reserved` (zero).
    #[inline(always)]
    fn head(&self) -> [u8; 8] {
        let mut head = [0; 8];
        // At most `T::CAPACITY` ≤ 16 KiB (`new`), so the count fits.
        head[..4].copy_from_slice(&(self.bytes.len() as u32).to_ne_bytes());
        head
    }
}

impl<T: BytesPayload> Fill<T> for Parts<'_, T> {
    #[inline(always)]
    fn store_words(&self, words: &[AtomicU64]) {
        words[0].store(u64::from_ne_bytes(self.head()), Ordering::Relaxed);
        store_words(&words[1..], self.bytes);
        if !T::LENGTH_PREFIXED {
            // A whole copy carries the zeros after the bytes too.
            let end = used_words(size_of::<T>());
            for word in &words[1 + self.bytes.len().div_ceil(8)..end] {
                word.store(0, Ordering::Relaxed);
            }
        }
    }

    #[cfg(not(loom))]
    #[inline(always)]
    unsafe fn copy_to(&self, dst: *mut u8) {
        let len = self.bytes.len();
        // SAFETY: `dst` is valid for `size_of::<T>()` byte writes, overlapping neither
        // `self.bytes` nor the local head (caller); `T` is `Bytes<N>`, `8 + N` bytes, and
        // `len <= N` (`new`), so the head (8 bytes), the bytes (`len`) and the zeros after
        // them (`N - len`) fill exactly `size_of::<T>()` bytes from `dst`.
        unsafe {
            core::ptr::copy_nonoverlapping(self.head().as_ptr(), dst, 8);
            core::ptr::copy_nonoverlapping(self.bytes.as_ptr(), dst.add(8), len);
            dst.add(8 + len).write_bytes(0, size_of::<T>() - 8 - len);
        }
    }

    #[cfg(loom)]
    fn value(&self) -> T {
        let mut value = T::zeroed();
        let bytes = bytemuck::bytes_of_mut(&mut value);
        bytes[..8].copy_from_slice(&self.head());
        bytes[8..8 + self.bytes.len()].copy_from_slice(self.bytes);
        value
    }
}

macro_rules! size_classes {
    ($($alias:ident = $n:literal, $name:literal;)*) => {$(
        #[doc = concat!("A byte payload of at most ", stringify!($n), " bytes (size class `", $name, "`).")]
        pub type $alias = Bytes<$n>;

        const _: () = assert!(core::mem::size_of::<Bytes<$n>>() == 8 + $n && core::mem::align_of::<Bytes<$n>>() == 4);

        // SAFETY: `repr(C)` of `u32, u32, [u8; N]` with `N` a multiple of 4: every byte is
        // part of a field (no padding, asserted just above), each field is `Zeroable`.
        unsafe impl bytemuck::Zeroable for Bytes<$n> {}
        // SAFETY: as for `Zeroable`, and every bit pattern of each field is valid: the
        // type has no padding and no invalid values (`as_slice` clamps `len`).
        unsafe impl bytemuck::Pod for Bytes<$n> {}

        impl sealed::Sealed for Bytes<$n> {}

        impl BytesPayload for Bytes<$n> {
            const CAPACITY: usize = $n;
        }

        impl crate::payload::Payload for Bytes<$n> {
            type Words = [u64; crate::payload::slot_words(core::mem::size_of::<Bytes<$n>>())];
            // `len` first, then `reserved`, then the bytes: from 1 KiB up, a lossy ring
            // carries `len` of them (the filler reads back as zeros, which `as_slice` never
            // shows). Publish + read through one slot, full-length copy against
            // length-prefixed (ns): M with 100 / 700 / 1024 bytes 64 / 67 / 63 against
            // 26 / 68 / 88; L with 700 / 4000 bytes 270 / 259 against 140 / 345; the 64- and
            // 256-byte classes only lost (15 against 19–23), so they copy whole.
            const LENGTH_PREFIXED: bool = $n >= 1024;
            const LAYOUT: u64 = crate::payload::layout_hash(
                concat!("Bytes", $name).as_bytes(),
                &[],
                core::mem::size_of::<Self>(),
                core::mem::align_of::<Self>(),
            );
        }

        // Not suggested when some other type is not an event: the help should point at the
        // user's own events.
        #[diagnostic::do_not_recommend]
        impl Event for Bytes<$n> {
            const NAME: &'static str = concat!("Bytes", $name);
            type Wire = Self;

            #[inline(always)]
            fn to_wire(&self) -> Self {
                *self
            }

            #[inline(always)]
            fn from_wire(wire: &Self) -> Result<Self, WireError> {
                Ok(*wire)
            }
        }
    )*};
}

size_classes! {
    BytesXS = 64, "XS";
    BytesS = 256, "S";
    BytesM = 1024, "M";
    BytesL = 4096, "L";
    BytesXL = 16384, "XL";
}
