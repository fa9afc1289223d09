import Foundation
import PoolTesting
import SheshaSQLite
import Synchronization
import Testing

/// The write gate between threads of one process; between processes (and a holder that dies) in
/// PoolCoreTests' WriteGateProcessTests.
@Suite("Write gate")
struct WriteGateTests {
    @Test("the gate is a file beside the database, owner-only, shared by every opener")
    func gateFileIsShared() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            let first = try WriteGate(databasePath: database)
            let second = try WriteGate(databasePath: database)
            #expect(first.path == database + "-gate")
            let attributes = try FileManager.default.attributesOfItem(atPath: first.path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)

            #expect(first.tryLock())
            let takenElsewhere = Mutex<Bool?>(nil)
            let thread = Thread {
                takenElsewhere.withLock { $0 = second.tryLock() }
            }
            thread.start()
            while takenElsewhere.withLock({ $0 }) == nil { usleep(1_000) }
            #expect(takenElsewhere.withLock { $0 } == false, "a second opener sees the gate taken")
            first.unlock()
            #expect(second.tryLock(), "and free once unlocked")
            second.unlock()
        }
    }

    @Test("a waiter sleeps until the holder unlocks, then gets the gate")
    func waiterGetsGateOnUnlock() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            let holder = try WriteGate(databasePath: database)
            let waiter = try WriteGate(databasePath: database)
            #expect(holder.tryLock())

            let outcome = Mutex<Bool?>(nil)
            Thread.detachNewThread {
                let got = waiter.lock(timeout: .seconds(60))
                outcome.withLock { $0 = got }
                if got { waiter.unlock() }
            }
            usleep(200_000)
            #expect(outcome.withLock { $0 } == nil, "still waiting while the gate is held")
            holder.unlock()
            while outcome.withLock({ $0 }) == nil { usleep(1_000) }
            #expect(outcome.withLock { $0 } == true)
        }
    }

    @Test("a waiter gives up after its timeout while the gate stays taken")
    func waiterTimesOut() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            let holder = try WriteGate(databasePath: database)
            let waiter = try WriteGate(databasePath: database)
            #expect(holder.tryLock())
            defer { holder.unlock() }

            let result = Mutex<(Bool, Duration)?>(nil)
            Thread.detachNewThread {
                let clock = ContinuousClock()
                let start = clock.now
                let got = waiter.lock(timeout: .milliseconds(300))
                result.withLock { $0 = (got, clock.now - start) }
            }
            while result.withLock({ $0 }) == nil { usleep(1_000) }
            let (got, waited) = try #require(result.withLock { $0 })
            #expect(!got)
            #expect(waited >= .milliseconds(250), "gave up after \(waited)")
        }
    }

    @Test("a file that cannot be made is a clear error")
    func unwritableFolderIsAnError() async throws {
        let error = try #require(throws: SQLiteError.self) {
            _ = try WriteGate(databasePath: "/nonexistent-folder/test.db")
        }
        #expect(error.message.contains("/nonexistent-folder/test.db-gate"))
    }
}
