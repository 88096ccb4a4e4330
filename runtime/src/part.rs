//! [`Part`]: how the handles of a generated bus reach its rings, taps and claims — through a
//! borrow of the bus, or, for a bus shared in an `Arc` (a generated `SharedBus`), through a
//! reference that the handle itself keeps valid by holding a clone of that `Arc`.
//!
//! # Why a `'static` reference into an `Arc` is sound here
//!
//! [`Part::owned`] turns `&Arc<B>` into a `Part<'static, B, B>`: a `&'static B` to the `Arc`'s
//! value, stored beside a clone of the `Arc`. Review every change against these invariants:
//!
//! 1. The reference comes from `Arc::as_ptr`: aligned, and pointing at an initialized `B` in
//!    the `Arc`'s allocation, which is freed only when its last strong reference drops.
//! 2. Every `Part` that holds the reference, or one projected from it ([`Part::project`],
//!    `Clone`), holds its own clone of the `Arc` in `owner`: while such a `Part` exists, the
//!    allocation does.
//! 3. The reference never leaves a `Part` with its `'static` lifetime: the field is private,
//!    `Deref` lends it for the borrow of the `Part` only, and `project` passes it to a closure
//!    generic over the lifetime (`for<'x> FnOnce(&'x T) -> &'x U`), which cannot keep it past
//!    the call; what that closure returns is stored in a `Part` with an owner again (2).
//! 4. Nothing gets `&mut B` while the reference exists: `Arc::get_mut`, `make_mut`,
//!    `try_unwrap` and `into_inner` need the `Arc` to be unique, and the `Part`'s clone keeps
//!    it shared. Mutation through `&B` is only `B`'s own interior mutability (atomics), which
//!    shared references permit.
//!
//! Miri runs `part::tests` (the runtime's unit tests are in CI's Miri tier).

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

#[cfg(feature = "alloc")]
use alloc::sync::Arc;

/// A reference to part `T` of a generated bus `B` — a borrow for `'a`, or (for a bus in an
/// `Arc`) a `'static` reference kept valid by the `Arc` clone it holds. `Deref`s to `T`.
/// Not part of the API: generated code names it as `::hardwire::__private::Part`.
pub struct Part<'a, T: ?Sized, B> {
    part: &'a T,
    #[cfg(feature = "alloc")]
    owner: Option<Arc<B>>,
    _bus: PhantomData<fn() -> B>,
}

impl<'a, T: ?Sized, B> Part<'a, T, B> {
    /// A plain borrow of `part`.
    #[must_use]
    pub const fn borrowed(part: &'a T) -> Self {
        Self {
            part,
            #[cfg(feature = "alloc")]
            owner: None,
            _bus: PhantomData,
        }
    }

    /// The part of this part that `to` selects (a field), with the same owner.
    #[must_use]
    pub fn project<U: ?Sized>(&self, to: impl for<'x> FnOnce(&'x T) -> &'x U) -> Part<'a, U, B> {
        Part {
            part: to(self.part),
            #[cfg(feature = "alloc")]
            owner: self.owner.clone(),
            _bus: PhantomData,
        }
    }
}

#[cfg(feature = "alloc")]
impl<B> Part<'static, B, B> {
    /// The whole of the bus in `owner`, for as long as this part (or any part projected
    /// from it) lives: it holds a clone of `owner`. See the module docs.
    #[must_use]
    pub fn owned(owner: &Arc<B>) -> Self {
        let bus: *const B = Arc::as_ptr(owner);
        // SAFETY: invariants 1–4 of the module docs: `bus` is valid and aligned (1), the
        // allocation outlives every `Part` holding the reference because each holds an
        // `Arc` clone, starting with this one (2), the `'static` reference is never handed
        // out for longer than a borrow of such a `Part` (3), and no `&mut B` can exist while
        // the clone keeps the `Arc` shared (4).
        let part: &'static B = unsafe { &*bus };
        Self { part, owner: Some(Arc::clone(owner)), _bus: PhantomData }
    }
}

impl<T: ?Sized, B> Deref for Part<'_, T, B> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        self.part
    }
}

impl<T: ?Sized, B> Clone for Part<'_, T, B> {
    fn clone(&self) -> Self {
        self.project(|part| part)
    }
}

impl<T: ?Sized + fmt::Debug, B> fmt::Debug for Part<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.part.fmt(f)
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
    fn a_borrowed_part_is_a_plain_reference() {
        let bus = Bus { ring: alloc::vec![7] };
        let part: Part<'_, Bus, Bus> = Part::borrowed(&bus);
        assert_eq!(part.project(|bus| &bus.ring)[0], 7);
    }
}
