import Foundation
import PoolTesting
import SheshaSQLite
import SheshaSystem
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
            let takenElsewhere = OnAnotherThread { second.tryLock() }
            #expect(takenElsewhere.wait() == false, "a second opener sees the gate taken")
            first.unlock()
            #expect(second.tryLock(), "and free once unlocked")
            second.unlock()
        }
    }

    @Test("a gate file that cannot be made is a system error naming the call and the path")
    func gateCannotBeMade() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            // A folder where the gate file should be: open fails with EISDIR, as root too.
            try FileManager.default.createDirectory(atPath: database + "-gate", withIntermediateDirectories: false)
            #expect(throws: SystemError(call: "open", path: database + "-gate", code: EISDIR)) {
                try WriteGate(databasePath: database)
            }
            let error = SystemError(call: "open", path: database + "-gate", code: EISDIR)
            #expect(error.description == "open \(database)-gate failed: Is a directory")
        }
    }

    @Test("a waiter sleeps until the holder unlocks, then gets the gate")
    func waiterGetsGateOnUnlock() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            let holder = try WriteGate(databasePath: database)
            let waiter = try WriteGate(databasePath: database)
            #expect(holder.tryLock())

            let outcome = OnAnotherThread {
                let got = waiter.lock(timeout: .seconds(60))
                if got { waiter.unlock() }
                return got
            }
            usleep(200_000)
            #expect(outcome.result == nil, "still waiting while the gate is held")
            holder.unlock()
            #expect(outcome.wait() == true)
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

            let result = OnAnotherThread {
                let clock = ContinuousClock()
                let start = clock.now
                let got = waiter.lock(timeout: .milliseconds(300))
                return (got, clock.now - start)
            }
            let (got, waited) = result.wait()
            #expect(!got)
            #expect(waited >= .milliseconds(250), "gave up after \(waited)")
        }
    }

    @Test("a change announced through one opener wakes a sleeper on another; a change already made returns at once")
    func announcedChangeWakesSleeper() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "test.db").path(percentEncoded: false)
            let announcer = try WriteGate(databasePath: database)
            let sleeper = try WriteGate(databasePath: database)
            let seen = sleeper.changeCount
            // A timeout no test waits for: only the announcement can end this sleep in time.
            let woken = OnAnotherThread { sleeper.waitForChange(from: seen, timeout: .seconds(600)) }
            announcer.announceChange()
            #expect(woken.wait() == true)
            #expect(sleeper.changeCount != seen)
            #expect(sleeper.waitForChange(from: seen, timeout: .seconds(600)), "the count had already moved")
            #expect(!sleeper.waitForChange(from: sleeper.changeCount, timeout: .milliseconds(1)), "nothing new")
        }
    }

    @Test("a file that cannot be made is a clear error")
    func unwritableFolderIsAnError() async throws {
        #expect(throws: SystemError(call: "open", path: "/nonexistent-folder/test.db-gate", code: ENOENT)) {
            _ = try WriteGate(databasePath: "/nonexistent-folder/test.db")
        }
    }
}

/// Runs `body` on a thread of its own (a gate belongs to the thread that locked it) and hands back its result.
final class OnAnotherThread<T: Sendable>: Sendable {
    private let outcome = Mutex<T?>(nil)

    init(_ body: @escaping @Sendable () -> T) {
        Thread.detachNewThread {
            let value = body()
            self.outcome.withLock { $0 = value }
        }
    }

    /// The result, or nil while `body` runs.
    var result: T? { outcome.withLock { $0 } }

    func wait() -> T {
        while true {
            if let value = result { return value }
            usleep(1_000)
        }
    }
}
