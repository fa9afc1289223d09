import Foundation
import PoolTesting
import SheshaSQLite
import Testing

/// No test here reads the clock to judge: each holder keeps the lock longer than the outcome it rules out
/// would take (a `.fail` that waited would see the holder commit and succeed), so the outcome alone tells.
@Suite("Busy policies")
struct BusyPolicyTests {
    static let waitingPolicies: [BusyPolicy] = [
        .backoff(timeout: .milliseconds(200)),
        .sqliteDefault(timeout: .milliseconds(200)),
    ]

    @Test("the default policy waits with backoff, for 30 seconds")
    func defaultPolicy() {
        #expect(BusyPolicy.default == .backoff(timeout: .seconds(30)))
    }

    @Test(".fail returns SQLITE_BUSY at once while another connection holds the write lock")
    func failIsImmediate() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let holder = try WriteLockHolder(path: file.path())
            defer { holder.release() }
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: .fail)
            defer { try? waiter.close() }

            let error = try #require(throws: SQLiteError.self) {
                try waiter.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('waiter')") }
            }
            // Had it waited, it would have succeeded once the holder committed.
            #expect(ResultCode.SQLITE_BUSY ~= error.code)

            holder.release()
            try holder.waitUntilFinished()
            #expect(try waiter.query("SELECT note FROM lock_holder") { try $0.string(0) } == ["holder"])
        }
    }

    @Test("a waiting policy gives up with SQLITE_BUSY after its timeout, not before", arguments: waitingPolicies)
    func waitingPolicyTimesOut(policy: BusyPolicy) async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let holder = try WriteLockHolder(path: file.path())
            defer { holder.release() }
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: policy)
            defer { try? waiter.close() }

            let (elapsed, result) = measure {
                try waiter.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('waiter')") }
            }
            // Gave up (had it waited for the holder's commit, the write would have succeeded), and not before
            // its timeout: a busy machine only makes the wait longer.
            let error = try #require(throws: SQLiteError.self) { try result.get() }
            #expect(ResultCode.SQLITE_BUSY ~= error.code)
            #expect(elapsed >= .milliseconds(150), "gave up after \(elapsed)")
            #expect(!waiter.isInTransaction)

            holder.release()
            try holder.waitUntilFinished()
        }
    }

    @Test(
        "a waiting policy gets the lock once another connection commits",
        arguments: [
            BusyPolicy.backoff(timeout: .seconds(120)),
            BusyPolicy.sqliteDefault(timeout: .seconds(120)),
        ]
    )
    func waitingPolicySucceedsAfterRelease(policy: BusyPolicy) async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let holder = try WriteLockHolder(path: file.path(), note: "holder", maximumHold: .milliseconds(100))
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: policy)
            defer { try? waiter.close() }

            let notes = try waiter.write { tx -> [String] in
                try tx.execute("INSERT INTO lock_holder (note) VALUES ('waiter')")
                return try tx.query("SELECT note FROM lock_holder ORDER BY id") { try $0.string(0) }
            }
            #expect(
                notes == ["holder", "waiter"],
                "The holder's row is visible inside the write: the waiter got the lock only after the commit"
            )
            try holder.waitUntilFinished()
        }
    }

    @Test("enableWAL waits within the busy policy while another connection writes in rollback mode")
    func enableWALWaitsForRollbackWriter() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder, wal: false)
            // The holder takes a RESERVED lock on the rollback-journal file and commits after ~100 ms.
            let holder = try WriteLockHolder(path: file.path(), maximumHold: .milliseconds(100))
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: .backoff(timeout: .seconds(10)))
            defer { try? waiter.close() }

            try waiter.enableWAL()
            try holder.waitUntilFinished()
            #expect(try waiter.query("PRAGMA journal_mode") { try $0.string(0) } == ["wal"])
            #expect(try waiter.query("SELECT note FROM lock_holder") { try $0.string(0) } == ["holder"])
        }
    }

    @Test("enableWAL with .fail gives up at once while another connection writes in rollback mode")
    func enableWALFailsFastForRollbackWriter() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder, wal: false)
            let holder = try WriteLockHolder(path: file.path())
            defer { holder.release() }
            let waiter = try Connection(path: file.path(), create: false, busyPolicy: .fail)
            defer { try? waiter.close() }

            // Had it waited, it would have succeeded once the holder committed.
            let error = try #require(throws: SQLiteError.self) { try waiter.enableWAL() }
            #expect(ResultCode.SQLITE_BUSY ~= error.code)
            holder.release()
            try holder.waitUntilFinished()
            #expect(try waiter.query("PRAGMA journal_mode") { try $0.string(0) } == ["delete"])
        }
    }

    @Test("a waiting policy also covers reads that meet a rollback-mode writer's exclusive lock")
    func waitingPolicyCoversReads() async throws {
        try await withTemporaryFolder { folder in
            // Rollback journal (no WAL): a writer committing takes an exclusive lock that blocks readers.
            let file = folder.appending(path: "test.db")
            do {
                let setup = try Connection(path: file.path())
                try setup.execute("CREATE TABLE lock_holder (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
                try setup.close()
            }
            let writer = try Connection(path: file.path(), create: false)
            let reader = try Connection(path: file.path(), create: false, busyPolicy: .fail)
            defer {
                try? writer.close()
                try? reader.close()
            }
            try writer.execute("BEGIN EXCLUSIVE")
            let error = sqliteError { try reader.scalarInt("SELECT count(*) FROM lock_holder") }
            #expect(error.map { ResultCode.SQLITE_BUSY ~= $0.code } == true)
            try writer.execute("COMMIT")
            #expect(try reader.scalarInt("SELECT count(*) FROM lock_holder") == 0)
        }
    }

    @Test("several waiters with backoff all get their turn")
    func severalWaitersAllSucceed() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let holder = try WriteLockHolder(path: file.path(), maximumHold: .milliseconds(100))
            let waiters = 4
            let rowsPerWaiter = 25
            let group = DispatchGroup()
            let failures = FailureLog()
            for index in 0..<waiters {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        let connection = try Connection(
                            path: file.path(),
                            create: false,
                            busyPolicy: .backoff(timeout: .seconds(20))
                        )
                        for row in 0..<rowsPerWaiter {
                            _ = try connection.write { tx in
                                try tx.execute("INSERT INTO lock_holder (note) VALUES (?)", ["w\(index)-\(row)"])
                            }
                        }
                        try connection.close()
                    } catch {
                        failures.append(error)
                    }
                }
            }
            group.wait()
            try holder.waitUntilFinished()
            #expect(failures.all.isEmpty, "\(failures.all)")

            let check = try Connection(path: file.path(), create: false)
            defer { try? check.close() }
            #expect(try check.scalarInt("SELECT count(*) FROM lock_holder") == Int64(1 + waiters * rowsPerWaiter))
        }
    }
}
