import Foundation
import PoolTesting
import SheshaSQLite
import Synchronization
import Testing

@Suite("Migrator")
struct MigratorTests {
    static let initial = Migration(
        version: 1,
        name: "init",
        sql: "CREATE TABLE pool (name TEXT PRIMARY KEY) STRICT;"
    )
    static let slots = Migration(
        version: 2,
        name: "slots",
        sql: """
            CREATE TABLE slot (
                id INTEGER PRIMARY KEY,
                pool TEXT NOT NULL REFERENCES pool (name)
            ) STRICT;
            CREATE INDEX slot_pool ON slot (pool);
            """
    )
    /// Fails if run twice (primary key) or before `initial` (no table).
    static let seed = Migration(
        version: 3,
        name: "seed",
        sql: """
            ALTER TABLE pool ADD COLUMN max_size INTEGER NOT NULL DEFAULT 8;
            INSERT INTO pool (name) VALUES ('default');
            """
    )
    static let all = [initial, slots, seed]

    /// The recorded (version, name) pairs in order.
    static func recorded(_ db: Connection) throws -> [String] {
        try db.query("SELECT version, name FROM schema_migration ORDER BY version") { row in
            "\(row.int(0)) \(try row.string(1))"
        }
    }

    static func tableNames(_ db: Connection) throws -> [String] {
        try db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { try $0.string(0) }
    }

    /// Creates a database at `file` migrated with `migrations`, and closes it so the WAL is checkpointed.
    static func makeMigratedDatabase(at file: URL, _ migrations: [Migration]) throws {
        let connection = try Connection(path: file.path())
        try Migrator(migrations).migrate(connection)
        try connection.close()
    }

    @Test("migrations are sorted by version, and the latest version is the highest")
    func sortsMigrations() throws {
        let migrator = try Migrator([Self.seed, Self.initial, Self.slots])
        #expect(migrator.migrations.map(\.version) == [1, 2, 3])
        #expect(migrator.latestVersion == 3)
        #expect(try Migrator([]).latestVersion == 0)
    }

    @Test("two migrations with the same version are refused")
    func duplicateVersionsRefused() {
        let twin = Migration(version: 2, name: "other_slots", sql: "CREATE TABLE other (x INTEGER);")
        let error = #expect(throws: MigrationError.self) {
            try Migrator([Self.initial, Self.slots, twin, Self.seed])
        }
        guard case .badFileName(let name)? = error else {
            Issue.record("expected badFileName, got \(String(describing: error))")
            return
        }
        #expect(name.hasPrefix("2_"))
    }

    @Test("a new database gets every migration in order, each recorded in schema_migration")
    func appliesInOrder() async throws {
        try await withTestDatabase { db, _ in
            #expect(try Migrator(Self.all).appliedVersion(of: db) == 0)
            // Given out of order: `seed` would fail if it ran before `initial`.
            let applied = try Migrator([Self.seed, Self.slots, Self.initial]).migrate(db)
            #expect(applied == 3)
            #expect(try Self.recorded(db) == ["1 init", "2 slots", "3 seed"])
            #expect(try Migrator(Self.all).appliedVersion(of: db) == 3)
            #expect(
                try db.queryFirst("SELECT name, max_size FROM pool") { "\(try $0.string(0)) \($0.int(1))" }
                    == "default 8"
            )
            #expect(try db.scalarInt("SELECT count(*) FROM schema_migration WHERE applied_at LIKE '20%Z'") == 3)
            #expect(try db.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])
            #expect(!db.isInTransaction)
        }
    }

    @Test("running the migrator again applies nothing, on the same or a new connection")
    func rerunAppliesNothing() async throws {
        try await withTestDatabase { db, file in
            let migrator = try Migrator(Self.all)
            #expect(try migrator.migrate(db) == 3)
            #expect(try migrator.migrate(db) == 0)

            let again = try Connection(path: file.path(), create: false)
            defer { try? again.close() }
            #expect(try migrator.migrate(again) == 0)
            #expect(try Self.recorded(again) == ["1 init", "2 slots", "3 seed"])
            #expect(try again.scalarInt("SELECT count(*) FROM pool") == 1)
        }
    }

    @Test("a current database switched out of WAL by another program is switched back at the next open")
    func currentDatabaseBackToWAL() async throws {
        try await withTestDatabase { db, file in
            let migrator = try Migrator(Self.all)
            #expect(try migrator.migrate(db) == 3)
            try db.close()

            let other = try Connection(path: file.path(), create: false)
            #expect(try other.query("PRAGMA journal_mode = DELETE") { try $0.string(0) } == ["delete"])
            try other.close()

            let again = try Connection(path: file.path(), create: false)
            defer { try? again.close() }
            #expect(try migrator.migrate(again) == 0)
            #expect(try again.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])
        }
    }

    @Test("a new database gets small pages; one made with SQLite's default keeps its page size and migrates")
    func pageSize() async throws {
        try await withTestDatabase { db, _ in
            try Migrator(Self.all).migrate(db)
            #expect(try db.scalarInt("PRAGMA page_size") == Int64(Migrator.newDatabasePageSize))
            #expect(Migrator.newDatabasePageSize == 1_024)
        }
        try await withTestDatabase { db, file in
            // As a build before small pages left it: 4 KiB pages, in WAL mode, at an older version.
            #expect(try db.query("PRAGMA journal_mode = WAL") { try $0.string(0) } == ["wal"])
            try Migrator([Self.initial]).migrate(db)
            #expect(try db.scalarInt("PRAGMA page_size") == 4_096)
            try db.close()

            let again = try Connection(path: file.path(), create: false)
            defer { try? again.close() }
            #expect(try Migrator(Self.all).migrate(again) == 2)
            #expect(try again.scalarInt("PRAGMA page_size") == 4_096)
            #expect(try again.scalarInt("SELECT count(*) FROM pool") == 1)
        }
    }

    @Test("a later build applies only the migrations that are new to the database")
    func appliesOnlyNewMigrations() async throws {
        try await withTestDatabase { db, _ throws in
            #expect(try Migrator([Self.initial]).migrate(db) == 1)
            #expect(try Migrator([Self.initial, Self.slots]).migrate(db) == 1)
            #expect(try Migrator(Self.all).migrate(db) == 1)
            #expect(try Self.recorded(db) == ["1 init", "2 slots", "3 seed"])
        }
    }

    @Test("reading the applied version of a new database writes nothing")
    func appliedVersionOnlyReads() async throws {
        try await withTestDatabase { db, file throws in
            #expect(try Migrator(Self.all).appliedVersion(of: db) == 0)
            #expect(try db.query("PRAGMA journal_mode") { try $0.string(0) } == ["delete"])
            #expect(try contents(of: file).isEmpty)
        }
    }

    @Test("a database from a newer build is refused with newerSchema and left byte-identical")
    func newerSchemaRefused() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "test.db")
            try Self.makeMigratedDatabase(at: file, Self.all)
            #expect(!fileExists(sibling(of: file, suffix: "-wal")), "closing should checkpoint and remove the WAL")
            let before = try contents(of: file)

            let connection = try Connection(path: file.path(), create: false)
            let olderBuild = try Migrator([Self.initial, Self.slots])
            let expected = MigrationError.newerSchema(path: file.path(), found: 3, known: 2)
            #expect(throws: expected) { try olderBuild.migrate(connection) }
            #expect(throws: expected) { try olderBuild.appliedVersion(of: connection) }
            #expect(!connection.isInTransaction)
            try connection.close()

            #expect(try contents(of: file) == before)
            #expect(expected.description.contains("newer shesha-pool"))
            #expect(expected.description.contains(file.path()))
        }
    }

    @Test("a database of another program is refused with foreignDatabase, byte-identical and still not WAL")
    func foreignDatabaseRefused() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "other.db")
            do {
                let other = try Connection(path: file.path())
                try other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
                try other.execute("INSERT INTO notes (body) VALUES ('keep me')")
                try other.close()
            }
            let before = try contents(of: file)
            // Bytes 18 and 19 of the header are 1 for a rollback journal, 2 for WAL.
            #expect(Array(before[18...19]) == [1, 1])

            let connection = try Connection(path: file.path(), create: false)
            let migrator = try Migrator(Self.all)
            #expect(throws: MigrationError.foreignDatabase(path: file.path())) { try migrator.migrate(connection) }
            #expect(!connection.isInTransaction)
            try connection.close()

            #expect(try contents(of: file) == before)
            #expect(!fileExists(sibling(of: file, suffix: "-wal")))
            let check = try Connection(path: file.path(), create: false)
            defer { try? check.close() }
            #expect(try check.query("PRAGMA journal_mode") { try $0.string(0) } == ["delete"])
            #expect(try Self.tableNames(check) == ["notes"])
        }
    }

    @Test("a migration whose SQL fails is rolled back whole and not recorded")
    func failedMigrationRollsBack() async throws {
        try await withTestDatabase { db, _ throws in
            let broken = Migration(
                version: 2,
                name: "broken",
                sql: """
                    CREATE TABLE half_a (x INTEGER);
                    CREATE TABLE half_b (y INTEGER);
                    INSERT INTO pool (name) VALUES ('partial');
                    INSERT INTO no_such_table VALUES (1);
                    CREATE TABLE after_failure (z INTEGER);
                    """
            )
            let error = sqliteError { try Migrator([Self.initial, broken, Self.seed]).migrate(db) }
            #expect(error?.code == .SQLITE_ERROR)
            #expect(error?.message.contains("no such table: no_such_table") == true)
            #expect(error?.sql == broken.sql)

            #expect(!db.isInTransaction)
            #expect(try Self.tableNames(db) == ["pool", "schema_migration"])
            #expect(try db.scalarInt("SELECT count(*) FROM pool") == 0)
            #expect(try Self.recorded(db) == ["1 init"])
            #expect(try Migrator(Self.all).appliedVersion(of: db) == 1)

            #expect(try Migrator(Self.all).migrate(db) == 2, "A fixed build carries on from there")
            #expect(try Self.recorded(db) == ["1 init", "2 slots", "3 seed"])
        }
    }

    @Test("two connections migrating the same new file at once both succeed, and each migration runs once")
    func concurrentMigration() async throws {
        for round in 0..<20 {
            try await withTemporaryFolder { folder in
                let file = folder.appending(path: "state/pool.db")
                let results = Results()
                let start = DispatchSemaphore(value: 0)
                let group = DispatchGroup()
                for _ in 0..<2 {
                    group.enter()
                    Thread.detachNewThread {
                        defer { group.leave() }
                        start.wait()
                        do {
                            let connection = try Connection(
                                path: file.path(),
                                busyPolicy: .backoff(timeout: .seconds(20))
                            )
                            let applied = try Migrator(Self.all).migrate(connection)
                            try connection.close()
                            results.record(.success(applied))
                        } catch {
                            results.record(.failure(error))
                        }
                    }
                }
                start.signal()
                start.signal()
                group.wait()

                let outcomes = results.all
                #expect(outcomes.count == 2)
                #expect(outcomes.compactMap(\.failure).isEmpty, "round \(round): \(outcomes)")
                #expect(outcomes.compactMap(\.applied).reduce(0, +) == 3, "round \(round): \(outcomes)")

                let check = try Connection(path: file.path(), create: false)
                defer { try? check.close() }
                #expect(try Self.recorded(check) == ["1 init", "2 slots", "3 seed"])
                #expect(try check.query("SELECT name FROM pool") { try $0.string(0) } == ["default"])
                #expect(try check.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])
            }
        }
    }
}

/// What each migrating thread reported.
private final class Results: Sendable {
    enum Outcome: Sendable, CustomStringConvertible {
        case success(Int)
        case failure(String)

        var applied: Int? {
            if case .success(let count) = self { count } else { nil }
        }
        var failure: String? {
            if case .failure(let text) = self { text } else { nil }
        }
        var description: String {
            switch self {
            case .success(let count): "applied \(count)"
            case .failure(let text): "failed: \(text)"
            }
        }
    }

    private let outcomes = Mutex<[Outcome]>([])

    func record(_ result: Result<Int, any Error>) {
        let outcome: Outcome
        switch result {
        case .success(let count): outcome = .success(count)
        case .failure(let error): outcome = .failure("\(error)")
        }
        outcomes.withLock { $0.append(outcome) }
    }

    var all: [Outcome] { outcomes.withLock { $0 } }
}
