import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// Waiters in real `pool-stress-worker` processes sleep on the gate's wake-up word and are woken by a
/// release in another process, in the order they queued.
@Suite("Waiting woken by other processes")
struct WakeUpWaitTests {
    /// A safety poll so long that a waiter that gets its slot within the test's deadline was woken.
    static let noSafetyPoll = "600000"

    private struct Site {
        let folder: URL
        let database: String
        let pool: Pool

        init(folder: URL) async throws {
            self.folder = folder
            database = folder.appending(path: "pool.db").path(percentEncoded: false)
            let ledger = try SQLiteLedger(path: database)
            try await ledger.createPool(
                PoolDefinition(
                    name: "stress", kind: "folder", slotFolder: folder.appending(path: "slots").path(),
                    maxSize: 1, onExhausted: .wait
                )
            )
            pool = Pool(name: "stress", ledger: ledger, backend: FolderBackend())
        }

        func startWaiter(_ holder: String, safetyPollMilliseconds: String = noSafetyPoll) throws -> ChildProcess {
            try ChildProcess(
                executable: try builtExecutable(named: "pool-stress-worker"),
                arguments: [
                    "take-turn", "--db", database, "--pool", "stress", "--holder", holder,
                    "--safety-poll-ms", safetyPollMilliseconds,
                ],
                outputFolder: folder
            )
        }

        /// The holders in the wait queue, first come first.
        func queue() throws -> [String] {
            let connection = try Connection(path: database, create: false)
            defer { try? connection.close() }
            return try connection.query("SELECT holder FROM waiter ORDER BY id") { try $0.string(0) }
        }

        /// Returns once `count` holders are queued, in any order.
        func waitUntilQueue(count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while case let queued = try queue(), queued.count < count {
                try #require(ContinuousClock.now < deadline, "only \(queued.count) of \(count) queued")
                try await Task.sleep(for: .milliseconds(5))
            }
        }

        /// Returns once the queue is `holders` (each child records itself in its first acquire).
        func waitUntilQueue(is holders: [String]) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while case let queued = try queue(), queued != holders {
                try #require(ContinuousClock.now < deadline, "the queue is \(queued), not \(holders)")
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// The token the waiter got, once it has taken its turn and exited.
    private func acquiredToken(_ child: ChildProcess) async throws -> Int64 {
        #expect(try await child.waitForExit(timeout: .seconds(60)) == 0, "waiter failed: \(child.stderr)")
        let words = child.stdout.split(whereSeparator: \.isWhitespace)
        try #require(words.first == "ACQUIRED", "unexpected output: \(child.stdout)")
        return try #require(words.last.flatMap { Int64($0) })
    }

    @Test("waiters in other processes are woken by a release, and served first come, first served")
    func releaseWakesWaitersInOrder() async throws {
        try await withTemporaryFolder { folder in
            let site = try await Site(folder: folder)
            let held = try await site.pool.acquire(holder: "holder")
            var waiters: [ChildProcess] = []
            defer { waiters.forEach { $0.kill(signal: SIGKILL) } }
            var names: [String] = []
            for name in ["first", "second", "third"] {
                waiters.append(try site.startWaiter(name))
                names.append(name)
                try await site.waitUntilQueue(is: names)
            }

            try await site.pool.release(held)
            var tokens: [Int64] = []
            for waiter in waiters {
                tokens.append(try await acquiredToken(waiter))
            }
            #expect(tokens == tokens.sorted(), "served out of order: \(tokens)")
            #expect(tokens.first.map { $0 > held.token.rawValue } == true)
            #expect(try site.queue().isEmpty)
        }
    }

    @Test("more waiters than cores in one process each get their turn, woken by releases alone")
    func manyWaitersInOneProcess() async throws {
        try await withTemporaryFolder { folder in
            let site = try await Site(folder: folder)
            let pool = Pool(
                name: "stress", ledger: site.pool.ledger, backend: FolderBackend(),
                waitStrategy: .wakeUp(safetyPoll: .seconds(600))
            )
            let held = try await pool.acquire(holder: "holder")
            let tokens = try await withThrowingTaskGroup(of: FencingToken.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        // Within 60 s only if woken: the safety poll would come after 600.
                        let lease = try await pool.acquire(holder: "waiter-\(index)", wait: .seconds(60))
                        try await pool.release(lease)
                        return lease.token
                    }
                }
                try await site.waitUntilQueue(count: 8)
                try await pool.release(held)
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(tokens).count == 8)
        }
    }

    @Test("a waiter that dies is dropped from the queue, and the one behind it is served")
    func deadWaiterIsDropped() async throws {
        try await withTemporaryFolder { folder in
            let site = try await Site(folder: folder)
            let held = try await site.pool.acquire(holder: "holder")
            let doomed = try site.startWaiter("doomed")
            defer { doomed.kill(signal: SIGKILL) }
            try await site.waitUntilQueue(is: ["doomed"])
            doomed.kill(signal: SIGKILL)
            #expect(try await doomed.waitForExit() == 128 + SIGKILL)
            // The next waiter's first try, finding the pool exhausted, reclaims and drops the dead one.
            let next = try site.startWaiter("next")
            defer { next.kill(signal: SIGKILL) }
            try await site.waitUntilQueue(is: ["next"])

            try await site.pool.release(held)
            #expect(try await acquiredToken(next) > held.token.rawValue)
            #expect(try site.queue().isEmpty)
        }
    }
}
