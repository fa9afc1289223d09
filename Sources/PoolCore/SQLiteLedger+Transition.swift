import SheshaSQLite

/// The one home of slot state changes: every change of `slot.state` goes through `transition`.
extension SQLiteLedger {
    /// What a state change also records about the slot's use.
    enum UseMark {
        case none
        /// Handed to a holder: one more use, used now.
        case handedOut
        /// Given back by its holder: used until now.
        case givenBack
    }

    /// Changes a slot from one of `from` to `to` in one statement that checks the current state (and, with
    /// `ownedBy`, the worker doing the slot's slow work), so a slot changed meanwhile by another process is
    /// left alone. Records `worker` (required for creating, resetting and destroying, cleared otherwise),
    /// `error` (cleared when nil), the time of the change, and for the intermediate states by when their
    /// work must end (the pool's limit; nothing for a pool without limits).
    ///
    /// Throws `DisallowedTransition`, writing nothing, if `SlotTransition` allows not every one of `from` to
    /// change to `to`. Returns the slot's pool id if it changed, nil if it was in none of `from` (or not
    /// owned by `ownedBy`).
    @discardableResult
    func transition(
        _ db: Connection,
        slotID: Int64,
        from: [SlotState],
        to state: SlotState,
        worker: ProcessIdentity? = nil,
        ownedBy owner: ProcessIdentity? = nil,
        error: String? = nil,
        marking use: UseMark = .none,
        at now: Timestamp
    ) throws -> Int64? {
        precondition(!from.isEmpty && from.count <= 3, "a transition names one to three states it starts from")
        for start in from where !SlotTransition.isAllowed(from: start, to: state) {
            throw DisallowedTransition(slotID: slotID, transition: SlotTransition(from: start, to: state))
        }
        // The schema's CHECK ties the worker columns to the intermediate states; say which side is wrong.
        precondition(state.isIntermediate == (worker != nil), "\(state.rawValue) needs a worker exactly when intermediate")
        let padded = from + Array(repeating: from[0], count: 3 - from.count)
        return try db.queryFirst(
            Self.transitionStatement,
            [
                state.rawValue, worker?.host, worker?.bootID, worker?.pid, worker?.startTime, error,
                now.microsecondsSince1970, use == .handedOut ? 1 : 0, use != .none, slotID,
                padded[0].rawValue, padded[1].rawValue, padded[2].rawValue,
                owner?.host, owner?.bootID, owner?.pid, owner?.startTime,
            ]
        ) { $0.int64(0) }
    }

    /// The only statement in the code base that writes `slot.state` (see `transition`).
    static let transitionStatement = """
        UPDATE slot SET state = ?1, worker_host = ?2, worker_boot_id = ?3, worker_pid = ?4, worker_start_time = ?5,
            error = ?6, state_changed_at = ?7,
            work_deadline = CASE WHEN ?1 IN ('creating', 'resetting', 'destroying') THEN ?7 + (
                SELECT CASE ?1 WHEN 'creating' THEN p.create_timeout_us
                               WHEN 'resetting' THEN p.reset_timeout_us
                               ELSE p.destroy_timeout_us END
                FROM pool p WHERE p.id = slot.pool_id) END,
            use_count = use_count + ?8,
            last_used_at = CASE WHEN ?9 THEN ?7 ELSE last_used_at END
        WHERE id = ?10 AND state IN (?11, ?12, ?13)
            AND (?16 IS NULL OR (worker_host = ?14 AND worker_boot_id = ?15 AND worker_pid = ?16
                                 AND worker_start_time = ?17))
        RETURNING pool_id
        """
}
