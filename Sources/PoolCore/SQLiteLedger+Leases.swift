import SheshaSQLite

extension SQLiteLedger {
    public func acquire(_ request: AcquireRequest) async throws -> AcquireOutcome {
        try Names.validate(request.holder, kind: "holder")
        try Self.validateTTL(request.ttl)
        return try await write(announces: \.wakesWaiters) { db in
            let now = clock.now()
            let pool = try poolRow(db, request.pool)
            var orphans: [Slot] = []
            var hasReclaimed = false
            // Whether this transaction made room a queued waiter may take, so sleeping waiters must look.
            var madeRoom = false

            // The holder's own lease: idempotent, unless its owner or preparer died.
            if let existing = try lease(db, poolID: pool.id, holder: request.holder) {
                guard let slot = try slot(db, id: existing.slotID) else {
                    throw PoolError.damagedDatabase("lease \(existing.token) points at a missing slot")
                }
                let ownerGone = !existing.owner.isRunning || existing.expiresAt.map { $0 <= now } == true
                let preparerGone = slot.state.isIntermediate && slot.worker?.isRunning != true
                if ownerGone || preparerGone {
                    let report = try reclaimLocked(db, pool: pool, worker: request.worker, now: now)
                    orphans += report.orphans
                    madeRoom = report.madeRoom
                    hasReclaimed = true
                } else if slot.state == .leased {
                    return AcquireOutcome(grant: .ready(existing), orphans: [])
                } else {
                    return AcquireOutcome(grant: .inProgress, orphans: [])
                }
            }

            if let branch = request.branch {
                try checkBranchFree(db, poolID: pool.id, branch: branch)
            }

            // The common case in one query: nobody else queued and a ready slot waiting.
            let isFastPath = try db.scalarInt(
                """
                SELECT NOT EXISTS (SELECT 1 FROM waiter WHERE pool_id = ?1 AND holder <> ?2)
                   AND EXISTS (SELECT 1 FROM slot WHERE pool_id = ?1 AND state = 'idle')
                """,
                [pool.id, request.holder]
            )
            if isFastPath == 1 {
                let grant = try grant(db, pool: pool, request: request, now: now)
                return AcquireOutcome(grant: grant, orphans: orphans, wakesWaiters: madeRoom)
            }

            let willWait = request.willWait ?? (pool.definition.onExhausted == .wait)
            while true {
                let usage = try usage(db, pool: pool, holder: request.holder)
                let spare = usage.spare(maxSize: pool.definition.maxSize)
                // A caller that neither queues (a `fail` or `create` pool) nor refused to wait waits for a
                // background reset under way rather than fail or grow the pool: that slot was released
                // and is free in moments.
                let waitsForReset = request.willWait == nil && !willWait && spare == 0 && usage.freeOnceReset > 0
                if usage.isServable(in: pool.definition) && !waitsForReset {
                    let grant = try grant(db, pool: pool, request: request, now: now)
                    // Leaving the queue with room to spare lets the next in line through.
                    return AcquireOutcome(grant: grant, orphans: orphans, wakesWaiters: madeRoom || spare > 1)
                }
                if !hasReclaimed {
                    let report = try reclaimLocked(db, pool: pool, worker: request.worker, now: now)
                    orphans += report.orphans
                    madeRoom = report.madeRoom
                    hasReclaimed = true
                    continue
                }
                if waitsForReset {
                    return AcquireOutcome(grant: .inProgress, orphans: orphans, wakesWaiters: madeRoom)
                }
                let reported = PoolUsage(
                    size: usage.size,
                    leased: usage.leased,
                    maxSize: pool.definition.maxSize,
                    waitersAhead: usage.waitersAhead
                )
                if willWait {
                    try db.execute(
                        """
                        INSERT INTO waiter (pool_id, holder, host, boot_id, pid, start_time, since, seen_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (pool_id, holder) DO UPDATE SET seen_at = excluded.seen_at
                        """,
                        [
                            pool.id, request.holder, request.worker.host, request.worker.bootID,
                            request.worker.pid, request.worker.startTime, request.requestedAt.microsecondsSince1970,
                            now.microsecondsSince1970,
                        ]
                    )
                } else {
                    try recordEvent(db, poolID: pool.id, kind: .exhausted, holder: request.holder, at: now)
                }
                return AcquireOutcome(
                    grant: .exhausted(reported, isQueued: willWait), orphans: orphans, wakesWaiters: madeRoom
                )
            }
        }
    }

    struct UsageCounts {
        var idle: Int
        var dirty: Int
        /// Slots that count toward the maximum: all but broken and destroying ones.
        var size: Int
        var leased: Int
        /// Slots reset off a caller's path (resetting, no lease waiting): idle once their reset ends.
        var freeOnceReset: Int
        var waitersAhead: Int

        /// Slots a holder could be given now: idle, dirty (to reset), or room below the maximum.
        func spare(maxSize: Int) -> Int {
            idle + dirty + max(0, maxSize - size)
        }

        /// Whether this holder may be served now: a slot is spare for each waiter ahead of it and for it,
        /// or the pool creates beyond its maximum. `acquire` grants by this rule and waiters wake by it.
        func isServable(in pool: PoolDefinition) -> Bool {
            waitersAhead < spare(maxSize: pool.maxSize) || pool.onExhausted == .create
        }
    }

    func usage(_ db: Connection, pool: PoolRow, holder: String) throws -> UsageCounts {
        let counts = try db.queryFirst(
            """
            SELECT coalesce(sum(state = 'idle'), 0), coalesce(sum(state = 'dirty'), 0),
                   coalesce(sum(state NOT IN ('broken', 'destroying')), 0),
                   coalesce(sum(state IN ('leased', 'resetting', 'creating')), 0),
                   coalesce(sum(state = 'resetting' AND NOT EXISTS (SELECT 1 FROM lease WHERE slot_id = slot.id)), 0)
            FROM slot WHERE pool_id = ?
            """,
            [pool.id]
        ) { row in (row.int(0), row.int(1), row.int(2), row.int(3), row.int(4)) }
        // Waiters that arrived before this holder (all of them, if it is not queued yet).
        let waitersAhead = try db.scalarInt(
            """
            SELECT count(*) FROM waiter
            WHERE pool_id = ?1 AND holder <> ?2
              AND id < coalesce((SELECT id FROM waiter WHERE pool_id = ?1 AND holder = ?2), 9223372036854775807)
            """,
            [pool.id, holder]
        ) ?? 0
        let (idle, dirty, size, leased, freeOnceReset) = counts ?? (0, 0, 0, 0, 0)
        return UsageCounts(
            idle: idle, dirty: dirty, size: size, leased: leased, freeOnceReset: freeOnceReset,
            waitersAhead: Int(waitersAhead)
        )
    }

    /// Takes the best slot for the holder: the most recently used idle one (warm, and it lets surplus
    /// slots age out), else a dirty one for the caller to reset, else a new one for the caller to create.
    private func grant(
        _ db: Connection,
        pool: PoolRow,
        request: AcquireRequest,
        now: Timestamp
    ) throws -> AcquireOutcome.Grant {
        let slot: Slot
        let detail: String
        if let idle = try db.queryFirst(Self.mostRecentSlotQuery, [pool.id, SlotState.idle.rawValue], Self.slot(from:)) {
            (slot, detail) = (idle, "warm")
            try transition(db, slotID: idle.id, from: [.idle], to: .leased, marking: .handedOut, at: now)
        } else if let dirty = try db.queryFirst(
            Self.mostRecentSlotQuery, [pool.id, SlotState.dirty.rawValue], Self.slot(from:)
        ) {
            (slot, detail) = (dirty, "dirty")
            try transition(
                db, slotID: dirty.id, from: [.dirty], to: .resetting, worker: request.worker, marking: .handedOut,
                at: now
            )
        } else {
            let id = try insertSlot(db, pool: pool, worker: request.worker, isHandedOut: true, now: now)
            guard let created = try self.slot(db, id: id) else {
                throw PoolError.damagedDatabase("a slot just inserted could not be read back")
            }
            (slot, detail) = (created, "new")
        }
        // The slot is already marked taken but has no lease yet, and no event says so: committed alone,
        // this would be a slot nobody holds and nobody frees. Dying here must leave none of it.
        CrashPoint.reached(.midTransaction)
        let token = try nextFencingToken(db)
        let index = try smallestFreeLeaseIndex(db, poolID: pool.id)
        try db.execute(
            """
            INSERT INTO lease (token, pool_id, slot_id, holder, owner_host, owner_boot_id, owner_pid,
                               owner_start_time, requested_at, acquired_at, ttl_us, expires_at, lease_index, branch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                token.rawValue, pool.id, slot.id, request.holder, request.owner.host, request.owner.bootID,
                request.owner.pid, request.owner.startTime, request.requestedAt.microsecondsSince1970,
                now.microsecondsSince1970, request.ttl?.microseconds, request.ttl.map { (now + $0).microsecondsSince1970 },
                index, request.branch,
            ]
        )
        try db.execute("DELETE FROM waiter WHERE pool_id = ? AND holder = ?", [pool.id, request.holder])
        try recordEvent(
            db, poolID: pool.id, kind: .acquire, slotName: slot.name, holder: request.holder, token: token,
            duration: now - request.requestedAt, detail: detail, at: now
        )
        let lease = Lease(
            token: token, pool: pool.definition.name, holder: request.holder, slotID: slot.id,
            slotName: slot.name, path: slot.path, owner: request.owner, acquiredAt: now,
            expiresAt: request.ttl.map { now + $0 }, index: index, branch: request.branch
        )
        var granted = slot
        granted.state = slot.state == .idle ? .leased : (slot.state == .dirty ? .resetting : .creating)
        granted.worker = granted.state == .leased ? nil : request.worker
        if slot.state != .creating {
            granted.useCount += 1
            granted.lastUsedAt = now
        }
        granted.stateChangedAt = now
        // The acquirer's reset fences out the slot's earlier holders with the new lease's token.
        granted.fence = granted.state == .resetting ? token : nil
        switch granted.state {
        case .resetting: return .mustReset(lease, granted)
        case .creating: return .mustCreate(lease, granted)
        default: return .ready(lease)
        }
    }

    /// The most recently used slot of a pool in a state (served by the index slot_by_recency).
    static let mostRecentSlotQuery = slotColumns + """
         WHERE s.pool_id = ? AND s.state = ?
        ORDER BY coalesce(s.last_used_at, s.created_at) DESC, s.id DESC LIMIT 1
        """

    public func abandonWait(pool: String, holder: String, requestedAt: Timestamp, timedOut: Bool) async throws {
        // Those queued behind move up.
        try await write(announces: { _ in true }) { db in
            let now = clock.now()
            let pool = try poolRow(db, pool)
            let removed = try db.execute("DELETE FROM waiter WHERE pool_id = ? AND holder = ?", [pool.id, holder])
            if removed > 0 && timedOut {
                try recordEvent(
                    db, poolID: pool.id, kind: .waitTimeout, holder: holder, duration: now - requestedAt, at: now
                )
            }
        }
    }

    public func renew(_ token: FencingToken, ttl: Duration) async throws -> Lease {
        try Self.validateTTL(ttl)
        return try await write { db in
            let now = clock.now()
            guard let lease = try lease(db, token: token), lease.expiresAt.map({ $0 > now }) ?? true else {
                throw PoolError.leaseLost(token)
            }
            try db.execute(
                "UPDATE lease SET ttl_us = ?, expires_at = ? WHERE token = ?",
                [ttl.microseconds, (now + ttl).microsecondsSince1970, token.rawValue]
            )
            var renewed = lease
            renewed.expiresAt = now + ttl
            return renewed
        }
    }

    public func release(_ token: FencingToken, resetBy worker: ProcessIdentity?) async throws -> Slot {
        // A dirty slot serves a waiter at once; a slot kept for reset, when its reset ends.
        return try await write(announces: { _ in worker == nil }) { db in
            let now = clock.now()
            guard let lease = try lease(db, token: token) else {
                throw PoolError.leaseLost(token)
            }
            let poolID = try db.scalarInt("DELETE FROM lease WHERE token = ? RETURNING pool_id", [token.rawValue])
            // A slot still being prepared for this lease stays with its worker, which makes it idle.
            try transition(
                db, slotID: lease.slotID, from: [.leased], to: worker == nil ? .dirty : .resetting, worker: worker,
                marking: .givenBack, at: now
            )
            guard var slot = try slot(db, id: lease.slotID), let poolID else {
                throw PoolError.damagedDatabase("lease \(token) points at a missing slot")
            }
            // The next holder is unknown: a fresh token, newer than this lease's and older than any later
            // lease's, fences this holder out of the slot's resource.
            if slot.state == .resetting, slot.worker == worker {
                slot.fence = try nextFencingToken(db)
            }
            try recordEvent(
                db, poolID: poolID, kind: .release, slotName: slot.name, holder: lease.holder, token: token,
                duration: now - lease.acquiredAt, at: now
            )
            return slot
        }
    }

    static func validateTTL(_ ttl: Duration?) throws {
        if let ttl, ttl.microseconds <= 0 {
            throw PoolError.invalidArgument("a lease's TTL must be positive (got \(ttl))")
        }
    }

    public func lease(pool: String, holder: String) async throws -> Lease? {
        try await read { db in try lease(db, poolID: poolRow(db, pool).id, holder: holder) }
    }

    public func leases(pool: String) async throws -> [Lease] {
        try await read { db in try leases(db, poolID: poolRow(db, pool).id) }
    }
}
