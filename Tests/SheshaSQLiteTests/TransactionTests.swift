import Foundation
import PoolTesting
import SheshaSQLite
import Testing

@Suite("Transactions")
struct TransactionTests {
    /// An error with an identity, to check that exactly the body's error comes out.
    struct BodyError: Error, Equatable {
        let id = UUID()
    }

    @Test("write commits what its body did and returns the body's result")
    func writeCommits() async throws {
        try await withTestDatabase { db, file in
            try db.enableWAL()
            try db.execute("CREATE TABLE t (x INTEGER)")
            let result = try db.write { tx -> String in
                #expect(tx === db)
                #expect(tx.isInTransaction)
                try tx.execute("INSERT INTO t VALUES (1)")
                try tx.execute("INSERT INTO t VALUES (2)")
                return "done"
            }
            #expect(result == "done")
            #expect(!db.isInTransaction)

            // Committed: another connection sees both rows.
            let other = try Connection(path: file.path(), create: false)
            defer { try? other.close() }
            #expect(try other.scalarInt("SELECT sum(x) FROM t") == 3)
        }
    }

    @Test("an error thrown in write rolls everything back and comes out unchanged")
    func writeRollsBackOnError() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.execute("INSERT INTO t VALUES (1)")
            let thrown = BodyError()
            let caught = #expect(throws: BodyError.self) {
                try db.write { tx in
                    try tx.execute("INSERT INTO t VALUES (2)")
                    try tx.execute("UPDATE t SET x = x * 100")
                    try tx.execute("CREATE TABLE u (y INTEGER)")
                    throw thrown
                }
            }
            #expect(caught == thrown)
            #expect(!db.isInTransaction)
            #expect(try db.query("SELECT x FROM t") { $0.int(0) } == [1])
            #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'u'") == 0)
        }
    }

    @Test("a failing statement in write rolls back earlier statements and rethrows the SQLite error")
    func writeRollsBackOnSQLiteError() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER UNIQUE)")
            try db.execute("INSERT INTO t VALUES (1)")
            let error = sqliteError {
                try db.write { tx in
                    try tx.execute("INSERT INTO t VALUES (2)")
                    try tx.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error?.code == .SQLITE_CONSTRAINT_UNIQUE)
            #expect(error?.sql == "INSERT INTO t VALUES (1)")
            #expect(!db.isInTransaction)
            #expect(try db.query("SELECT x FROM t") { $0.int(0) } == [1])
        }
    }

    @Test("a COMMIT that fails rolls back and reports the commit's error")
    func failedCommitRollsBack() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            try db.execute(
                "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
            var bodyFinished = false
            let error = sqliteError {
                try db.write { tx in
                    // Deferred: accepted now, checked at COMMIT.
                    try tx.execute("INSERT INTO child VALUES (99)")
                    bodyFinished = true
                }
            }
            #expect(bodyFinished)
            #expect(error?.code == .SQLITE_CONSTRAINT_FOREIGNKEY)
            #expect(error?.sql == "COMMIT")
            #expect(!db.isInTransaction)
            #expect(try db.scalarInt("SELECT count(*) FROM child") == 0)
        }
    }

    @Test("transactions do not nest: an inner write or read throws SQLITE_MISUSE")
    func nestingIsMisuse() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER)")
            var innerRan = false
            let inner = sqliteError {
                try db.write { tx in
                    try tx.execute("INSERT INTO t VALUES (1)")
                    try tx.write { _ in innerRan = true }
                }
            }
            #expect(inner?.code == .SQLITE_MISUSE)
            #expect(!innerRan)
            #expect(
                try db.scalarInt("SELECT count(*) FROM t") == 0,
                "The outer write failed with the inner error, so its insert was rolled back"
            )

            let read = sqliteError { try db.write { tx in try tx.read { _ in innerRan = true } } }
            #expect(read?.code == .SQLITE_MISUSE)
            let write = sqliteError { try db.read { tx in try tx.write { _ in innerRan = true } } }
            #expect(write?.code == .SQLITE_MISUSE)
            #expect(!innerRan)
            #expect(!db.isInTransaction)

            // A transaction opened by hand counts too.
            try db.execute("BEGIN")
            #expect(sqliteError { try db.write { _ in innerRan = true } }?.code == .SQLITE_MISUSE)
            try db.execute("ROLLBACK")
            #expect(!innerRan)
        }
    }

    @Test("a caught inner misuse does not end the outer transaction")
    func caughtNestingKeepsOuterTransaction() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.write { tx in
                try tx.execute("INSERT INTO t VALUES (1)")
                #expect(throws: SQLiteError.self) { try tx.write { _ in } }
                #expect(tx.isInTransaction)
                try tx.execute("INSERT INTO t VALUES (2)")
            }
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 2)
        }
    }

    @Test("write begins IMMEDIATE: it fails before its body while another connection holds the write lock")
    func writeIsImmediate() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let holder = try Connection(path: file.path(), create: false)
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: .fail)
            defer {
                try? holder.close()
                try? waiter.close()
            }
            try holder.execute("BEGIN IMMEDIATE")

            var bodyRan = false
            let (elapsed, result) = measure { try waiter.write { _ in bodyRan = true } }
            let error = try #require(throws: SQLiteError.self) { try result.get() }
            #expect(ResultCode.SQLITE_BUSY ~= error.code)
            #expect(error.sql == "BEGIN IMMEDIATE")
            #expect(!bodyRan)
            #expect(!waiter.isInTransaction)
            // Far below any busy timeout: with .fail it did not wait for the holder, which never lets go here.
            #expect(elapsed < .seconds(60), "with .fail it must not wait for the holder, which never lets go here")

            // A deferred transaction, by contrast, starts fine and can read: it takes no lock until it writes.
            let count = try waiter.read { tx in try tx.scalarInt("SELECT count(*) FROM lock_holder") }
            #expect(count == 0)
            try waiter.execute("BEGIN DEFERRED")
            let deferredWrite = sqliteError { try waiter.execute("INSERT INTO lock_holder (note) VALUES ('w')") }
            #expect(deferredWrite.map { ResultCode.SQLITE_BUSY ~= $0.code } == true)
            try waiter.execute("ROLLBACK")

            try holder.execute("COMMIT")
            _ = try waiter.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('w')") }
            #expect(bodyRan == false)
            #expect(try holder.scalarInt("SELECT count(*) FROM lock_holder") == 1)
        }
    }

    @Test("read sees one snapshot even while another connection commits")
    func readIsOneSnapshot() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let reader = try Connection(path: file.path(), create: false)
            let writer = try Connection(path: file.path(), create: false)
            defer {
                try? reader.close()
                try? writer.close()
            }
            let counts = try reader.read { tx -> [Int64?] in
                let before = try tx.scalarInt("SELECT count(*) FROM lock_holder")
                try writer.execute("INSERT INTO lock_holder (note) VALUES ('w')")
                let after = try tx.scalarInt("SELECT count(*) FROM lock_holder")
                return [before, after]
            }
            #expect(counts == [0, 0])
            #expect(try reader.scalarInt("SELECT count(*) FROM lock_holder") == 1)
        }
    }
}
