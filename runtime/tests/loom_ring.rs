//! loom models of the runtime's protocols, run over the shipped code (the crate imports its
//! atomics from `sync`, which is loom's under `--cfg loom`).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p hardwire-runtime --release --test loom_ring
//! ```
//!
//! Each model names the mutants (`src/mutant.rs`) that must make it fail; `scripts/mutants.sh`
//! checks that they do.

#![cfg(loom)]

use hardwire_runtime::{
    Backpressure, MultiPublisher, Overwrite, Publisher, RecvError, Ring, Shutdown, Slot, SlotRead, Subscriber,
    TryRecvError, WaitStrategy,
};
use loom::sync::Arc;
use loom::thread;

/// A payload that proves its own integrity: `[id, a, b, check]`. Every word depends on `id`,
/// and `check` mixes all of them with a constant, so all-zero (never written) words, a stale
/// value of another id, and any mix of two values all fail [`verify`].
fn payload(id: u64) -> [u64; 4] {
    let a = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555;
    let b = !a ^ id;
    [id, a, b, checksum(id, a, b)]
}

fn checksum(id: u64, a: u64, b: u64) -> u64 {
    (id ^ a.rotate_left(17) ^ b.rotate_left(41)).wrapping_mul(0xFF51_AFD7_ED55_8CCD) ^ 0xDEAD_BEEF
}

/// The id of a whole payload; panics on a torn or never-written one.
fn verify(value: &[u64; 4]) -> u64 {
    assert_eq!(*value, payload(value[0]), "torn payload accepted: {value:?}");
    value[0]
}

/// Runs `f` under loom with the preemption bound from `LOOM_MAX_PREEMPTIONS`, and room for
/// the spin-then-yield waits the models contain.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(f);
}

/// Receives until `Closed`, yielding to the model on `Empty`; a backpressure subscriber
/// must never see `Lagged`.
fn receive_all<P>(subscriber: &mut Subscriber<P>) -> Vec<u64>
where
    P: core::ops::Deref,
    P::Target: hardwire_runtime::AnyRing<Payload = u64>,
{
    let mut received = Vec::new();
    loop {
        match subscriber.try_recv() {
            Ok(value) => received.push(value),
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(TryRecvError::Closed) => return received,
            Err(TryRecvError::Lagged { missed }) => panic!("lossless subscriber lapped ({missed} missed)"),
        }
    }
}

/// Reads every event in place until `Closed`, verifying each (`verify`) and yielding to the
/// model on `Empty`; a backpressure subscriber must never see `Lagged`. Returns the ids.
fn receive_in_place<P>(subscriber: &mut Subscriber<P>) -> Vec<u64>
where
    P: core::ops::Deref,
    P::Target: hardwire_runtime::AnyRing<Payload = [u64; 4]>,
{
    let mut seen = Vec::new();
    loop {
        match subscriber.try_recv_with(verify) {
            Ok(id) => seen.push(id),
            Err(TryRecvError::Empty) => thread::yield_now(),
            Err(TryRecvError::Closed) => return seen,
            Err(TryRecvError::Lagged { missed }) => panic!("lossless subscriber lapped ({missed} missed)"),
        }
    }
}

/// L1: one writer making two writes to a slot, one reader. Every accepted read is a whole
/// value of the sequence asked for (a stale but self-consistent value fails too).
/// Mutants: reader_no_fence, writer_no_fence, skip_recheck, relaxed_commit.
#[test]
fn loom_l1_slot_never_accepts_a_torn_or_stale_value() {
    model(|| {
        let slot = Arc::new(Slot::<[u64; 4]>::new());
        let writer = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                slot.write(0, &payload(100));
                slot.write(1, &payload(101));
            })
        };
        for seq in [0, 1] {
            if let SlotRead::Ready(value) = slot.read(seq) {
                assert_eq!(verify(&value), 100 + seq, "value of the wrong sequence accepted");
            }
        }
        writer.join().unwrap();
        assert_eq!(slot.read(1), SlotRead::Ready(payload(101)));
        assert_eq!(slot.read(0), SlotRead::Overwritten { by: 1 });
    });
}

/// A length-prefixed payload, as byte payloads are: `count` bytes of `words` follow the
/// head and carry the value; the rest is filler, which a lossy copy skips and a reader gets
/// as zeros.
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Framed {
    count: u32,
    id: u32,
    words: [u64; 3],
}

impl hardwire_runtime::Payload for Framed {
    type Words = [u64; hardwire_runtime::slot_words(32)];
    const LENGTH_PREFIXED: bool = true;
}

/// The value of write `id` carrying `count` bytes, filler zero: every carried word depends
/// on `id`, so any mix of two writes fails the comparison.
fn framed(id: u32, count: u32) -> Framed {
    let full = payload(u64::from(id));
    let mut words = [0; 3];
    for (i, word) in words.iter_mut().enumerate().take(count as usize / 8) {
        *word = full[i + 1];
    }
    Framed { count, id, words }
}

/// L1, length-prefixed: the first write carries all three words, the second only one (its
/// filler is not stored, and the slot still holds the first write's words there). An
/// accepted read is exactly one write's value with zeros for its filler.
/// Mutants: skip_recheck.
#[test]
fn loom_l1_length_prefixed_slot_never_accepts_a_torn_or_stale_value() {
    model(|| {
        let slot = Arc::new(Slot::<Framed>::new());
        let writer = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                slot.write(0, &framed(100, 24));
                slot.write(1, &framed(101, 8));
            })
        };
        for (seq, expected) in [(0, framed(100, 24)), (1, framed(101, 8))] {
            if let SlotRead::Ready(value) = slot.read(seq) {
                assert_eq!(value, expected, "torn payload accepted");
            }
        }
        writer.join().unwrap();
        assert_eq!(slot.read(1), SlotRead::Ready(framed(101, 8)));
    });
}

/// L2: three producers on two slots (more producers than slots), one concurrent reader.
/// No torn value is ever accepted, and once quiet every sequence is whole and unique.
/// Mutants: no_lap_wait, relaxed_lap_wait.
#[test]
fn loom_l2_more_producers_than_slots_never_mix_a_slot() {
    model(|| {
        let ring = Arc::new(Ring::<[u64; 4], 2, Overwrite, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let producers: Vec<_> = (0..3)
            .map(|id| {
                let mut publisher = publisher.clone();
                thread::spawn(move || publisher.publish(payload(id)))
            })
            .collect();
        drop(publisher);
        let (mut seen, mut missed) = (Vec::new(), 0);
        match subscriber.try_recv() {
            Ok(value) => seen.push(verify(&value)),
            Err(TryRecvError::Lagged { missed: m }) => missed += m,
            Err(TryRecvError::Empty | TryRecvError::Closed) => {}
        }
        for producer in producers {
            producer.join().unwrap();
        }
        loop {
            match subscriber.try_recv() {
                Ok(value) => seen.push(verify(&value)),
                Err(TryRecvError::Lagged { missed: m }) => missed += m,
                Err(TryRecvError::Closed) => break,
                Err(TryRecvError::Empty) => panic!("a quiescent, closed ring returned Empty: a slot lost its commit"),
            }
        }
        // A slot whose commit was lost reads as a claim nobody committed: since readers pass
        // those once the ring is closed, it shows here as a missing event.
        assert_eq!(seen.len() as u64 + missed, 3, "an event was lost (a slot lost its commit)");
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len() as u64 + missed, 3, "an event was received twice");
    });
}

/// L2b: a producer died between claiming sequence 1 and writing it (simulated: the claim
/// through the head, never written), while a live producer publishes around it and a reader
/// reads concurrently. The reader skips the hole only once the ring is closed, and never
/// skips a committed event: it receives 0 and 2, skips exactly one, in every interleaving.
/// (Without reading the slot again after seeing the ring closed, the reader could skip a
/// commit it had read too early: this model, and L2, L3, L4 and L6, caught that.)
/// Mutant: skip_without_reread.
#[test]
fn loom_l2b_a_dead_claim_is_skipped_after_close_and_nothing_else_is() {
    use hardwire_runtime::AnyRing;
    model(|| {
        let ring = Arc::new(Ring::<u64, 4, Backpressure, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap();
        let producer = thread::spawn(move || {
            publisher.publish(0);
            publisher.ring().head().fetch_add(1, loom::sync::atomic::Ordering::Relaxed); // the dead claim
            publisher.publish(2);
        });
        let received = receive_all(&mut subscriber);
        producer.join().unwrap();
        assert_eq!(received, [0, 2], "a committed event was skipped");
        assert_eq!(subscriber.stats().skipped, 1);
    });
}

/// L3: overwrite lag on a 2-slot ring: values in order, no duplicates, and
/// `received + missed == published` once the reader drains to `Closed`.
/// Mutants: lag_ignores_stamp, lag_off_by_one.
#[test]
fn loom_l3_lag_counts_are_exact() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Overwrite, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
        let producer = thread::spawn(move || (0..4).for_each(|i| publisher.publish(i)));
        let (mut expected, mut received, mut missed) = (0, 0, 0);
        loop {
            match subscriber.try_recv() {
                Ok(value) => {
                    assert_eq!(value, expected, "out of order or duplicated");
                    expected += 1;
                    received += 1;
                }
                Err(TryRecvError::Lagged { missed: m }) => {
                    assert!(m > 0 && m <= 4, "impossible lag count {m}");
                    expected += m;
                    missed += m;
                }
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => break,
            }
        }
        producer.join().unwrap();
        assert_eq!(received + missed, 4);
    });
}

/// L4: backpressure, 2 slots, one producer sending 3, two gating subscribers: each sees
/// 0, 1, 2 exactly once, in order, and nobody deadlocks. Both subscribers are read from
/// the main thread in turn (one fast, one slow), so the model has two threads and stays
/// exhaustive at the default bound; the publisher is gated by whichever is behind.
/// Mutants: early_position, gate_off_by_one.
#[test]
fn loom_l4_backpressure_loses_nothing() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Backpressure, 2>::new());
        let mut fast = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut slow = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let producer = thread::spawn(move || (0..3).for_each(|i| publisher.publish(i)));
        let (mut from_fast, mut from_slow) = (Vec::new(), Vec::new());
        let mut fast_open = true;
        loop {
            // `fast` drains whatever is ready; `slow` takes at most one event per turn.
            while fast_open {
                match fast.try_recv() {
                    Ok(value) => from_fast.push(value),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => fast_open = false,
                    Err(TryRecvError::Lagged { missed }) => panic!("lossless subscriber lapped ({missed} missed)"),
                }
            }
            match slow.try_recv() {
                Ok(value) => from_slow.push(value),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) if !fast_open => break,
                Err(TryRecvError::Closed) => {}
                Err(TryRecvError::Lagged { missed }) => panic!("lossless subscriber lapped ({missed} missed)"),
            }
        }
        assert_eq!(from_fast, [0, 1, 2]);
        assert_eq!(from_slow, [0, 1, 2]);
        producer.join().unwrap();
    });
}

/// L5: a subscriber registers while the publisher runs near a lap boundary with no other
/// subscriber. From its first sequence on it must see every event: never lapped.
/// Mutant: no_register_handshake.
#[test]
fn loom_l5_a_subscriber_registered_mid_stream_is_never_lapped() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Backpressure, 1>::new());
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let producer = thread::spawn(move || (0..4).for_each(|i| publisher.publish(i)));
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let first = subscriber.next_sequence();
        let received = receive_all(&mut subscriber);
        assert_eq!(received, (first..4).collect::<Vec<_>>());
        producer.join().unwrap();
    });
}

/// L8a: a lossless ring's plain copies (slot.rs, "Exclusive access on lossless rings"). Two
/// producers claim three sequences of a 2-slot backpressure ring while a subscriber reads
/// each event **in place**: the slot's loom `UnsafeCell` fails the model on any write that
/// overlaps a borrow or another write, so every accepted event is whole, none is lost or
/// doubled, and each producer's events arrive in order. Mutant: gate_off_by_one (a writer
/// in a borrowed slot).
#[test]
fn loom_l8_lossless_copies_never_overlap() {
    // Three threads that all spin: exhaustive at one preemption (a few minutes at two).
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.preemption_bound = Some(builder.preemption_bound.map_or(1, |bound| bound.min(1)));
    builder.check(|| {
        let ring = Arc::new(Ring::<[u64; 4], 2, Backpressure, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let first = {
            let mut publisher = publisher.clone();
            thread::spawn(move || (0..2).for_each(|n| publisher.publish(payload(2 * n))))
        };
        let second = {
            let mut publisher = publisher.clone();
            thread::spawn(move || publisher.publish(payload(1)))
        };
        drop(publisher);
        let seen = receive_in_place(&mut subscriber);
        first.join().unwrap();
        second.join().unwrap();
        let evens: Vec<u64> = seen.iter().copied().filter(|id| id % 2 == 0).collect();
        assert_eq!(evens, [0, 2], "one producer's events out of order, lost or doubled");
        assert_eq!(seen.iter().filter(|&&id| id == 1).count(), 1, "an event lost or doubled");
    });
}

/// L8c: events built in their slots (`Publisher::publish_with`) and read in place: a
/// single producer builds three events of a 2-slot backpressure ring through a `&mut` into
/// the slot while a subscriber borrows them. The slot's loom `UnsafeCell` fails the model
/// if a build overlaps a borrow; every event arrives whole, once, in order. Mutant:
/// gate_off_by_one.
#[test]
fn loom_l8_events_built_in_place_never_overlap_a_read() {
    model(|| {
        let ring = Arc::new(Ring::<[u64; 4], 2, Backpressure, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let producer = thread::spawn(move || {
            for id in 0..3 {
                publisher.publish_with(|slot| *slot = payload(id));
            }
        });
        let seen = receive_in_place(&mut subscriber);
        producer.join().unwrap();
        assert_eq!(seen, [0, 1, 2], "an event lost, doubled or out of order");
    });
}

/// L8b: with no subscriber nothing gates a lossless ring, so only the previous-lap wait
/// orders two producers' plain copies into one slot (sequences 0 and 2 of a 2-slot ring):
/// the slot's loom `UnsafeCell` fails the model if they can overlap. Mutants: no_lap_wait,
/// relaxed_lap_wait.
#[test]
fn loom_l8_lossless_writers_of_one_slot_are_ordered() {
    model(|| {
        let ring = Arc::new(Ring::<[u64; 4], 2, Backpressure, 1>::new());
        let publisher = MultiPublisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::BusySpin);
        let producers: Vec<_> = (0..2)
            .map(|id| {
                let mut publisher = publisher.clone();
                thread::spawn(move || (0..=id).for_each(|n| publisher.publish(payload(2 * n + id))))
            })
            .collect();
        drop(publisher);
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(ring.published(), 3);
    });
}

/// L6a: the last publisher is dropped while a subscriber is parked: it wakes, drains, and
/// sees `Closed`. Mutant: no_close_wake.
#[test]
fn loom_l6_dropping_the_publisher_wakes_a_parked_subscriber() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Overwrite, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap();
        let producer = thread::spawn(move || {
            publisher.publish(7);
            drop(publisher);
        });
        assert_eq!(subscriber.recv(), Ok(7));
        assert_eq!(subscriber.recv(), Err(RecvError::Closed));
        producer.join().unwrap();
    });
}

/// L6b: a subscriber is dropped while the publisher is parked on backpressure: the
/// publisher wakes and finishes. Mutant: no_deregister.
#[test]
fn loom_l6_dropping_a_subscriber_releases_a_parked_publisher() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Backpressure, 1>::new());
        let subscriber = Subscriber::new(Arc::clone(&ring)).unwrap();
        let mut publisher = Publisher::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
        let producer = thread::spawn(move || (0..3).for_each(|i| publisher.publish(i)));
        drop(subscriber);
        producer.join().unwrap();
    });
}

/// L6c: triggering a shutdown wakes a parked subscriber.
#[test]
fn loom_l6_shutdown_wakes_a_parked_subscriber() {
    model(|| {
        let ring = Arc::new(Ring::<u64, 2, Overwrite, 1>::new());
        let mut subscriber = Subscriber::new(Arc::clone(&ring)).unwrap().with_wait_strategy(WaitStrategy::Block);
        let _publisher = Publisher::new(Arc::clone(&ring)).unwrap();
        let shutdown = Arc::new(Shutdown::new());
        let trigger = {
            let shutdown = Arc::clone(&shutdown);
            thread::spawn(move || shutdown.trigger())
        };
        assert_eq!(subscriber.recv_until(&shutdown), Err(RecvError::Shutdown));
        trigger.join().unwrap();
    });
}

/// How [`loom_l7`] takes the handler away while a notify may be calling it.
#[derive(Clone, Copy, Debug)]
enum Removal {
    /// `unregister_and_wait` alone.
    Itself,
    /// `clear` on a third thread, racing the notify and the `unregister_and_wait`.
    Clear,
    /// The handler's guard dropped on a third thread.
    GuardDrop,
}

/// L7: `Registry::unregister_and_wait` returns only when no call of the handler is running,
/// whether it removes the handler itself, the handler is a once-handler the racing notify
/// fires (and so prunes), or another thread removed it first (`clear`, a guard's drop).
/// Mutant: unregister_no_wait.
fn loom_l7(once: bool, removal: Removal) {
    use hardwire_runtime::Registry;
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    model(move || {
        let registry = Arc::new(Registry::<()>::new());
        let running = Arc::new(AtomicUsize::new(0));
        let inside = Arc::clone(&running);
        let waited = Arc::new(AtomicBool::new(false));
        let late = Arc::clone(&waited);
        let handler = move |(): &()| {
            // A notify still holding a snapshot that a writer freed would call it late.
            assert!(!late.load(Ordering::SeqCst), "handler called after unregister_and_wait returned");
            inside.fetch_add(1, Ordering::SeqCst);
            thread::yield_now();
            inside.fetch_sub(1, Ordering::SeqCst);
        };
        let (id, guard) = match (removal, once) {
            (Removal::GuardDrop, _) => {
                let guard = registry.register_guard(handler).forget();
                (guard, Some(guard))
            }
            (_, true) => (registry.register_once(handler), None),
            (_, false) => (registry.register(handler), None),
        };
        let notifier = {
            let registry = Arc::clone(&registry);
            thread::spawn(move || {
                registry.notify(&());
            })
        };
        let remover = match removal {
            Removal::Itself => None,
            Removal::Clear => {
                let registry = Arc::clone(&registry);
                Some(thread::spawn(move || registry.clear()))
            }
            Removal::GuardDrop => {
                let registry = Arc::clone(&registry);
                // `forget` gave the id back; unregistering it on this thread is the drop.
                Some(thread::spawn(move || {
                    registry.unregister(guard.unwrap());
                }))
            }
        };
        registry.unregister_and_wait(id);
        waited.store(true, Ordering::SeqCst);
        assert_eq!(
            running.load(Ordering::SeqCst),
            0,
            "unregister_and_wait returned while the handler was still running"
        );
        notifier.join().unwrap();
        if let Some(remover) = remover {
            remover.join().unwrap();
        }
        assert_eq!(registry.notify(&()), 0, "the handler is gone");
    });
}

#[test]
fn loom_l7_unregister_and_wait_waits_for_a_running_call() {
    loom_l7(false, Removal::Itself);
}

#[test]
fn loom_l7_unregister_and_wait_waits_for_a_fired_once_handler() {
    loom_l7(true, Removal::Itself);
}

#[test]
fn loom_l7_unregister_and_wait_waits_after_a_racing_clear() {
    loom_l7(false, Removal::Clear);
}

#[test]
fn loom_l7_unregister_and_wait_waits_after_a_racing_guard_drop() {
    loom_l7(false, Removal::GuardDrop);
}
