import Foundation
import PoolTesting
import SheshaSQLite
import SheshaSystem
import Testing

@Suite("Connection")
struct ConnectionTests {
    @Test("open creates missing folders with mode 0700 and the file with mode 0600")
    func createsOwnerOnlyFolderAndFile() async throws {
        try await withTemporaryFolder { folder in
            let outer = folder.appending(path: "state")
            let inner = outer.appending(path: "shesha")
            let file = inner.appending(path: "pool.db")
            let connection = try Connection(path: file.path())
            defer { try? connection.close() }

            #expect(try permissions(of: outer.path()) == 0o700)
            #expect(try permissions(of: inner.path()) == 0o700)
            #expect(try permissions(of: file.path()) == 0o600)
        }
    }

    @Test("the -wal and -shm files of a WAL database are owner-only too")
    func walFilesAreOwnerOnly() async throws {
        try await withTestDatabase { db, file in
            try db.enableWAL()
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.execute("INSERT INTO t VALUES (1)")

            let wal = sibling(of: file, suffix: "-wal")
            let shm = sibling(of: file, suffix: "-shm")
            #expect(fileExists(wal))
            #expect(try permissions(of: wal.path()) == 0o600)
            #expect(try permissions(of: shm.path()) == 0o600)
        }
    }

    @Test("open with create: false refuses a missing file and creates nothing")
    func openWithoutCreateRefusesMissingFile() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "missing/none.db")
            let error = sqliteError { try Connection(path: file.path(), create: false) }
            #expect(error.map { ResultCode.SQLITE_CANTOPEN ~= $0.code } == true)
            #expect(!fileExists(file))
            #expect(!fileExists(file.deletingLastPathComponent()))
        }
    }

    @Test("open reports a folder that cannot be created")
    func openReportsUncreatableFolder() async throws {
        try await withTemporaryFolder { folder in
            let blocker = folder.appending(path: "not-a-folder")
            try Data("plain file".utf8).write(to: blocker)
            let path = blocker.appending(path: "sub/test.db").path(percentEncoded: false)
            let folder = blocker.path(percentEncoded: false) + "/sub"
            #expect(throws: SystemError(call: "mkdir", path: folder, code: ENOTDIR)) {
                try Connection(path: path)
            }
        }
    }

    @Test("open leaves the permissions of an existing file alone and keeps its data")
    func openExistingFileKeepsData() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "test.db")
            do {
                let first = try Connection(path: file.path())
                try first.execute("CREATE TABLE t (x INTEGER)")
                try first.execute("INSERT INTO t VALUES (42)")
                try first.close()
            }
            let second = try Connection(path: file.path())
            defer { try? second.close() }
            #expect(try second.scalarInt("SELECT x FROM t") == 42)
            #expect(try permissions(of: file.path()) == 0o600)
        }
    }

    @Test("enableWAL switches the journal mode to wal, and it persists in the file")
    func enableWALSwitchesJournalMode() async throws {
        try await withTestDatabase { db, file in
            #expect(try db.query("PRAGMA journal_mode") { try $0.string(0) } == ["delete"])
            try db.enableWAL()
            #expect(try db.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])

            let other = try Connection(path: file.path(), create: false)
            defer { try? other.close() }
            #expect(try other.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])
        }
    }

    @Test("open turns foreign keys on and sets synchronous to NORMAL")
    func openConfiguresPragmas() async throws {
        try await withTestDatabase { db, _ in
            #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
            #expect(try db.scalarInt("PRAGMA synchronous") == 1)
            try db.enableWAL()
            #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
            #expect(try db.scalarInt("PRAGMA synchronous") == 1)
        }
    }

    @Test("foreign keys are enforced")
    func foreignKeysAreEnforced() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            try db.execute("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id))")
            let error = sqliteError { try db.execute("INSERT INTO child (parent_id) VALUES (?)", [7]) }
            #expect(error?.code == .SQLITE_CONSTRAINT_FOREIGNKEY)
            #expect(try db.scalarInt("SELECT count(*) FROM child") == 0)
        }
    }

    @Test("defensive mode forbids writing the schema table directly")
    func defensiveModeProtectsSchema() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.execute("PRAGMA writable_schema = ON")
            let error = sqliteError {
                try db.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t (y)' WHERE name = 't'")
            }
            #expect(error.map { ResultCode.SQLITE_ERROR ~= $0.code } == true)
            #expect(
                try db.queryFirst("SELECT sql FROM sqlite_master WHERE name = 't'") { try $0.string(0) }
                    == "CREATE TABLE t (x INTEGER)"
            )
        }
    }

    @Test("close refuses with SQLITE_BUSY while a statement is alive, and the connection stays usable")
    func closeWithLiveStatementIsBusy() async throws {
        try await withTemporaryFolder { folder in
            let connection = try Connection(path: folder.appending(path: "test.db").path())
            var statement: Statement? = try connection.cachedStatement("SELECT 1")
            try withExtendedLifetime(statement) { () throws in
                let error = sqliteError { try connection.close() }
                #expect(error?.code == .SQLITE_BUSY)
                #expect(error?.message.contains("unfinalized statements") == true)
                #expect(try connection.scalarInt("SELECT 2") == 2, "The refused close left the handle open")
            }
            statement = nil
            try connection.close()
            // A second close is a no-op.
            try connection.close()
        }
    }

    @Test("a statement keeps working after its connection is released")
    func statementOutlivesConnection() async throws {
        try await withTemporaryFolder { folder in
            func makeStatement() throws -> Statement {
                let connection = try Connection(path: folder.appending(path: "test.db").path())
                try connection.execute("CREATE TABLE t (x INTEGER)")
                try connection.execute("INSERT INTO t VALUES (5)")
                return try connection.cachedStatement("SELECT x FROM t")
            }
            let statement = try makeStatement()
            try statement.bind([])
            #expect(try statement.step())
            #expect(try !statement.step())
        }
    }

    @Test("execute returns the number of changed rows and lastInsertRowID the new row's id")
    func executeReportsChanges() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
            #expect(try db.execute("INSERT INTO t (x) VALUES (?)", [10]) == 1)
            #expect(db.lastInsertRowID == 1)
            #expect(try db.execute("INSERT INTO t (x) VALUES (?), (?)", [20, 30]) == 2)
            #expect(db.lastInsertRowID == 3)
            #expect(try db.execute("UPDATE t SET x = x + 1 WHERE x >= ?", [20]) == 2)
            #expect(try db.execute("DELETE FROM t WHERE x > ?", [1_000]) == 0)
        }
    }

    @Test("the same SQL reuses one prepared statement")
    func cachedStatementIsReused() async throws {
        try await withTestDatabase { db, _ in
            let first = try db.cachedStatement("SELECT 1")
            let second = try db.cachedStatement("SELECT 1")
            let other = try db.cachedStatement("SELECT 2")
            #expect(first === second)
            #expect(first !== other)
        }
    }

    @Test("executeScript runs every statement of a script")
    func executeScriptRunsAllStatements() async throws {
        try await withTestDatabase { db, _ in
            try db.executeScript(
                """
                CREATE TABLE a (x INTEGER);
                CREATE TABLE b (y INTEGER);
                INSERT INTO a VALUES (1);
                INSERT INTO b VALUES (2);
                """
            )
            #expect(try db.scalarInt("SELECT (SELECT x FROM a) + (SELECT y FROM b)") == 3)
        }
    }

    @Test("executeScript stops at the first failing statement and reports it")
    func executeScriptReportsFailure() async throws {
        try await withTestDatabase { db, _ throws in
            let script = "CREATE TABLE a (x INTEGER); INSERT INTO missing VALUES (1); CREATE TABLE b (y INTEGER);"
            let error = sqliteError { try db.executeScript(script) }
            #expect(error?.code == .SQLITE_ERROR)
            #expect(error?.message.contains("no such table: missing") == true)
            #expect(error?.sql == script)
            #expect(
                try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'a'") == 1,
                "Without a transaction, statements before the failure stay; none after it ran"
            )
            #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0)
        }
    }
}
