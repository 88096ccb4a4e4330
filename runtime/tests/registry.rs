//! The dynamic handler registry: ordering, once-handlers, guards, removal that waits for
//! notifies in flight, panic isolation, and concurrent writers and readers.

#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hardwire_runtime::{HandlerId, Registry, panic_message};

#[test]
fn higher_priorities_first_and_registration_order_within_a_priority() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let registry = Registry::<()>::new();
    for (priority, name) in [(0, "a"), (5, "b"), (0, "c"), (5, "d"), (-1, "e"), (9, "f")] {
        let order = Arc::clone(&order);
        registry.register_with_priority(priority, move |()| order.lock().unwrap().push(name));
    }
    assert_eq!(registry.notify(&()), 6);
    assert_eq!(*order.lock().unwrap(), ["f", "b", "d", "a", "c", "e"]);
}

#[test]
fn a_once_handler_runs_exactly_once_even_under_concurrent_notifies() {
    for _ in 0..if cfg!(miri) { 2 } else { 200 } {
        let calls = Arc::new(AtomicU64::new(0));
        let registry = Registry::<u64>::new();
        let counted = Arc::clone(&calls);
        let id = registry.register_once(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        assert!(registry.contains(id));
        thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for i in 0..10 {
                        registry.notify(&i);
                    }
                });
            }
        });
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert!(!registry.contains(id));
        assert_eq!(registry.handler_count(), 0);
    }
}

#[test]
fn guards_unregister_on_drop_unless_forgotten() {
    let registry = Registry::<u8>::new();
    let kept;
    {
        let guard = registry.register_guard(|_| {});
        let forgotten = registry.register_guard(|_| {});
        assert_eq!(registry.handler_count(), 2);
        assert!(registry.contains(guard.id()));
        kept = forgotten.forget();
    }
    assert_eq!(registry.handler_count(), 1);
    assert!(registry.contains(kept));
    assert!(registry.unregister(kept));
    assert!(!registry.unregister(kept), "already gone");
    assert!(registry.is_empty());
    registry.register(|_| {});
    registry.register(|_| {});
    registry.clear();
    assert!(registry.is_empty());
    assert_eq!(registry.notify(&0), 0);
}

#[test]
fn unregister_and_wait_returns_only_after_a_running_call_finished() {
    let inside = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let registry = Registry::<()>::new();
    let (i, f) = (Arc::clone(&inside), Arc::clone(&finished));
    let id = registry.register(move |()| {
        i.store(true, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(100));
        f.store(true, Ordering::SeqCst);
    });
    thread::scope(|scope| {
        scope.spawn(|| registry.notify(&()));
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        // Another write first: the running notify now holds a snapshot two generations old.
        let other = registry.register(|()| {});
        assert!(registry.unregister_and_wait(id));
        assert!(finished.load(Ordering::SeqCst), "the call in flight finished before unregister_and_wait returned");
        assert!(registry.unregister(other));
    });
    assert_eq!(registry.notify(&()), 0);
}

/// A handler that says when a call entered and when it finished, and sleeps in between
/// so that a removal that does not wait is caught returning early.
fn slow_handler(inside: &Arc<AtomicBool>, finished: &Arc<AtomicBool>) -> impl Fn(&()) + Send + Sync + 'static {
    let (i, f) = (Arc::clone(inside), Arc::clone(finished));
    move |()| {
        i.store(true, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(200));
        f.store(true, Ordering::SeqCst);
    }
}

/// Runs `remove` while a notify is inside the handler `register` registered, then
/// `unregister_and_wait` on it: the call in flight must have finished when it returns.
fn waits_for_the_call_in_flight(
    register: impl FnOnce(&Registry<()>, &Arc<AtomicBool>, &Arc<AtomicBool>) -> HandlerId,
    remove: impl FnOnce(&Registry<()>, HandlerId),
) -> bool {
    let (inside, finished) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let registry = Registry::<()>::new();
    let id = register(&registry, &inside, &finished);
    thread::scope(|scope| {
        scope.spawn(|| registry.notify(&()));
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        remove(&registry, id);
        let removed = registry.unregister_and_wait(id);
        assert!(finished.load(Ordering::SeqCst), "unregister_and_wait returned while the handler was still running");
        removed
    })
}

#[test]
fn unregister_and_wait_waits_for_a_once_handler_that_already_fired() {
    let removed = waits_for_the_call_in_flight(|registry, i, f| registry.register_once(slow_handler(i, f)), |_, _| {});
    assert!(!removed, "the fired once-handler was no longer registered");
}

#[test]
fn unregister_and_wait_waits_after_another_thread_cleared_the_registry() {
    let removed = waits_for_the_call_in_flight(
        |registry, i, f| registry.register(slow_handler(i, f)),
        |registry, _| {
            registry.clear();
        },
    );
    assert!(!removed);
}

#[test]
fn unregister_and_wait_waits_after_another_thread_unregistered_it() {
    let removed = waits_for_the_call_in_flight(
        |registry, i, f| registry.register(slow_handler(i, f)),
        |registry, id| assert!(registry.unregister(id)),
    );
    assert!(!removed);
}

#[test]
fn unregister_and_wait_waits_after_its_guard_was_dropped() {
    let (inside, finished) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let registry = Registry::<()>::new();
    let guard = registry.register_guard(slow_handler(&inside, &finished));
    let id = guard.id();
    thread::scope(|scope| {
        scope.spawn(|| registry.notify(&()));
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        drop(guard);
        assert!(!registry.unregister_and_wait(id));
        assert!(finished.load(Ordering::SeqCst), "unregister_and_wait returned while the handler was still running");
    });
}

#[test]
fn a_panicking_handler_is_isolated_counted_and_reported() {
    let reports: Arc<Mutex<Vec<(HandlerId, String)>>> = Arc::default();
    let registry = Registry::<u32>::new();
    let sink = Arc::clone(&reports);
    registry.set_on_panic(move |id, payload| {
        sink.lock().unwrap().push((id, panic_message(payload).unwrap_or("?").to_owned()));
    });
    let after = Arc::new(AtomicU64::new(0));
    let bad = registry.register_with_priority(1, |n| panic!("bad handler saw {n}"));
    let counter = Arc::clone(&after);
    registry.register(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(registry.notify(&7), 1);
    assert_eq!(registry.notify(&8), 1);
    assert_eq!(after.load(Ordering::Relaxed), 2, "the handler after the panicking one still ran");
    assert_eq!(registry.panics(), 2);
    assert_eq!(
        *reports.lock().unwrap(),
        [(bad, "bad handler saw 7".to_owned()), (bad, "bad handler saw 8".to_owned())]
    );

    // notify_trusted lets the panic reach the caller, and stops there.
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| registry.notify_trusted(&9)));
    assert!(unwound.is_err());
    assert_eq!(after.load(Ordering::Relaxed), 2);
    assert_eq!(registry.panics(), 2, "not counted: not caught");
}

#[test]
fn concurrent_writers_never_hide_a_stable_handler_from_readers() {
    const NOTIFIES: u64 = if cfg!(miri) { 20 } else { 20_000 };
    let stable = Arc::new(AtomicU64::new(0));
    let registry = Registry::<u64>::new();
    let counter = Arc::clone(&stable);
    registry.register_with_priority(100, move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let id = registry.register(|_| {});
                let once = registry.register_once(|_| {});
                registry.unregister(id);
                registry.unregister_and_wait(once);
            }
        });
        for i in 0..NOTIFIES {
            assert!(registry.notify(&i) >= 1);
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(stable.load(Ordering::Relaxed), NOTIFIES);
    assert_eq!(registry.handler_count(), 1);
}

/// More notifying threads than a registry has announcement slots (8 owned by the process's
/// first threads, 8 shared), while a writer churns: the later threads share slots or fall
/// back to a counted snapshot, and every notify still sees the stable handler exactly once.
#[test]
fn more_notifying_threads_than_announcement_slots() {
    const THREADS: u64 = if cfg!(miri) { 3 } else { 24 };
    const NOTIFIES: u64 = if cfg!(miri) { 5 } else { 2_000 };
    let stable = Arc::new(AtomicU64::new(0));
    let registry = Registry::<u64>::new();
    let counter = Arc::clone(&stable);
    registry.register(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let writer = scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let id = registry.register(|_| thread::yield_now());
                registry.unregister_and_wait(id);
            }
        });
        let readers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    for i in 0..NOTIFIES {
                        assert!(registry.notify(&i) >= 1, "the stable handler was not called");
                    }
                })
            })
            .collect();
        readers.into_iter().for_each(|reader| reader.join().unwrap());
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
    });
    assert_eq!(stable.load(Ordering::Relaxed), THREADS * NOTIFIES);
}

static NESTED: Registry<u32> = Registry::new();
static NESTED_CALLS: AtomicU64 = AtomicU64::new(0);

/// A handler that notifies its own registry again, 40 deep: past the thread's own slot and
/// every shared one, so the deepest notifies run on counted snapshots. A registration in the
/// middle replaces the snapshot the outer notifies still hold; they finish on theirs.
#[test]
fn nested_notifies_deeper_than_the_announcement_slots() {
    const DEPTH: u32 = 40;
    NESTED.register(|depth| {
        NESTED_CALLS.fetch_add(1, Ordering::Relaxed);
        if *depth == DEPTH / 2 {
            NESTED.register(|_| {});
        }
        if *depth < DEPTH {
            NESTED.notify(&(depth + 1));
        }
    });
    assert_eq!(NESTED.notify(&0), 1);
    assert_eq!(NESTED_CALLS.load(Ordering::Relaxed), u64::from(DEPTH) + 1);
    assert_eq!(NESTED.handler_count(), 2);
    NESTED.clear();
}

/// A snapshot replaced while a notify still uses it keeps its handlers alive until a later
/// write (or an `unregister_and_wait`) finds it announced by nobody; then they are dropped.
#[test]
fn a_snapshot_replaced_during_a_notify_is_freed_by_a_later_write() {
    struct Dropped(Arc<AtomicBool>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let inside = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let registry = Registry::<()>::new();
    let witness = Dropped(Arc::clone(&dropped));
    let (entered, go) = (Arc::clone(&inside), Arc::clone(&release));
    let id = registry.register(move |()| {
        let _keep = &witness;
        entered.store(true, Ordering::SeqCst);
        while !go.load(Ordering::SeqCst) {
            thread::yield_now();
        }
    });
    thread::scope(|scope| {
        let notifier = scope.spawn(|| registry.notify(&()));
        while !inside.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        assert!(registry.unregister(id));
        assert!(!dropped.load(Ordering::SeqCst), "freed while a notify was calling it");
        release.store(true, Ordering::SeqCst);
        assert_eq!(notifier.join().unwrap(), 1);
    });
    registry.clear(); // a write: reclaims the snapshot nobody announces any more
    assert!(dropped.load(Ordering::SeqCst), "a retired snapshot nobody uses was not freed");
}

#[test]
fn taps_create_one_registry_under_racing_first_uses_and_free_it() {
    use hardwire_runtime::Taps;
    for _ in 0..if cfg!(miri) { 3 } else { 200 } {
        let taps = Taps::<u32>::new();
        assert!(taps.is_empty());
        assert_eq!(taps.notify(&1), 0);
        thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    let registry = taps.registry();
                    registry.register(|_| {});
                });
            }
        });
        assert_eq!(taps.registry().handler_count(), 3, "every racer registered on the one registry");
        let id = taps.registry().register(move |_| {});
        assert!(!taps.is_empty());
        assert_eq!(taps.notify(&2), 4);
        assert!(taps.registry().unregister(id));
    } // each `Taps` drops here and frees its registry (Miri reports a leak otherwise)
}
