import Foundation
import PoolCore
import PoolTesting
import Testing

/// Leases whose owner process is gone are reclaimed by the next acquire on an exhausted pool. "Gone" is
/// judged by the whole identity, so a recycled pid does not pass for the original owner.
@Suite("Dead owner reclaim")
struct DeadOwnerReclaimTests {
    static let deadOwners: [(String, ProcessIdentity)] = [
        ("recycled pid", DeadProcess.recycledPID),
        ("previous boot", DeadProcess.previousBoot),
    ]

    @Test("a lease of a dead owner is reclaimed by the next acquire on an exhausted pool", arguments: deadOwners)
    func deadOwnerReclaimed(label: String, owner: ProcessIdentity) async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            let dead = try await fixture.acquireReady("a", owner: owner)
            #expect(dead.owner == owner)

            let outcome = try await fixture.ledger.acquire(fixture.request("b"))
            let claim = try #require(outcome.grant.resetClaim, "\(label): expected a's slot, got \(outcome.grant)")
            #expect(claim.lease.slotID == dead.slotID)
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            #expect(try await fixture.ledger.leases(pool: "p").map(\.holder) == ["b"])

            let reclaims = try await fixture.events(.reclaim)
            #expect(reclaims.map(\.holder) == ["a"])
            #expect(reclaims.map(\.token) == [dead.token])
            #expect(reclaims.first?.detail?.contains("died") == true)
            #expect(try await fixture.events(.exhausted).isEmpty)
            await #expect(throws: PoolError.leaseLost(dead.token)) { try await fixture.ledger.release(dead.token) }
        }
    }

    @Test("a lease owned by this (running) process is not reclaimed")
    func liveOwnerKept() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            let live = try await fixture.acquireReady("a", owner: .current)
            let outcome = try await fixture.ledger.acquire(fixture.request("b"))
            #expect(outcome.grant.exhaustion != nil, "got \(outcome.grant)")
            #expect(try await fixture.ledger.leases(pool: "p") == [live])
            #expect(try await fixture.events(.reclaim).isEmpty)
        }
    }

    @Test("a lease owned by a process on another host is not reclaimed (it cannot be checked from here)")
    func otherHostKept() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            var remote = DeadProcess.recycledPID
            remote.host = "some-other-host.invalid"
            let lease = try await fixture.acquireReady("a", owner: remote)
            let outcome = try await fixture.ledger.acquire(fixture.request("b"))
            #expect(outcome.grant.exhaustion != nil, "got \(outcome.grant)")
            #expect(try await fixture.ledger.leases(pool: "p") == [lease])
        }
    }

    @Test("a pool that is not exhausted leaves a dead owner's lease alone until someone looks")
    func noReclaimWhileSlotsRemain() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2, onExhausted: .fail)
            try await fixture.makeIdleSlots(2)
            let dead = try await fixture.acquireReady("a", owner: DeadProcess.recycledPID)
            let other = try await fixture.acquireReady("b")
            #expect(other.slotID != dead.slotID)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == dead)
            // An explicit reclaim ends it.
            let report = try await fixture.ledger.reclaim(pool: "p", worker: .current)
            #expect(report.reclaimedLeases == [dead])
            #expect(try await fixture.slot(id: dead.slotID)?.state == .dirty)
        }
    }

    @Test("Pool.acquire takes over a recycled-pid owner's slot, reset and at the same path")
    func poolTakesOverDeadOwnersSlot() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let dead = try await pool.acquire(holder: "a", owner: DeadProcess.recycledPID)
            try Data("left behind".utf8).write(to: URL(filePath: dead.path).appending(path: "scratch.txt"))
            let lease = try await pool.acquire(holder: "b")
            #expect(lease.path == dead.path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: lease.path).isEmpty)
        }
    }
}
