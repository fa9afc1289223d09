import SheshaSQLite

/// The transactions that bracket slow work: one before it (claim, recording the worker) and one after.
extension SQLiteLedger {
    public func reserveSlots(
        pool: String,
        count: Int,
        beyondMaximum: Bool,
        worker: ProcessIdentity
    ) async throws -> [Slot] {
        guard count >= 0 else {
            throw PoolError.invalidArgument("the number of slots must not be negative (got \(count))")
        }
        return try await write { db in
            let now = clock.now()
            let pool = try poolRow(db, pool)
            let size = try usage(db, pool: pool, holder: "").size
            let allowed = beyondMaximum ? count : min(count, max(0, pool.definition.maxSize - size))
            var slots: [Slot] = []
            for _ in 0..<allowed {
                let id = try insertSlot(db, pool: pool, worker: worker, now: now)
                if let slot = try slot(db, id: id) {
                    slots.append(slot)
                }
            }
            return slots
        }
    }

    /// Inserts a slot in `creating` (where every slot starts), numbered from the pool's sequence, which only
    /// ever grows, with by when its creation must end. `isHandedOut`: made for an acquirer, so used once now.
    func insertSlot(
        _ db: Connection,
        pool: PoolRow,
        worker: ProcessIdentity,
        isHandedOut: Bool = false,
        now: Timestamp
    ) throws -> Int64 {
        guard
            let number = try db.scalarInt(
                "UPDATE pool SET next_slot_number = next_slot_number + 1 WHERE id = ? RETURNING next_slot_number - 1",
                [pool.id]
            )
        else { throw PoolError.noSuchPool(pool.definition.name) }
        let name = Self.slotName(number: number)
        // createPool stored the folder without a trailing slash.
        let folder = pool.definition.slotFolder
        try db.execute(
            """
            INSERT INTO slot (pool_id, number, name, path, state, worker_host, worker_boot_id, worker_pid,
                              worker_start_time, created_at, state_changed_at, use_count, last_used_at, work_deadline)
            VALUES (?1, ?2, ?3, ?4, 'creating', ?5, ?6, ?7, ?8, ?9, ?9, ?10, CASE WHEN ?10 THEN ?9 END,
                    ?9 + (SELECT create_timeout_us FROM pool WHERE id = ?1))
            """,
            [
                pool.id, number, name, folder + "/" + name, worker.host, worker.bootID, worker.pid,
                worker.startTime, now.microsecondsSince1970, isHandedOut ? 1 : 0,
            ]
        )
        return db.lastInsertRowID
    }

    /// `slot-0001`, `slot-0002`, ... (wider past 9999).
    static func slotName(number: Int64) -> String {
        let digits = String(number)
        return "slot-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Changes the slot only if it is still in `state` and worked on by `worker`; otherwise another
    /// process recovered it meanwhile and the caller's work no longer counts.
    private func requireOwnedWork(_ db: Connection, _ slot: Slot, state: SlotState, worker: ProcessIdentity) throws {
        let owned = try db.scalarInt(
            """
            SELECT count(*) FROM slot WHERE id = ? AND state = ? AND worker_host = ? AND worker_boot_id = ?
                AND worker_pid = ? AND worker_start_time = ?
            """,
            [slot.id, state.rawValue, worker.host, worker.bootID, worker.pid, worker.startTime]
        )
        guard owned == 1 else { throw PoolError.workTakenOver(slot: slot.name) }
    }

    private func poolID(_ db: Connection, of slot: Slot) throws -> Int64 {
        try poolRow(db, slot.pool).id
    }

    /// Ends slow work that succeeded: the slot becomes leased if an acquire attached a lease to it, else
    /// idle, provided `worker` still owns it in `state` (else `workTakenOver`). A TTL lease's clock starts
    /// again now, so slow preparation does not eat into the holder's time. Returns the slot's pool id.
    private func markReady(_ db: Connection, _ slot: Slot, from state: SlotState, worker: ProcessIdentity, now: Timestamp)
        throws -> Int64
    {
        let isLeased = try db.scalarInt("SELECT EXISTS (SELECT 1 FROM lease WHERE slot_id = ?)", [slot.id]) == 1
        guard
            let poolID = try transition(
                db, slotID: slot.id, from: [state], to: isLeased ? .leased : .idle, ownedBy: worker, at: now
            )
        else { throw PoolError.workTakenOver(slot: slot.name) }
        if isLeased {
            try db.execute(
                "UPDATE lease SET expires_at = ? + ttl_us WHERE slot_id = ? AND ttl_us IS NOT NULL",
                [now.microsecondsSince1970, slot.id]
            )
        }
        return poolID
    }

    @discardableResult
    public func finishCreate(_ slot: Slot, worker: ProcessIdentity, duration: Duration) async throws -> Slot? {
        try await write(announces: { $0 == nil }) { db in
            let now = clock.now()
            if let again = try resetAgainIfConfigChanged(db, slot, from: .creating, worker: worker, now: now) {
                return again
            }
            let poolID = try markReady(db, slot, from: .creating, worker: worker, now: now)
            try recordEvent(db, poolID: poolID, kind: .create, slotName: slot.name, duration: duration, at: now)
            return nil
        }
    }

    /// A slot whose work began under an older config than the pool's now (a refresh moved the base meanwhile)
    /// is not made ready: it stays with `worker`, in `resetting`, and is returned to be reset to the new
    /// config. Nil if the config is unchanged. Throws `workTakenOver` if `worker` no longer owns the work.
    private func resetAgainIfConfigChanged(
        _ db: Connection,
        _ slot: Slot,
        from state: SlotState,
        worker: ProcessIdentity,
        now: Timestamp
    ) throws -> Slot? {
        let current = try db.scalarInt(
            "SELECT p.config_version FROM pool p JOIN slot s ON s.pool_id = p.id WHERE s.id = ?", [slot.id]
        )
        guard let current, current != slot.configVersion else { return nil }
        guard
            try transition(db, slotID: slot.id, from: [state], to: .resetting, worker: worker, ownedBy: worker, at: now)
                != nil
        else { throw PoolError.workTakenOver(slot: slot.name) }
        return try self.slot(db, id: slot.id)
    }

    public func failCreate(_ slot: Slot, worker: ProcessIdentity, error: String, cleanedUp: Bool) async throws {
        // Room below the maximum, or a holder who must ask again.
        try await write(announces: { _ in true }) { db in
            let now = clock.now()
            try requireOwnedWork(db, slot, state: .creating, worker: worker)
            let poolID = try poolID(db, of: slot)
            try endLease(db, slotID: slot.id, poolID: poolID, reason: "its slot could not be made: \(error)", at: now)
            if cleanedUp {
                try db.execute("DELETE FROM slot WHERE id = ?", [slot.id])
            } else {
                try transition(db, slotID: slot.id, from: [.creating], to: .broken, error: error, at: now)
            }
            try recordEvent(db, poolID: poolID, kind: .createFailed, slotName: slot.name, detail: error, at: now)
        }
    }

    public func claimForReset(slotID: Int64, worker: ProcessIdentity) async throws -> Slot? {
        return try await write { db in
            let now = clock.now()
            guard try transition(db, slotID: slotID, from: [.dirty], to: .resetting, worker: worker, at: now) != nil
            else { return nil }
            var claimed = try self.slot(db, id: slotID)
            claimed?.fence = try nextFencingToken(db)
            return claimed
        }
    }

    public func claimIdleForReset(pool: String, worker: ProcessIdentity) async throws -> [Slot] {
        return try await write { db in
            let now = clock.now()
            let pool = try poolRow(db, pool)
            let ids = try db.query("SELECT id FROM slot WHERE pool_id = ? AND state = 'idle' ORDER BY id", [pool.id]) {
                $0.int64(0)
            }
            return try ids.compactMap { id in
                try transition(db, slotID: id, from: [.idle], to: .resetting, worker: worker, at: now)
                var claimed = try slot(db, id: id)
                claimed?.fence = try nextFencingToken(db)
                return claimed
            }
        }
    }

    @discardableResult
    public func finishReset(_ slot: Slot, worker: ProcessIdentity, error: String?, duration: Duration) async throws
        -> Slot?
    {
        try await write(announces: { $0 == nil }) { db in
            let now = clock.now()
            guard let error else {
                if let again = try resetAgainIfConfigChanged(db, slot, from: .resetting, worker: worker, now: now) {
                    return again
                }
                let poolID = try markReady(db, slot, from: .resetting, worker: worker, now: now)
                try recordEvent(db, poolID: poolID, kind: .reset, slotName: slot.name, duration: duration, at: now)
                return nil
            }
            try requireOwnedWork(db, slot, state: .resetting, worker: worker)
            // A slot that cannot be reset is never handed out; its would-be holder acquires again.
            let poolID = try poolID(db, of: slot)
            try endLease(db, slotID: slot.id, poolID: poolID, reason: "its slot could not be reset: \(error)", at: now)
            try transition(db, slotID: slot.id, from: [.resetting], to: .broken, error: error, at: now)
            try recordEvent(db, poolID: poolID, kind: .resetFailed, slotName: slot.name, detail: error, at: now)
            return nil
        }
    }

    public func claimForDestroy(
        pool: String,
        selection: DestroySelection,
        worker: ProcessIdentity
    ) async throws -> [Slot] {
        return try await write { db in
            let now = clock.now()
            let pool = try poolRow(db, pool)
            let ids: [Int64]
            switch selection {
            case .leastRecentlyUsedIdle(let count):
                ids = try db.query(
                    """
                    SELECT id FROM slot WHERE pool_id = ? AND state = 'idle'
                    ORDER BY coalesce(last_used_at, created_at), id LIMIT ?
                    """,
                    [pool.id, max(0, count)]
                ) { $0.int64(0) }
            case .retire(let olderThan, let unusedFor, let includeBroken):
                ids = try db.query(
                    """
                    SELECT id FROM slot WHERE pool_id = ?1 AND (
                        (state = 'idle' AND (created_at < ?2 OR coalesce(last_used_at, created_at) < ?3))
                        OR (?4 AND state = 'broken'))
                    ORDER BY id
                    """,
                    [
                        pool.id, olderThan.map { (now.microsecondsSince1970 - $0.microseconds) },
                        unusedFor.map { (now.microsecondsSince1970 - $0.microseconds) }, includeBroken,
                    ]
                ) { $0.int64(0) }
            case .slots(let wanted):
                ids = try wanted.filter { id in
                    try db.scalarInt(
                        "SELECT count(*) FROM slot WHERE id = ? AND pool_id = ? AND state IN ('idle', 'dirty', 'broken')",
                        [id, pool.id]
                    ) == 1
                }
            case .allUnleased:
                ids = try db.query(
                    "SELECT id FROM slot WHERE pool_id = ? AND state IN ('idle', 'dirty', 'broken') ORDER BY id",
                    [pool.id]
                ) { $0.int64(0) }
            }
            var claimed: [Slot] = []
            for id in ids {
                try transition(db, slotID: id, from: [.idle, .dirty, .broken], to: .destroying, worker: worker, at: now)
                if let slot = try slot(db, id: id) {
                    claimed.append(slot)
                }
            }
            return claimed
        }
    }

    public func finishDestroy(_ slot: Slot, worker: ProcessIdentity, error: String?) async throws {
        try await write(announces: { _ in true }) { db in
            let now = clock.now()
            try requireOwnedWork(db, slot, state: .destroying, worker: worker)
            let poolID = try poolID(db, of: slot)
            if let error {
                try transition(db, slotID: slot.id, from: [.destroying], to: .broken, error: error, at: now)
                try recordEvent(db, poolID: poolID, kind: .destroyFailed, slotName: slot.name, detail: error, at: now)
            } else {
                try db.execute("DELETE FROM slot WHERE id = ?", [slot.id])
                try recordEvent(db, poolID: poolID, kind: .destroy, slotName: slot.name, at: now)
            }
        }
    }
}
