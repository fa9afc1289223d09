public import SheshaSQLite

/// The ledger in one SQLite file, shared by every process on the machine.
///
/// One connection per ledger (see `LedgerConnection` for where its transactions run). Every method is one
/// transaction.
public final class SQLiteLedger: Ledger {
    private let connection: LedgerConnection
    let clock: any WallClock
    let wakeUpGate: WakeUpGate
    public let path: String

    /// Opens (creating it if needed, with owner-only permissions) and migrates the database at `path`.
    /// A file that is not a shesha-pool database, or one from a newer build, is refused unchanged.
    ///
    /// With `writeGate` (the default), writers line up on the database's `WriteGate`; turn it off only to
    /// measure SQLite's locking alone.
    ///
    /// Sets glibc's trim threshold for the whole process (`HeapTrimming.keepFreedMemory`).
    public init(
        path: String,
        busyPolicy: BusyPolicy = .default,
        writeGate: Bool = true,
        clock: any WallClock = SystemWallClock()
    ) throws {
        // A cycle's transactions otherwise hand freed heap back to the kernel and fault it in again.
        HeapTrimming.keepFreedMemory()
        let connection = try Connection(path: path, busyPolicy: busyPolicy)
        try Migrator(Self.embeddedMigrations()).migrate(connection)
        self.connection = LedgerConnection(connection, usesWriteGate: writeGate)
        self.wakeUpGate = WakeUpGate(databasePath: connection.path, isEnabled: writeGate)
        self.clock = clock
        self.path = path
    }

    /// The schema, from Migrations/ as embedded at build time.
    public static func embeddedMigrations() throws -> [Migration] {
        try EmbeddedMigrations.files.map { try Migration(fileName: $0.name, sql: $0.sql) }
    }

    /// How many of this ledger's write transactions found the database's write lock (or this connection)
    /// taken and waited for it: lets a test know that a call is queued behind another writer.
    public var writesThatWaited: Int { connection.writesThatWaited }

    /// Runs `body` in one write transaction. When `announces` says so of its result, processes waiting for
    /// a slot are woken after the commit.
    func write<T: Sendable>(
        announces: @escaping @Sendable (T) -> Bool = { _ in false },
        _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await connection.write(announces: announces, body)
    }

    /// Runs `body` in one read transaction: one consistent snapshot.
    func read<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T {
        try await connection.read(body)
    }

    // MARK: Pools

    public func createPool(_ definition: PoolDefinition) async throws {
        var slotFolder = definition.slotFolder
        while slotFolder.count > 1 && slotFolder.hasSuffix("/") {
            slotFolder.removeLast()
        }
        let definition = PoolDefinition(
            name: definition.name, kind: definition.kind, slotFolder: slotFolder, maxSize: definition.maxSize,
            minIdle: definition.minIdle, onExhausted: definition.onExhausted, config: definition.config,
            workTimeouts: definition.workTimeouts
        )
        try Names.validate(definition.name, kind: "pool")
        guard definition.maxSize >= 1 else {
            throw PoolError.invalidArgument("the maximum size must be at least 1 (got \(definition.maxSize))")
        }
        guard definition.minIdle >= 0, definition.minIdle <= definition.maxSize else {
            throw PoolError.invalidArgument(
                "the minimum idle count must be between 0 and the maximum size \(definition.maxSize)"
            )
        }
        guard definition.slotFolder.hasPrefix("/"), definition.slotFolder.count > 1 else {
            throw PoolError.invalidArgument(
                "the slot folder must be an absolute path other than / (got '\(definition.slotFolder)')"
            )
        }
        try await write { db in
            let now = clock.now()
            if try db.scalarInt("SELECT id FROM pool WHERE name = ?", [definition.name]) != nil {
                throw PoolError.poolExists(definition.name)
            }
            if let other = try db.queryFirst("SELECT name FROM pool WHERE slot_folder = ?", [definition.slotFolder], {
                try $0.string(0)
            }) {
                throw PoolError.invalidArgument(
                    "pool '\(other)' already keeps its slots in \(definition.slotFolder); give this pool its own folder"
                )
            }
            try db.execute(
                """
                INSERT INTO pool (name, kind, slot_folder, max_size, min_idle, on_exhausted, config, created_at,
                                  create_timeout_us, reset_timeout_us, destroy_timeout_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    definition.name, definition.kind, definition.slotFolder, definition.maxSize,
                    definition.minIdle, definition.onExhausted.rawValue, definition.config,
                    now.microsecondsSince1970, definition.workTimeouts?.create.microseconds,
                    definition.workTimeouts?.reset.microseconds, definition.workTimeouts?.destroy.microseconds,
                ]
            )
        }
    }

    public func pool(named name: String) async throws -> PoolDefinition {
        try await read { db in try poolRow(db, name).definition }
    }

    public func poolNames() async throws -> [String] {
        try await read { db in try db.query("SELECT name FROM pool ORDER BY name") { try $0.string(0) } }
    }

    @discardableResult
    public func updateConfig(
        pool: String,
        _ transform: @escaping @Sendable (String) throws -> String
    ) async throws -> String {
        try await write { db in
            let pool = try poolRow(db, pool)
            let config = try transform(pool.definition.config)
            // An unchanged config keeps its version, so work under way need not be redone.
            try db.execute(
                "UPDATE pool SET config = ?1, config_version = config_version + (config IS NOT ?1) WHERE id = ?2",
                [config, pool.id]
            )
            return config
        }
    }

    struct PoolRow {
        var id: Int64
        var definition: PoolDefinition
    }

    static func workTimeouts(create: Int64?, reset: Int64?, destroy: Int64?) -> WorkTimeouts? {
        guard let create, let reset, let destroy else { return nil }
        return WorkTimeouts(create: .microseconds(create), reset: .microseconds(reset), destroy: .microseconds(destroy))
    }

    func poolRow(_ db: Connection, _ name: String) throws -> PoolRow {
        let row = try db.queryFirst(
            """
            SELECT id, name, kind, slot_folder, max_size, min_idle, on_exhausted, config,
                   create_timeout_us, reset_timeout_us, destroy_timeout_us
            FROM pool WHERE name = ?
            """,
            [name]
        ) { row in
            let policy = try row.string(6)
            guard let onExhausted = ExhaustionPolicy(rawValue: policy) else {
                throw PoolError.damagedDatabase(
                    "pool \(quoted(name)) has an unknown exhaustion policy \(quoted(policy))"
                )
            }
            return PoolRow(
                id: row.int64(0),
                definition: PoolDefinition(
                    name: try row.string(1),
                    kind: try row.string(2),
                    slotFolder: try row.string(3),
                    maxSize: row.int(4),
                    minIdle: row.int(5),
                    onExhausted: onExhausted,
                    config: try row.string(7),
                    workTimeouts: Self.workTimeouts(create: row.optionalInt64(8), reset: row.optionalInt64(9),
                                                    destroy: row.optionalInt64(10))
                )
            )
        }
        guard let row else { throw PoolError.noSuchPool(name) }
        return row
    }
}
