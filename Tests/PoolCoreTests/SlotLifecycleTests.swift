import PoolCore
import PoolTesting
import Testing

/// Every transition of the slot state machine, driven through the ledger.
@Suite("Slot life cycle")
struct SlotLifecycleTests {
    @Test("a reserved slot is creating, recorded with its worker, and numbered from the pool's sequence")
    func reserveMakesCreatingSlots() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let reserved = try await fixture.ledger.reserveSlots(
                pool: "p",
                count: 2,
                beyondMaximum: false,
                worker: .current
            )
            #expect(reserved.map(\.state) == [.creating, .creating])
            #expect(reserved.map(\.worker) == [.current, .current])
            #expect(reserved.map(\.number) == [1, 2])
            #expect(reserved.map(\.name) == ["slot-0001", "slot-0002"])
            #expect(reserved.map(\.path) == reserved.map { fixture.slotFolder(of: "p") + "/" + $0.name })
            #expect(try await fixture.ledger.slots(pool: "p") == reserved)
        }
    }

    @Test("reserving stops at the maximum size unless told to go beyond it")
    func reserveStopsAtMaximum() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2)
            let first = try await fixture.ledger.reserveSlots(
                pool: "p",
                count: 5,
                beyondMaximum: false,
                worker: .current
            )
            #expect(first.count == 2)
            let capped = try await fixture.ledger.reserveSlots(
                pool: "p",
                count: 1,
                beyondMaximum: false,
                worker: .current
            )
            #expect(capped.isEmpty)
            let beyond = try await fixture.ledger.reserveSlots(
                pool: "p",
                count: 1,
                beyondMaximum: true,
                worker: .current
            )
            #expect(beyond.count == 1)
            #expect(try await fixture.ledger.slots(pool: "p").count == 3)
        }
    }

    @Test("creating -> idle: finishCreate makes the slot idle and clears its worker")
    func finishCreateMakesIdle() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.finishCreate(slot, worker: .current, duration: .milliseconds(7))
            let after = try #require(try await fixture.slot(id: slot.id))
            #expect(after.state == .idle)
            #expect(after.worker == nil)
            #expect(after.error == nil)
        }
    }

    @Test("creating -> removed: failCreate with the remains cleaned up deletes the row")
    func failCreateCleanedUpRemoves() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.failCreate(slot, worker: .current, error: "disk full", cleanedUp: true)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            let failed = try await fixture.events(.createFailed)
            #expect(failed.map(\.slotName) == [slot.name])
            #expect(failed.map(\.detail) == ["disk full"])
        }
    }

    @Test("creating -> broken: failCreate with remains left behind keeps the row as broken, with the error")
    func failCreateNotCleanedUpBreaks() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.failCreate(slot, worker: .current, error: "git exploded", cleanedUp: false)
            let after = try #require(try await fixture.slot(id: slot.id))
            #expect(after.state == .broken)
            #expect(after.error == "git exploded")
            #expect(after.worker == nil)
        }
    }

    @Test("a failed creation for an acquirer ends the lease it reserved")
    func failCreateEndsReservedLease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("a")).grant.createClaim)
            try await fixture.ledger.failCreate(claim.slot, worker: .current, error: "nope", cleanedUp: true)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            await #expect(throws: PoolError.leaseLost(claim.lease.token)) {
                try await fixture.ledger.release(claim.lease.token)
            }
        }
    }

    @Test("idle -> leased: acquire hands out an idle slot ready to use")
    func acquireLeasesIdle() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let idle = try #require(try await fixture.makeIdleSlots(1).first)
            let lease = try await fixture.acquireReady("a")
            #expect(lease.slotID == idle.id)
            #expect(lease.path == idle.path)
            #expect(lease.holder == "a")
            #expect(try await fixture.slot(id: idle.id)?.state == .leased)
        }
    }

    @Test("an acquire on an empty pool reserves a new slot, and finishCreate makes it leased")
    func acquireCreatesThenLeases() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("a")).grant.createClaim)
            #expect(claim.slot.state == .creating)
            #expect(claim.lease.slotID == claim.slot.id)
            try await fixture.ledger.finishCreate(claim.slot, worker: .current, duration: .zero)
            #expect(try await fixture.slot(id: claim.slot.id)?.state == .leased)
            #expect(try await fixture.ledger.leases(pool: "p") == [claim.lease])
        }
    }

    @Test("leased -> dirty: release ends the lease and leaves the slot dirty")
    func releaseMakesDirty() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            let released = try await fixture.ledger.release(lease.token)
            #expect(released.id == lease.slotID)
            #expect(released.state == .dirty)
            #expect(try await fixture.slot(id: lease.slotID)?.state == .dirty)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == nil)
        }
    }

    @Test("dirty -> resetting: claimForReset records the worker")
    func claimForResetOfDirty() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            #expect(claimed.state == .resetting)
            #expect(claimed.worker == .current)
            #expect(try await fixture.slot(id: dirty.id)?.state == .resetting)
        }
    }

    @Test("claimForReset returns nil and changes nothing for a slot that is not dirty")
    func claimForResetOfNonDirty() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let idle = try #require(try await fixture.makeIdleSlots(1).first)
            let before = try await fixture.snapshot()
            #expect(try await fixture.ledger.claimForReset(slotID: idle.id, worker: .current) == nil)
            #expect(try await fixture.ledger.claimForReset(slotID: 9_999, worker: .current) == nil)
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a slot already being reset cannot be claimed for reset again")
    func claimForResetTwice() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            _ = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            #expect(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: DeadProcess.recycledPID) == nil)
            #expect(try await fixture.slot(id: dirty.id)?.worker == .current)
        }
    }

    @Test("resetting -> idle: a successful reset makes the slot idle")
    func finishResetMakesIdle() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .milliseconds(3))
            let after = try #require(try await fixture.slot(id: dirty.id))
            #expect(after.state == .idle)
            #expect(after.worker == nil)
        }
    }

    @Test("resetting -> broken: a failed reset makes the slot broken with the error")
    func finishResetWithErrorBreaks() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            try await fixture.ledger.finishReset(claimed, worker: .current, error: "checkout failed", duration: .zero)
            let after = try #require(try await fixture.slot(id: dirty.id))
            #expect(after.state == .broken)
            #expect(after.error == "checkout failed")
            #expect(try await fixture.events(.resetFailed).map(\.detail) == ["checkout failed"])
        }
    }

    @Test("acquiring a dirty slot asks the acquirer to reset it, and finishReset makes it leased")
    func acquireOfDirtyMustReset() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            #expect(claim.slot.id == dirty.id)
            #expect(claim.slot.state == .resetting)
            #expect(claim.slot.worker == .current)
            #expect(claim.lease.holder == "b")
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            #expect(try await fixture.slot(id: dirty.id)?.state == .leased)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b") == claim.lease)
        }
    }

    @Test("a failed reset for an acquirer ends its lease: a broken slot is never handed out")
    func acquirerResetFailureEndsLease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            _ = try await fixture.makeDirtySlot()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: "bad", duration: .zero)
            #expect(try await fixture.slot(id: claim.slot.id)?.state == .broken)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
        }
    }

    @Test("idle -> destroying -> removed: claimForDestroy then finishDestroy deletes the row")
    func destroyIdle() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let idle = try #require(try await fixture.makeIdleSlots(1).first)
            let claimed = try await fixture.ledger.claimForDestroy(
                pool: "p",
                selection: .leastRecentlyUsedIdle(count: 1),
                worker: .current
            )
            #expect(claimed.map(\.id) == [idle.id])
            #expect(claimed.map(\.state) == [.destroying])
            #expect(claimed.map(\.worker) == [.current])
            #expect(try await fixture.slot(id: idle.id)?.state == .destroying)
            try await fixture.ledger.finishDestroy(try #require(claimed.first), worker: .current, error: nil)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            #expect(try await fixture.events(.destroy).map(\.slotName) == [idle.name])
        }
    }

    @Test("broken -> destroying -> removed: retiring broken slots claims and removes them")
    func destroyBroken() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.failCreate(slot, worker: .current, error: "half made", cleanedUp: false)
            let notBroken = try await fixture.ledger.claimForDestroy(
                pool: "p",
                selection: .retire(olderThan: nil, unusedFor: nil, includeBroken: false),
                worker: .current
            )
            #expect(notBroken.isEmpty)
            let claimed = try await fixture.ledger.claimForDestroy(
                pool: "p",
                selection: .retire(olderThan: nil, unusedFor: nil, includeBroken: true),
                worker: .current
            )
            #expect(claimed.map(\.id) == [slot.id])
            #expect(claimed.map(\.state) == [.destroying])
            try await fixture.ledger.finishDestroy(try #require(claimed.first), worker: .current, error: nil)
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
        }
    }

    @Test("destroying -> broken: a failed removal keeps the slot as broken with the error")
    func failedDestroyBreaks() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let idle = try #require(try await fixture.makeIdleSlots(1).first)
            let claimed = try #require(
                try await fixture.ledger.claimForDestroy(
                    pool: "p",
                    selection: .leastRecentlyUsedIdle(count: 1),
                    worker: .current
                ).first
            )
            try await fixture.ledger.finishDestroy(claimed, worker: .current, error: "device busy")
            let after = try #require(try await fixture.slot(id: idle.id))
            #expect(after.state == .broken)
            #expect(after.error == "device busy")
            #expect(after.worker == nil)
            #expect(try await fixture.events(.destroyFailed).map(\.detail) == ["device busy"])
        }
    }

    @Test("claimForDestroy never takes leased slots, nor slots a live process is working on")
    func destroyLeavesBusySlots() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 4)
            try await fixture.makeIdleSlots(2)
            let leased = try await fixture.acquireReady("a")
            let creating = try await fixture.reserveSlot(by: .current)
            let claimed = try await fixture.ledger.claimForDestroy(pool: "p", selection: .allUnleased, worker: .current)
            #expect(claimed.count == 1)
            #expect(!claimed.map(\.id).contains(leased.slotID))
            #expect(!claimed.map(\.id).contains(creating.id))
            #expect(try await fixture.slot(id: leased.slotID)?.state == .leased)
            #expect(try await fixture.slot(id: creating.id)?.state == .creating)
        }
    }

    // MARK: Work taken over

    @Test("finishCreate by another worker throws workTakenOver and changes nothing")
    func finishCreateByOtherWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.workTakenOver(slot: slot.name)) {
                try await fixture.ledger.finishCreate(slot, worker: DeadProcess.recycledPID, duration: .zero)
            }
            await #expect(throws: PoolError.workTakenOver(slot: slot.name)) {
                try await fixture.ledger.failCreate(
                    slot,
                    worker: DeadProcess.previousBoot,
                    error: "x",
                    cleanedUp: true
                )
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("finishReset by another worker throws workTakenOver and changes nothing")
    func finishResetByOtherWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let dirty = try await fixture.makeDirtySlot()
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.workTakenOver(slot: claimed.name)) {
                try await fixture.ledger.finishReset(
                    claimed,
                    worker: DeadProcess.recycledPID,
                    error: nil,
                    duration: .zero
                )
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("finishDestroy by another worker throws workTakenOver and changes nothing")
    func finishDestroyByOtherWorker() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let claimed = try #require(
                try await fixture.ledger.claimForDestroy(pool: "p", selection: .allUnleased, worker: .current).first
            )
            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.workTakenOver(slot: claimed.name)) {
                try await fixture.ledger.finishDestroy(claimed, worker: DeadProcess.recycledPID, error: nil)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a worker whose slot was recovered by another process meanwhile gets workTakenOver")
    func finishAfterRecovery() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            // Reserved by a worker that is (from the ledger's view) dead; another process recovers it.
            let slot = try await fixture.reserveSlot(by: DeadProcess.recycledPID)
            let report = try await fixture.ledger.reclaim(pool: "p", worker: .current)
            #expect(report.orphans.map(\.id) == [slot.id])
            await #expect(throws: PoolError.workTakenOver(slot: slot.name)) {
                try await fixture.ledger.finishCreate(slot, worker: DeadProcess.recycledPID, duration: .zero)
            }
            #expect(try await fixture.slot(id: slot.id)?.state == .destroying)
        }
    }
}
