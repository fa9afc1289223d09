import Foundation
import PoolCore
import PoolTesting
import Testing

/// Slots left in an intermediate state by a worker that died, recovered by `Pool.recover()` with real
/// folders. The dead worker is this process with a later start time (a recycled pid).
@Suite("Recovery of slots left by dead workers")
struct RecoveryTests {
    @Test("a slot left creating by a dead worker is removed, row and folder")
    func creatingByDeadWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: DeadProcess.recycledPID)
            // The worker got as far as making the folder and putting something in it.
            try await FolderBackend().create(slot)
            try Data("partial".utf8).write(to: URL(filePath: slot.path).appending(path: "partial.txt"))
            #expect(FileManager.default.fileExists(atPath: slot.path))

            let report = try await fixture.pool().recover()
            #expect(report.removedOrphans.map(\.id) == [slot.id])
            #expect(report.failures.isEmpty)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: slot.path))
            #expect(try await fixture.events(.recover).map(\.slotName) == [slot.name])
            #expect(try await fixture.events(.destroy).map(\.slotName) == [slot.name])
        }
    }

    @Test("a slot left creating by a dead worker before it made the folder is removed too")
    func creatingWithoutFolder() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: DeadProcess.previousBoot)
            let report = try await fixture.pool().recover()
            #expect(report.removedOrphans.map(\.id) == [slot.id])
            #expect(report.failures.isEmpty)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
        }
    }

    @Test("a slot being created for an acquirer that died is removed with its lease")
    func creatingForDeadAcquirer() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let dead = DeadProcess.recycledPID
            let outcome = try await fixture.ledger.acquire(fixture.request("a", owner: dead, worker: dead))
            let claim = try #require(outcome.grant.createClaim)
            try await FolderBackend().create(claim.slot)
            let report = try await fixture.pool().recover()
            #expect(report.removedOrphans.map(\.id) == [claim.slot.id])
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: claim.slot.path))
        }
    }

    @Test("a slot left resetting by a dead worker returns to dirty")
    func resettingByDeadWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let pool = fixture.pool()
            _ = try await pool.expand(by: 1)
            let lease = try await pool.acquire(holder: "a")
            try await pool.release(lease, reset: false)
            let claimed = try #require(
                try await fixture.ledger.claimForReset(slotID: lease.slotID, worker: DeadProcess.recycledPID)
            )
            #expect(claimed.state == .resetting)

            let report = try await pool.recover()
            #expect(report.recoveredSlots.map(\.id) == [lease.slotID])
            #expect(report.removedOrphans.isEmpty)
            let after = try #require(try await fixture.slot(id: lease.slotID))
            #expect(after.state == .dirty)
            #expect(after.worker == nil)
            #expect(FileManager.default.fileExists(atPath: lease.path))
        }
    }

    @Test("a slot left destroying by a dead worker is removed, row and folder")
    func destroyingByDeadWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let pool = fixture.pool()
            let created = try #require(try await pool.expand(by: 1).created.first)
            #expect(FileManager.default.fileExists(atPath: created.path))
            let claimed = try await fixture.ledger.claimForDestroy(
                pool: "p",
                selection: .allUnleased,
                worker: DeadProcess.recycledPID
            )
            #expect(claimed.map(\.id) == [created.id])

            let report = try await pool.recover()
            #expect(report.removedOrphans.map(\.id) == [created.id])
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: created.path))
        }
    }

    @Test("slots a live process is working on are left alone")
    func liveWorkerUntouched() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let creating = try await fixture.reserveSlot(by: .current)
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            _ = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            let before = try await fixture.snapshot()

            let report = try await fixture.pool().recover()
            #expect(report.removedOrphans.isEmpty)
            #expect(report.recoveredSlots.isEmpty)
            #expect(report.reclaimedLeases.isEmpty)
            #expect(try await fixture.snapshot() == before)
            #expect(try await fixture.slot(id: creating.id)?.state == .creating)
        }
    }

    @Test("recover ends leases of dead owners and leaves live ones")
    func recoverReclaimsDeadLeases() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(2)
            let dead = try await fixture.acquireReady("dead", owner: DeadProcess.recycledPID)
            let live = try await fixture.acquireReady("live")
            let report = try await fixture.pool().recover()
            #expect(report.reclaimedLeases == [dead])
            #expect(try await fixture.ledger.leases(pool: "p") == [live])
        }
    }

    @Test("an acquire on an exhausted pool recovers a slot a dead worker left creating, and removes its folder")
    func acquireRecoversCreatingOrphan() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let dead = DeadProcess.recycledPID
            let claim = try #require(
                try await fixture.ledger.acquire(fixture.request("a", owner: dead, worker: dead)).grant.createClaim
            )
            try await FolderBackend().create(claim.slot)

            let lease = try await fixture.pool().acquire(holder: "b")
            #expect(lease.slotID != claim.slot.id)
            #expect(FileManager.default.fileExists(atPath: lease.path))
            #expect(!FileManager.default.fileExists(atPath: claim.slot.path))
            #expect(try await fixture.ledger.slots(pool: "p").map(\.id) == [lease.slotID])
            #expect(try await fixture.ledger.leases(pool: "p") == [lease])
        }
    }

    @Test("an acquire on an exhausted pool takes over a slot a dead worker left resetting")
    func acquireRecoversResetting() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let first = try await pool.acquire(holder: "a")
            try await pool.release(first, reset: false)
            _ = try #require(
                try await fixture.ledger.claimForReset(slotID: first.slotID, worker: DeadProcess.previousBoot)
            )
            try Data("stale".utf8).write(to: URL(filePath: first.path).appending(path: "stale.txt"))

            let lease = try await pool.acquire(holder: "b")
            #expect(lease.slotID == first.slotID)
            #expect(try FileManager.default.contentsOfDirectory(atPath: lease.path).isEmpty)
            #expect(try await fixture.slot(id: first.slotID)?.state == .leased)
        }
    }

    @Test("a lease whose slot was being reset by a process that died, for a live owner, ends with a reclaim event")
    func leaseOfDeadPreparerIsAccountedFor() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            try await fixture.makeDirtySlot()
            // `acquire --owner-pid $$`: the owner (a shell) lives on, the process resetting the slot dies.
            let outcome = try await fixture.ledger.acquire(
                fixture.request("a", owner: .current, worker: DeadProcess.recycledPID)
            )
            let (lease, _) = try #require(outcome.grant.resetClaim)

            let next = try await fixture.ledger.acquire(fixture.request("b"))
            let (nextLease, _) = try #require(next.grant.resetClaim, "b takes the recovered slot over")
            #expect(nextLease.token.rawValue > lease.token.rawValue)
            let reclaims = try await fixture.events(.reclaim)
            #expect(reclaims.map(\.token) == [lease.token], "the dropped lease's end is in the history")
            #expect(reclaims.first?.holder == "a")
            #expect(reclaims.first?.detail?.contains("preparing its slot") == true)
        }
    }

    @Test("a failed create or reset ends the would-be holder's lease with a reclaim event")
    func failedPreparationEndsLeaseWithEvent() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2, onExhausted: .fail)
            let created = try await fixture.ledger.acquire(fixture.request("maker"))
            let createClaim = try #require(created.grant.createClaim)
            try await fixture.ledger.failCreate(createClaim.slot, worker: .current, error: "disk full", cleanedUp: true)

            try await fixture.makeIdleSlots(1)
            try await fixture.makeDirtySlot()
            let reset = try await fixture.ledger.acquire(fixture.request("resetter"))
            let (resetLease, resetSlot) = try #require(reset.grant.resetClaim)
            try await fixture.ledger.finishReset(resetSlot, worker: .current, error: "git failed", duration: .zero)

            let reclaims = try await fixture.events(.reclaim)
            #expect(reclaims.map(\.token) == [createClaim.lease.token, resetLease.token])
            #expect(reclaims.map(\.holder) == ["maker", "resetter"])
            #expect(reclaims.map { $0.detail ?? "" } == [
                "its slot could not be made: disk full", "its slot could not be reset: git failed",
            ])
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
        }
    }
}
