//! Deliberately broken variants of protocol-critical lines, for proving the tests bite.
//!
//! Each flag is `false` in every real build. `scripts/mutants.sh` rebuilds the crate with
//! `--cfg hardwire_mutant="<name>"`, which turns exactly one flag on, and requires the loom
//! model or stress test named beside it to FAIL. A test that passes on broken code is not
//! a test. The flags are constants, so the real code pays nothing for them.

macro_rules! mutants {
    ($($(#[$doc:meta])* $flag:ident = $name:literal;)*) => {
        $(
            $(#[$doc])*
            pub(crate) const $flag: bool = cfg!(hardwire_mutant = $name);
        )*
    };
}

mutants! {
    /// Reader skips its `fence(Acquire)` between the word loads and the re-check (L1).
    READER_NO_FENCE = "reader_no_fence";
    /// Writer skips its `fence(Release)` between the odd stamp and the word stores (L1).
    WRITER_NO_FENCE = "writer_no_fence";
    /// Reader accepts the words without re-checking the stamp (L1, stress).
    SKIP_RECHECK = "skip_recheck";
    /// Writer commits the even stamp with `Relaxed` instead of `Release` (L1).
    RELAXED_COMMIT = "relaxed_commit";
    /// Multi-producer publish skips the wait for the slot's previous lap (L2, stress).
    NO_LAP_WAIT = "no_lap_wait";
    /// The previous-lap wait loads the stamp with `Relaxed` instead of `Acquire` (L2).
    RELAXED_LAP_WAIT = "relaxed_lap_wait";
    /// A lagged reader restarts from the cursor alone, ignoring the sequence its slot's
    /// stamp proves was claimed (L3).
    LAG_IGNORES_STAMP = "lag_ignores_stamp";
    /// The lag count is one short of the events skipped (L3, stress).
    LAG_OFF_BY_ONE = "lag_off_by_one";
    /// A backpressure subscriber publishes its position before it has read the slot (L4).
    ///
    /// The realistic form of this bug is storing the position `Relaxed` instead of
    /// `Release`: the slot's loads may then be satisfied after the store (load buffering,
    /// allowed on Arm and POWER). Neither loom nor Miri can produce load buffering, so that
    /// variant cannot be killed by any tool available here; this mutant moves the store
    /// before the loads in program order, which loom does observe.
    EARLY_POSITION = "early_position";
    /// A backpressure publisher lets itself run one event past the slowest reader (L4, stress).
    GATE_OFF_BY_ONE = "gate_off_by_one";
    /// Subscriber registration skips the read-modify-write handshake with publishers (L5).
    NO_REGISTER_HANDSHAKE = "no_register_handshake";
    /// Dropping the last publisher does not wake blocked subscribers (L6).
    NO_CLOSE_WAKE = "no_close_wake";
    /// Dropping a backpressure subscriber does not release its gate (L6).
    NO_DEREGISTER = "no_deregister";
    /// A reader that finds its slot unwritten and the ring closed skips the sequence as a
    /// dead producer's claim without reading the slot again, though it read the slot before
    /// it saw the ring closed (L2b).
    SKIP_WITHOUT_REREAD = "skip_without_reread";
    /// Multi-producer handles of a shared ring do not record their claims, so a claim a
    /// live handle is about to write looks like a dead process's (`dead_processes` tests).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    UNRECORDED_CLAIMS = "unrecorded_claims";
    /// A dead claim on a lossless ring is marked abandoned while a subscriber may still be
    /// reading its slot's previous lap (`dead_processes` tests).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    MARK_WITHOUT_GATE = "mark_without_gate";
    /// Nobody looks for claims abandoned by dead processes: readers wait at them while other
    /// publishers live (`shm` tests).
    #[cfg(all(feature = "shm", target_os = "linux", not(loom)))]
    NO_ABANDON = "no_abandon";
    /// `Registry::unregister_and_wait` returns without waiting for running calls (registry
    /// tests).
    #[cfg(feature = "std")]
    UNREGISTER_NO_WAIT = "unregister_no_wait";
    /// A registry write forgets the handlers it drops instead of retiring them, so
    /// `unregister_and_wait` cannot find a fired once-handler or one another thread removed
    /// (the bug of issue 11; L7).
    #[cfg(feature = "std")]
    NO_RETIRE = "no_retire";
    /// A notify uses the snapshot it announced without checking that it is still current,
    /// so a writer's reclaim may already have freed it (L7).
    #[cfg(feature = "std")]
    ANNOUNCE_NO_RECHECK = "announce_no_recheck";
    /// A notify skips the `fence(SeqCst)` between its announcement and that check, so it
    /// and a reclaiming writer may each miss the other's store (L7). The fence exists in
    /// loom builds only: real builds get the same order from `SeqCst` on both accesses,
    /// which loom does not model (`runtime/src/snapshot.rs`).
    #[cfg(feature = "std")]
    ANNOUNCE_NO_FENCE = "announce_no_fence";
}
