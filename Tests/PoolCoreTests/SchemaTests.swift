import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// The schema: embedded at build time from Migrations/, applied on open, and never applied to a file
/// that is not ours or is newer than this build.
@Suite("Schema")
struct SchemaTests {
    /// The package root: this file is Tests/PoolCoreTests/SchemaTests.swift.
    static let packageRoot = URL(filePath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every Migrations/*.sql, by file name, with its exact text.
    static func migrationFiles() throws -> [(name: String, sql: String)] {
        let folder = packageRoot.appending(path: "Migrations", directoryHint: .isDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map { name in
            (name, try String(contentsOf: folder.appending(path: name), encoding: .utf8))
        }
    }

    @Test("the embedded migrations equal the files in Migrations/, name for name and byte for byte")
    func embeddedEqualsFiles() throws {
        let files = try Self.migrationFiles()
        try #require(!files.isEmpty, "no migrations found under \(Self.packageRoot.path())")
        let embedded = try SQLiteLedger.embeddedMigrations()
        #expect(embedded.count == files.count)
        for (migration, file) in zip(embedded, files) {
            let fileName =
                String(repeating: "0", count: max(0, 4 - String(migration.version).count))
                + "\(migration.version)_\(migration.name).sql"
            #expect(fileName == file.name)
            #expect(migration.sql == file.sql, "\(file.name) differs from its embedded copy")
            #expect(Array(migration.sql.utf8) == Array(file.sql.utf8))
        }
    }

    @Test("every migration file parses, and versions are unique and increasing")
    func filesParse() throws {
        let files = try Self.migrationFiles()
        let migrations = try files.map { try Migration(fileName: $0.name, sql: $0.sql) }
        let versions = migrations.map(\.version)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
        #expect(versions.first == 1)
        _ = try Migrator(migrations)
    }

    @Test("a new database records the latest schema version")
    func newDatabaseIsMigrated() async throws {
        try await withLedger { fixture in
            let latest = try #require(try SQLiteLedger.embeddedMigrations().last?.version)
            #expect(try fixture.rowCount("SELECT max(version) FROM schema_migration") == latest)
            // Opening again applies nothing and keeps the data.
            try await fixture.makePool()
            let again = try SQLiteLedger(path: fixture.databasePath, clock: fixture.clock)
            #expect(try await again.poolNames() == ["p"])
            // One row per migration (version numbers may skip).
            let count = try SQLiteLedger.embeddedMigrations().count
            #expect(try fixture.rowCount("SELECT count(*) FROM schema_migration") == count)
        }
    }

    @Test("a database from a newer build is refused with newerSchema and left byte-identical")
    func newerSchemaRefused() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appending(path: "pool.db").path(percentEncoded: false)
            do {
                let ledger = try SQLiteLedger(path: path)
                try await ledger.createPool(PoolDefinition(name: "p", kind: "folder", slotFolder: "/tmp/x", maxSize: 1))
            }
            do {
                let connection = try Connection(path: path, create: false)
                try connection.execute("INSERT INTO schema_migration (version, name) VALUES (999, 'from_the_future')")
                try connection.close()
            }
            let before = try Data(contentsOf: URL(filePath: path))
            let known = try #require(try SQLiteLedger.embeddedMigrations().last?.version)

            #expect(throws: MigrationError.newerSchema(path: path, found: 999, known: known)) {
                _ = try SQLiteLedger(path: path)
            }
            #expect(try Data(contentsOf: URL(filePath: path)) == before)
        }
    }

    @Test("a text file is refused and left unchanged")
    func textFileRefused() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appending(path: "notes.txt")
            let text = Data("These are my notes, not a database.\n".utf8)
            try text.write(to: url)
            let error = #expect(throws: SQLiteError.self) {
                _ = try SQLiteLedger(path: url.path(percentEncoded: false))
            }
            #expect(error?.code == .SQLITE_NOTADB)
            #expect(try Data(contentsOf: url) == text)
        }
    }

    @Test("another program's SQLite database is refused and left unchanged")
    func foreignDatabaseRefused() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appending(path: "other.db").path(percentEncoded: false)
            do {
                let connection = try Connection(path: path)
                try connection.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
                try connection.execute("INSERT INTO contacts VALUES ('Ada', '555-0100')")
                try connection.close()
            }
            let before = try Data(contentsOf: URL(filePath: path))
            #expect(throws: MigrationError.foreignDatabase(path: path)) { _ = try SQLiteLedger(path: path) }
            #expect(try Data(contentsOf: URL(filePath: path)) == before)
            let connection = try Connection(path: path, create: false)
            defer { try? connection.close() }
            let mode = try connection.query("PRAGMA journal_mode") { try $0.string(0) }.first
            #expect(mode == "delete", "the refused database's journal mode was changed")
        }
    }

    @Test("a database created by the ledger uses the WAL journal")
    func walJournal() async throws {
        try await withLedger { fixture in
            let connection = try Connection(path: fixture.databasePath, create: false)
            defer { try? connection.close() }
            let mode = try connection.query("PRAGMA journal_mode") { try $0.string(0) }.first
            #expect(mode == "wal")
        }
    }

    @Test("the database file is readable by its owner only, and a new folder for it too")
    func ownerOnlyPermissions() async throws {
        try await withTemporaryFolder { folder in
            let nested = folder.appending(path: "state/shesha-pool", directoryHint: .isDirectory)
            let path = nested.appending(path: "pool.db").path(percentEncoded: false)
            _ = try SQLiteLedger(path: path)
            let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(fileMode == 0o600)
            let folderMode =
                try FileManager.default
                .attributesOfItem(atPath: nested.path(percentEncoded: false))[.posixPermissions] as? Int
            #expect(folderMode == 0o700)
        }
    }

    @Test("the fencing token counter starts at zero, so the first token is 1")
    func firstToken() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            #expect(try await fixture.acquireReady("a").token == FencingToken(rawValue: 1))
        }
    }

    @Test("the schema enforces the slot states and the worker rule")
    func schemaConstraints() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let connection = try Connection(path: fixture.databasePath, create: false)
            defer { try? connection.close() }
            let badState = #expect(throws: SQLiteError.self) {
                try connection.execute("UPDATE slot SET state = 'sleeping'")
            }
            #expect(badState?.code == .SQLITE_CONSTRAINT_CHECK)
            // An intermediate state without a worker is refused.
            let noWorker = #expect(throws: SQLiteError.self) {
                try connection.execute("UPDATE slot SET state = 'creating'")
            }
            #expect(noWorker?.code == .SQLITE_CONSTRAINT_CHECK)
            #expect(try await fixture.ledger.slots(pool: "p").map(\.state) == [.idle])
        }
    }

    @Test("lease_by_branch leaves out leases without a branch, and still refuses a branch twice in a pool")
    func partialBranchIndex() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(2)
            _ = try await fixture.acquireReady("a")
            _ = try await fixture.acquireReady("b")
            let connection = try Connection(path: fixture.databasePath, create: false)
            defer { try? connection.close() }
            let partial = try connection.query("SELECT name FROM pragma_index_list('lease') WHERE partial = 1") {
                try $0.string(0)
            }
            #expect(partial == ["lease_by_branch"])
            try connection.execute("UPDATE lease SET branch = 'feature' WHERE holder = 'a'")
            let twice = #expect(throws: SQLiteError.self) {
                try connection.execute("UPDATE lease SET branch = 'feature' WHERE holder = 'b'")
            }
            #expect(twice?.code == .SQLITE_CONSTRAINT_UNIQUE)
        }
    }
}
