import SheshaSQLite

/// Column lists and row decoding shared by the ledger's queries.
extension SQLiteLedger {
    static let slotColumns = """
        SELECT s.id, p.name, s.number, s.name, s.path, s.state, s.worker_host, s.worker_boot_id, s.worker_pid,
               s.worker_start_time, s.error, s.created_at, s.state_changed_at, s.last_used_at, s.use_count,
               s.work_deadline, p.config_version
        FROM slot s JOIN pool p ON p.id = s.pool_id
        """

    static let leaseColumns = """
        SELECT l.token, p.name, l.holder, l.slot_id, s.name, s.path, l.owner_host, l.owner_boot_id,
               l.owner_pid, l.owner_start_time, l.acquired_at, l.expires_at, l.lease_index, l.branch
        FROM lease l JOIN slot s ON s.id = l.slot_id JOIN pool p ON p.id = l.pool_id
        """

    static func slot(from row: Row) throws -> Slot {
        let stateName = try row.string(5)
        guard let state = SlotState(rawValue: stateName) else {
            throw PoolError.damagedDatabase("it holds an unknown slot state '\(stateName)'")
        }
        var worker: ProcessIdentity?
        if let pid = row.optionalInt64(8) {
            worker = ProcessIdentity(
                host: try row.string(6),
                bootID: try row.string(7),
                pid: Int32(truncatingIfNeeded: pid),
                startTime: row.int64(9)
            )
        }
        return Slot(
            id: row.int64(0),
            pool: try row.string(1),
            number: row.int64(2),
            name: try row.string(3),
            path: try row.string(4),
            state: state,
            worker: worker,
            error: row.optionalString(10),
            createdAt: Timestamp(microsecondsSince1970: row.int64(11)),
            stateChangedAt: Timestamp(microsecondsSince1970: row.int64(12)),
            lastUsedAt: row.optionalInt64(13).map(Timestamp.init(microsecondsSince1970:)),
            useCount: row.int(14),
            workDeadline: row.optionalInt64(15).map(Timestamp.init(microsecondsSince1970:)),
            configVersion: row.int64(16)
        )
    }

    static func lease(from row: Row) throws -> Lease {
        Lease(
            token: FencingToken(rawValue: row.int64(0)),
            pool: try row.string(1),
            holder: try row.string(2),
            slotID: row.int64(3),
            slotName: try row.string(4),
            path: try row.string(5),
            owner: ProcessIdentity(
                host: try row.string(6),
                bootID: try row.string(7),
                pid: Int32(truncatingIfNeeded: row.int64(8)),
                startTime: row.int64(9)
            ),
            acquiredAt: Timestamp(microsecondsSince1970: row.int64(10)),
            expiresAt: row.optionalInt64(11).map(Timestamp.init(microsecondsSince1970:)),
            index: row.int(12),
            branch: row.optionalString(13)
        )
    }

    static let slotByID = slotColumns + " WHERE s.id = ?"
    static let leaseByToken = leaseColumns + " WHERE l.token = ?"
    static let leaseByHolder = leaseColumns + " WHERE l.pool_id = ? AND l.holder = ?"

    func slot(_ db: Connection, id: Int64) throws -> Slot? {
        try db.queryFirst(Self.slotByID, [id], Self.slot(from:))
    }

    func lease(_ db: Connection, token: FencingToken) throws -> Lease? {
        try db.queryFirst(Self.leaseByToken, [token.rawValue], Self.lease(from:))
    }

    func lease(_ db: Connection, poolID: Int64, holder: String) throws -> Lease? {
        try db.queryFirst(Self.leaseByHolder, [poolID, holder], Self.lease(from:))
    }

    func lease(_ db: Connection, slotID: Int64) throws -> Lease? {
        try db.queryFirst(Self.leaseColumns + " WHERE l.slot_id = ?", [slotID], Self.lease(from:))
    }

    /// Ends the lease on a slot, if there is one, other than by its release: with a reclaim event that carries
    /// its token and says why, so that the history accounts for the end of every acquire.
    func endLease(_ db: Connection, slotID: Int64, poolID: Int64, reason: String, at now: Timestamp) throws {
        guard let lease = try lease(db, slotID: slotID) else { return }
        try db.execute("DELETE FROM lease WHERE token = ?", [lease.token.rawValue])
        try recordEvent(
            db, poolID: poolID, kind: .reclaim, slotName: lease.slotName, holder: lease.holder,
            token: lease.token, duration: now - lease.acquiredAt, detail: reason, at: now
        )
    }

    func leases(_ db: Connection, poolID: Int64) throws -> [Lease] {
        try db.query(Self.leaseColumns + " WHERE l.pool_id = ? ORDER BY l.token", [poolID], Self.lease(from:))
    }

    func nextFencingToken(_ db: Connection) throws -> FencingToken {
        let value = try db.scalarInt(
            "UPDATE counter SET value = value + 1 WHERE name = 'fencing_token' RETURNING value"
        )
        guard let value else {
            throw PoolError.damagedDatabase("its fencing token counter is missing")
        }
        return FencingToken(rawValue: value)
    }

    func recordEvent(
        _ db: Connection,
        poolID: Int64,
        kind: PoolEvent.Kind,
        slotName: String? = nil,
        holder: String? = nil,
        token: FencingToken? = nil,
        duration: Duration? = nil,
        detail: String? = nil,
        at now: Timestamp
    ) throws {
        try db.execute(
            """
            INSERT INTO event (at, pool_id, kind, slot_name, holder, token, duration_us, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                now.microsecondsSince1970, poolID, kind.rawValue, slotName, holder, token?.rawValue,
                duration?.microseconds, detail,
            ]
        )
    }
}
