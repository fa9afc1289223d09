/// Applies numbered migrations, each in its own IMMEDIATE transaction together with the row that records it.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError.badFileName("\(next.version)_\(next.name).sql")
        }
        self.migrations = sorted
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    static let recordTable = "schema_migration"

    /// The page size of a new database. Every write transaction appends each page it changes to the log,
    /// checksummed, and the ledger's rows are small: with 1 KiB pages instead of SQLite's 4 KiB, one
    /// process's acquire + release cycle went from about 175 to 142 µs (pool-bench, ext4), and a pool of
    /// 10,000 slots or 30,000 events was no slower. 512 bytes gained nothing more.
    public static let newDatabasePageSize = 1_024

    /// The schema version recorded in the database, 0 for an empty one. Reads only.
    /// Throws if the database belongs to another program or to a newer build.
    public func appliedVersion(of connection: Connection) throws -> Int {
        try connection.read { db in
            let tableCount = try db.scalarInt(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ) ?? 0
            let hasRecord = try db.scalarInt(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'"
            ) ?? 0
            if hasRecord == 0 {
                if tableCount > 0 {
                    throw MigrationError.foreignDatabase(path: connection.path)
                }
                return 0
            }
            let version = Int(try db.scalarInt("SELECT max(version) FROM schema_migration") ?? 0)
            if version > latestVersion {
                throw MigrationError.newerSchema(path: connection.path, found: version, known: latestVersion)
            }
            return version
        }
    }

    /// Whether the database is already at this build's version and in WAL mode: what nearly every open finds,
    /// answered by one statement outside a transaction (the full check takes five, about 0.1 ms of every
    /// command). False for anything else, which the full check then looks at.
    private func isCurrent(_ connection: Connection) throws -> Bool {
        let current: Bool?
        do {
            current = try connection.queryFirst(
                """
                SELECT max(version) = ? AND (SELECT journal_mode FROM pragma_journal_mode) = 'wal'
                FROM schema_migration
                """,
                [latestVersion]
            ) { $0.int(0) == 1 }
        } catch let error as SQLiteError where ResultCode.SQLITE_ERROR ~= error.code {
            // No schema_migration table: a new database, or another program's.
            return false
        }
        return current == true
    }

    /// Checks the database, switches it to WAL, and applies what is missing. Returns how many were applied.
    ///
    /// Safe when several processes open a new database at once: each migration re-reads the version
    /// inside its write transaction, so exactly one process applies it.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> Int {
        if try isCurrent(connection) {
            return 0
        }
        let version = try appliedVersion(of: connection)
        if version == 0 {
            // Takes effect only on a file with nothing in it yet; once it has pages (and in WAL mode) SQLite
            // ignores it, so a database keeps the page size it was made with.
            try connection.execute("PRAGMA page_size = \(Self.newDatabasePageSize)")
        }
        try connection.enableWAL()
        guard version < latestVersion else { return 0 }
        var applied = 0
        for migration in migrations where migration.version > version {
            let didApply = try connection.write { db -> Bool in
                try db.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migration (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    ) STRICT
                    """
                )
                let current = try db.scalarInt("SELECT max(version) FROM schema_migration") ?? 0
                guard current < migration.version else { return false }
                try db.executeScript(migration.sql)
                try db.execute(
                    "INSERT INTO schema_migration (version, name) VALUES (?, ?)",
                    [migration.version, migration.name]
                )
                return true
            }
            if didApply {
                applied += 1
            }
        }
        return applied
    }
}
