import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// Time-based decisions use a clock read inside the transaction that acts on them, not one read before the
/// call waited for the write lock (which can take about a minute under contention).
@Suite("Clock read inside the transaction")
struct TransactionClockTests {
    /// Holds the database's write lock on a second connection while `call` starts, waits until the call is
    /// queued behind it, checks that the call has not read the clock yet, moves the clock by `advance`,
    /// then lets the call through and returns its result.
    private func callQueuedBehindAnotherWriter<T: Sendable>(
        _ fixture: LedgerFixture,
        advance: Duration,
        _ call: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let other = try Connection(path: fixture.databasePath, create: false)
        defer { try? other.close() }
        try other.execute("BEGIN IMMEDIATE")
        let waitedBefore = fixture.ledger.writesThatWaited
        let readsBefore = fixture.clock.reads
        let task = Task { try await call() }
        // Bounds only a hang: the call registers as waiting as soon as it meets the lock.
        let deadline = ContinuousClock.now + .seconds(60)
        while fixture.ledger.writesThatWaited == waitedBefore {
            try #require(ContinuousClock.now < deadline, "the call never queued behind the lock")
            await Task.yield()
        }
        #expect(fixture.clock.reads == readsBefore, "the call read the clock before it had the lock")
        fixture.clock.advance(by: advance)
        try other.execute("COMMIT")
        return try await task.value
    }

    @Test("a TTL that runs out while reclaim waits for the lock is judged at the later time")
    func reclaimUsesTimeAfterTheWait() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a", ttl: .seconds(10))
            fixture.clock.advance(by: .seconds(9))

            let report = try await callQueuedBehindAnotherWriter(fixture, advance: .seconds(2)) {
                try await fixture.ledger.reclaim(pool: "p", worker: .current)
            }
            #expect(report.reclaimedLeases.map(\.token) == [lease.token])
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == nil)
        }
    }

    @Test("a release that waited for the lock records the time it took effect")
    func releaseRecordsTimeAfterTheWait() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")

            _ = try await callQueuedBehindAnotherWriter(fixture, advance: .seconds(30)) {
                try await fixture.ledger.release(lease.token)
            }
            let release = try #require(try await fixture.events(.release).last)
            #expect(release.at == fixture.clock.now())
            #expect(release.duration == .seconds(30))
        }
    }

    @Test("retiring by idle time measures the age when the retirement runs")
    func retirementUsesTimeAfterTheWait() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            fixture.clock.advance(by: .seconds(50))

            // Unused for 50 s when the call starts, 70 s when it runs: over the 60 s limit only then.
            let claimed = try await callQueuedBehindAnotherWriter(fixture, advance: .seconds(20)) {
                try await fixture.ledger.claimForDestroy(
                    pool: "p",
                    selection: .retire(olderThan: nil, unusedFor: .seconds(60), includeBroken: false),
                    worker: .current
                )
            }
            #expect(claimed.count == 1)
        }
    }
}
