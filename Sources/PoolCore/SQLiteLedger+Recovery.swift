import SheshaSQLite

/// Finding and recovering what dead processes left behind; reading the ledger for status and stats.
extension SQLiteLedger {
    /// Waiters not seen for this long are dropped even if their process cannot be checked (another host).
    static let waiterExpiry: Duration = .seconds(60)

    public func reclaim(pool: String, worker: ProcessIdentity) async throws -> ReclaimReport {
        return try await write(announces: \.madeRoom) { db in
            let now = clock.now()
            return try reclaimLocked(db, pool: poolRow(db, pool), worker: worker, now: now)
        }
    }

    /// Ends dead and expired leases, recovers slots whose worker died, and drops dead waiters.
    /// Runs inside the caller's write transaction.
    func reclaimLocked(_ db: Connection, pool: PoolRow, worker: ProcessIdentity, now: Timestamp) throws
        -> ReclaimReport
    {
        var report = ReclaimReport()
        for lease in try leases(db, poolID: pool.id) {
            let reason: String
            if !lease.owner.isRunning {
                reason = "owner \(lease.owner) died"
            } else if let expiresAt = lease.expiresAt, expiresAt <= now {
                reason = "expired"
            } else {
                continue
            }
            try db.execute("DELETE FROM lease WHERE token = ?", [lease.token.rawValue])
            try transition(db, slotID: lease.slotID, from: [.leased], to: .dirty, marking: .givenBack, at: now)
            try recordEvent(
                db, poolID: pool.id, kind: .reclaim, slotName: lease.slotName, holder: lease.holder,
                token: lease.token, duration: now - lease.acquiredAt, detail: reason, at: now
            )
            report.reclaimedLeases.append(lease)
        }

        let stuck = try db.query(
            Self.slotColumns + " WHERE s.pool_id = ? AND s.state IN ('creating', 'resetting', 'destroying')",
            [pool.id],
            Self.slot(from:)
        )
        for slot in stuck where slot.worker?.isRunning != true {
            let deadWorker = slot.worker.map(String.init(describing:)) ?? "unknown process"
            // Whoever the slot was being prepared for never got it.
            try endLease(
                db, slotID: slot.id, poolID: pool.id,
                reason: "the process preparing its slot (\(deadWorker)) died", at: now
            )
            if slot.state == .resetting {
                try transition(db, slotID: slot.id, from: [.resetting], to: .dirty, at: now)
                report.recoveredSlots.append(slot)
            } else {
                try transition(db, slotID: slot.id, from: [slot.state], to: .destroying, worker: worker, at: now)
                if let claimed = try self.slot(db, id: slot.id) {
                    report.orphans.append(claimed)
                }
            }
            try recordEvent(
                db, poolID: pool.id, kind: .recover, slotName: slot.name,
                detail: "\(slot.state.rawValue) by \(deadWorker), who died", at: now
            )
        }

        let waiters = try db.query(
            "SELECT id, host, boot_id, pid, start_time, seen_at FROM waiter WHERE pool_id = ?",
            [pool.id]
        ) { row in
            (
                id: row.int64(0),
                process: ProcessIdentity(
                    host: try row.string(1),
                    bootID: try row.string(2),
                    pid: Int32(truncatingIfNeeded: row.int64(3)),
                    startTime: row.int64(4)
                ),
                seenAt: Timestamp(microsecondsSince1970: row.int64(5))
            )
        }
        for waiter in waiters where !waiter.process.isRunning || now - waiter.seenAt > Self.waiterExpiry {
            try db.execute("DELETE FROM waiter WHERE id = ?", [waiter.id])
            report.droppedWaiters += 1
        }
        return report
    }

    public func inspect(pool: String) async throws -> LedgerFindings {
        return try await read { db in
            let now = clock.now()
            let pool = try poolRow(db, pool)
            let leases = try leases(db, poolID: pool.id)
            let stuck = try db.query(
                Self.slotColumns + " WHERE s.pool_id = ? AND s.state IN ('creating', 'resetting', 'destroying')",
                [pool.id],
                Self.slot(from:)
            )
            let stuckSlots = stuck.filter { $0.worker?.isRunning != true }
            return LedgerFindings(
                deadLeases: leases.filter { !$0.owner.isRunning },
                expiredLeases: leases.filter { $0.owner.isRunning && $0.expiresAt.map { $0 <= now } == true },
                stuckSlots: stuckSlots,
                overdueSlots: stuck.filter { slot in
                    !stuckSlots.contains(slot) && slot.workDeadline.map { $0 <= now } == true
                }
            )
        }
    }

    public func takeOverOverdueWork(_ slot: Slot, error: String) async throws -> Bool {
        let now = clock.now()
        return try await write { db in
            guard let current = try self.slot(db, id: slot.id), current.state == slot.state,
                current.state.isIntermediate, current.worker == slot.worker,
                let deadline = current.workDeadline, deadline <= now
            else { return false }
            let poolID = try poolRow(db, slot.pool).id
            try endLease(db, slotID: slot.id, poolID: poolID, reason: "its slot's \(slot.state.rawValue) overran", at: now)
            try transition(db, slotID: slot.id, from: [current.state], to: .broken, error: error, at: now)
            try recordEvent(
                db, poolID: poolID, kind: .recover, slotName: slot.name,
                detail: "\(slot.state.rawValue) by \(slot.worker.map(String.init(describing:)) ?? "nobody") overran its deadline",
                at: now
            )
            return true
        }
    }

    public func slots(pool: String) async throws -> [Slot] {
        try await read { db in
            try db.query(Self.slotColumns + " WHERE s.pool_id = ? ORDER BY s.number", [poolRow(db, pool).id]) {
                try Self.slot(from: $0)
            }
        }
    }

    public func events(pool: String, since: Timestamp?) async throws -> [PoolEvent] {
        try await read { db in
            try db.query(
                """
                SELECT id, at, kind, slot_name, holder, token, duration_us, detail FROM event
                WHERE pool_id = ? AND at >= ? ORDER BY id
                """,
                [poolRow(db, pool).id, since?.microsecondsSince1970 ?? Int64.min]
            ) { row in
                let kindName = try row.string(2)
                guard let kind = PoolEvent.Kind(rawValue: kindName) else {
                    throw PoolError.damagedDatabase("it holds an unknown event kind '\(kindName)'")
                }
                return PoolEvent(
                    id: row.int64(0),
                    at: Timestamp(microsecondsSince1970: row.int64(1)),
                    kind: kind,
                    slotName: row.optionalString(3),
                    holder: row.optionalString(4),
                    token: row.optionalInt64(5).map(FencingToken.init(rawValue:)),
                    duration: row.optionalInt64(6).map { .microseconds($0) },
                    detail: row.optionalString(7)
                )
            }
        }
    }
}
