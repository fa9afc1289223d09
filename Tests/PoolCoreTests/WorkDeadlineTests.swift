import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// Slow work records by when it must end, in the transaction that claims the slot; `inspect` tells work
/// past that deadline under a live worker from work whose worker died.
@Suite("work deadlines")
struct WorkDeadlineTests {
    static let timeouts = WorkTimeouts(create: .seconds(10), reset: .seconds(20), destroy: .seconds(30))

    func makePool(_ fixture: LedgerFixture) async throws {
        try await fixture.ledger.createPool(
            PoolDefinition(
                name: "p",
                kind: "folder",
                slotFolder: fixture.slotFolder(of: "p"),
                maxSize: 2,
                onExhausted: .fail,
                workTimeouts: Self.timeouts
            )
        )
    }

    @Test("each claim records now plus the pool's limit for its work; leaving the state clears it")
    func claimsRecordDeadlines() async throws {
        try await withLedger { fixture in
            try await makePool(fixture)
            #expect(try await fixture.ledger.pool(named: "p").workTimeouts == Self.timeouts)
            let start = fixture.clock.now()
            let slot = try #require(
                try await fixture.ledger.reserveSlots(pool: "p", count: 1, beyondMaximum: false, worker: .current).first
            )
            #expect(slot.workDeadline == start + .seconds(10))

            try await fixture.ledger.finishCreate(slot, worker: .current, duration: .seconds(1))
            #expect(try await fixture.ledger.slots(pool: "p").first?.workDeadline == nil)

            fixture.clock.advance(by: .seconds(100))
            let lease = try await fixture.acquireReady("h")
            let released = try await fixture.ledger.release(lease.token, resetBy: .current)
            #expect(released.state == .resetting)
            #expect(released.workDeadline == fixture.clock.now() + .seconds(20))
            try await fixture.ledger.finishReset(released, worker: .current, error: nil, duration: .seconds(1))

            fixture.clock.advance(by: .seconds(100))
            let claimed = try await fixture.ledger.claimForDestroy(pool: "p", selection: .allUnleased, worker: .current)
            #expect(claimed.map(\.workDeadline) == [fixture.clock.now() + .seconds(30)])
        }
    }

    @Test("a pool without limits records no deadline")
    func noLimitsNoDeadline() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try #require(
                try await fixture.ledger.reserveSlots(pool: "p", count: 1, beyondMaximum: false, worker: .current).first
            )
            #expect(slot.workDeadline == nil)
            fixture.clock.advance(by: .seconds(86_400))
            #expect(try await fixture.ledger.inspect(pool: "p").overdueSlots.isEmpty)
        }
    }

    @Test("work of a live worker is overdue only past its deadline, and can then be taken over as broken")
    func overdueUnderLiveWorker() async throws {
        try await withLedger { fixture in
            try await makePool(fixture)
            let slot = try #require(
                try await fixture.ledger.reserveSlots(pool: "p", count: 1, beyondMaximum: false, worker: .current).first
            )
            fixture.clock.advance(by: .seconds(9))
            #expect(try await fixture.ledger.inspect(pool: "p").overdueSlots.isEmpty)
            #expect(try await !fixture.ledger.takeOverOverdueWork(slot, error: "too early"))

            fixture.clock.advance(by: .seconds(1))
            let findings = try await fixture.ledger.inspect(pool: "p")
            #expect(findings.overdueSlots.map(\.id) == [slot.id])
            #expect(findings.stuckSlots.isEmpty, "its worker (this process) is alive")

            #expect(try await fixture.ledger.takeOverOverdueWork(slot, error: "stopped by doctor"))
            let taken = try #require(try await fixture.ledger.slots(pool: "p").first)
            #expect(taken.state == .broken)
            #expect(taken.error == "stopped by doctor")
            #expect(taken.workDeadline == nil)
            #expect(try await !fixture.ledger.takeOverOverdueWork(slot, error: "again"))
            // The worker, when it comes back, finds its work taken over.
            await #expect(throws: PoolError.workTakenOver(slot: slot.name)) {
                try await fixture.ledger.finishCreate(slot, worker: .current, duration: .seconds(1))
            }
        }
    }

    @Test("a worktree pool made before deadlines existed gets the default limits")
    func oldWorktreePoolsGetDefaults() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appending(path: "pool.db").path(percentEncoded: false)
            do {
                let connection = try Connection(path: path, create: true)
                let first = try #require(try SQLiteLedger.embeddedMigrations().first)
                _ = try Migrator([first]).migrate(connection)
                try connection.execute(
                    """
                    INSERT INTO pool (name, kind, slot_folder, max_size, on_exhausted, config, created_at)
                    VALUES ('w', 'worktree', '/tmp/w', 2, 'wait', ?, 0), ('f', 'folder', '/tmp/f', 2, 'wait', '{}', 0)
                    """,
                    [
                        #"{"repository":"/r","baseRef":"HEAD","baseCommit":"abc","setup":["a","b"],"cleanIgnored":false,"lockfiles":["x"]}"#
                    ]
                )
                try connection.close()
            }
            let ledger = try SQLiteLedger(path: path)
            // git 10m and setup 30m, each with 5 s from SIGTERM to SIGKILL.
            let git = Duration.seconds(605)
            let setup = Duration.seconds(1_805)
            #expect(
                try await ledger.pool(named: "w").workTimeouts
                    == WorkTimeouts(create: git + setup * 2, reset: git * 8 + setup * 2, destroy: git * 2)
            )
            #expect(try await ledger.pool(named: "f").workTimeouts == nil)
        }
    }
}
