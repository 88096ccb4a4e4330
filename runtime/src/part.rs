//! [`Part`]: how the handles of a generated bus reach its rings, taps and claims — through a
//! borrow of the bus, or, for a bus shared in an `Arc` (a generated `SharedBus`), through a
//! reference that the handle itself keeps valid by holding a clone of that `Arc`.
//!
//! # Why a `'static` reference into an `Arc` is sound here
//!
//! [`Part::owned`] turns `&Arc<B>` into a `Part<'static, B, B>`: a pointer to the `Arc`'s value,
//! stored beside a clone of the `Arc`, which `Deref` turns into a reference for the length of
//! a borrow of the `Part`. The pointer is raw (`NonNull`), never a stored reference: a
//! reference field would be retagged and protected whenever a `Part` is passed by value (to
//! `drop`, say), and dropping the last `Arc` inside that call would then free memory a
//! protected reference points to — undefined behaviour that Miri reports (it did, on the
//! first version of this type). Review every change against these invariants:
//!
//! 1. The reference comes from `Arc::as_ptr`: aligned, and pointing at an initialized `B` in
//!    the `Arc`'s allocation, which is freed only when its last strong reference drops.
//! 2. Every `Part` that holds the reference, or one projected from it ([`Part::project`],
//!    `Clone`), holds its own clone of the `Arc` in `owner`: while such a `Part` exists, the
//!    allocation does.
//! 3. No reference made from the pointer outlives a borrow of a `Part`: the field is private,
//!    `Deref` lends a reference for the borrow of the `Part` only, and `project` passes that
//!    to a closure generic over the lifetime (`for<'x> FnOnce(&'x T) -> &'x U`), which cannot
//!    keep it past the call; what that closure returns becomes the pointer of a `Part` with
//!    the same borrow or owner again (2).
//! 4. Nothing gets `&mut B` while the reference exists: `Arc::get_mut`, `make_mut`,
//!    `try_unwrap` and `into_inner` need the `Arc` to be unique, and the `Part`'s clone keeps
//!    it shared. Mutation through `&B` is only `B`'s own interior mutability (atomics), which
//!    shared references permit.
//!
//! Miri runs `part::tests` (the runtime's unit tests are in CI's Miri tier).

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

#[cfg(feature = "alloc")]
use alloc::sync::Arc;

/// A reference to part `T` of a generated bus `B` — a borrow for `'a`, or (for a bus in an
/// `Arc`) a `'static` pointer kept valid by the `Arc` clone it holds. `Deref`s to `T`.
/// Not part of the API: generated code names it as `::hardwire::__private::Part`.
pub struct Part<'a, T: ?Sized, B> {
    /// Valid for reads for `'a` (a borrow), or for as long as `owner` lives (module docs).
    part: NonNull<T>,
    /// An `Arc<B>`, its type erased: a drop check of a handle then looks no further than
    /// this field, where `Arc<B>` would make the compiler walk every field of `B` (for a bus
    /// of 500 topics, ~2 ms per handle type, in every function that may drop one).
    #[cfg(feature = "alloc")]
    owner: Option<Arc<dyn Erased>>,
    _borrow: PhantomData<&'a T>,
    _bus: PhantomData<fn() -> B>,
}

// SAFETY: a `Part` is a shared reference to `T` and an `Option<Arc<B>>` (its type erased, but
// only `owned` sets it, from an `Arc<B>`), so it may cross or be shared between threads exactly
// when those may: `T: Sync` (for `&T`) and `B: Send + Sync` (for `Arc<B>`).
unsafe impl<T: ?Sized + Sync, B: Send + Sync> Send for Part<'_, T, B> {}
// SAFETY: as for `Send` above.
unsafe impl<T: ?Sized + Sync, B: Send + Sync> Sync for Part<'_, T, B> {}

/// Any type: what an owner's `Arc` is erased to (no bound, so erasing checks nothing about
/// `B`, and adds no error to a bus that already has one).
#[cfg(feature = "alloc")]
trait Erased {}

#[cfg(feature = "alloc")]
impl<B> Erased for B {}

impl<'a, T: ?Sized, B> Part<'a, T, B> {
    /// A plain borrow of `part`.
    #[must_use]
    pub fn borrowed(part: &'a T) -> Self {
        Self {
            part: NonNull::from(part),
            #[cfg(feature = "alloc")]
            owner: None,
            _borrow: PhantomData,
            _bus: PhantomData,
        }
    }

    /// The part of this part that `to` selects (a field), with the same owner.
    #[must_use]
    pub fn project<U: ?Sized>(&self, to: impl for<'x> FnOnce(&'x T) -> &'x U) -> Part<'a, U, B> {
        Part {
            // Valid as long as `self.part` is (a place inside it), and kept so by the same
            // borrow or the owner clone beside it (invariants 2 and 3).
            part: NonNull::from(to(self)),
            #[cfg(feature = "alloc")]
            owner: self.owner.clone(),
            _borrow: PhantomData,
            _bus: PhantomData,
        }
    }
}

#[cfg(feature = "alloc")]
impl<B: 'static> Part<'static, B, B> {
    /// The whole of the bus in `owner`, for as long as this part (or any part projected
    /// from it) lives: it holds a clone of `owner`. See the module docs.
    #[must_use]
    pub fn owned(owner: &Arc<B>) -> Self {
        Self {
            // Invariant 1: the `Arc`'s value; valid while the clone below lives (2).
            part: NonNull::from(&**owner),
            owner: Some(Arc::clone(owner) as Arc<dyn Erased>),
            _borrow: PhantomData,
            _bus: PhantomData,
        }
    }
}

impl<T: ?Sized, B> Deref for Part<'_, T, B> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: invariants 1–4 of the module docs: `part` points at a live `T` — for a
        // borrowed part, for `'a`, which outlives `self`; for an owned one, in the allocation
        // `self.owner` keeps alive (1, 2) — the reference lives no longer than this borrow
        // of `self` (3), and no `&mut T` exists meanwhile (4, and `'a` for a borrow).
        unsafe { self.part.as_ref() }
    }
}

impl<T: ?Sized, B> Clone for Part<'_, T, B> {
    fn clone(&self) -> Self {
        self.project(|part| part)
    }
}

impl<T: ?Sized + fmt::Debug, B> fmt::Debug for Part<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    struct Bus {
        ring: Vec<u64>,
    }

    #[test]
    fn an_owned_part_keeps_its_bus_alive_and_frees_it_with_the_last_part() {
        let bus = Arc::new(Bus { ring: alloc::vec![1, 2, 3] });
        let whole = Part::owned(&bus);
        let ring: Part<'static, Vec<u64>, Bus> = whole.project(|bus| &bus.ring);
        let weak = Arc::downgrade(&bus);
        drop((bus, whole));
        assert_eq!(*ring, [1, 2, 3], "the projected part still holds the bus");
        let again = ring.clone();
        drop(ring);
        assert_eq!(again.len(), 3);
        assert!(weak.upgrade().is_some());
        drop(again);
        assert!(weak.upgrade().is_none(), "freed with the last part");
    }

    #[test]
    fn handles_through_owned_parts_outlive_the_arc_and_free_the_bus_last() {
        struct RingBus {
            ring: crate::Ring<u64, 4>,
        }
        let bus = Arc::new(RingBus { ring: crate::Ring::new() });
        let weak = Arc::downgrade(&bus);
        let ring = Part::owned(&bus).project(|bus| &bus.ring);
        let mut publisher = crate::Publisher::new(ring.clone()).unwrap();
        let mut subscriber = crate::Subscriber::new(ring).unwrap();
        drop(bus);
        publisher.publish(7);
        assert_eq!(subscriber.try_recv(), Ok(7));
        drop(publisher);
        // The subscriber's own drop deregisters through its part, then frees the bus.
        drop(subscriber);
        assert!(weak.upgrade().is_none());
    }

    #[test]
    fn a_borrowed_part_is_a_plain_reference() {
        let bus = Bus { ring: alloc::vec![7] };
        let part: Part<'_, Bus, Bus> = Part::borrowed(&bus);
        assert_eq!(part.project(|bus| &bus.ring)[0], 7);
    }
}
