import Foundation
import PoolCore
import PoolTesting
import Testing

/// A released slot reset off the caller's path: the resetter's claim (dirty -> resetting) races the
/// acquirers', one wins, and the reset fences hold whoever wins.
@Suite("ledger: background resets")
struct BackgroundResetTests {
    @Test("a resetter that loses the claim to an acquirer does nothing; the acquirer's reset is fenced with its token")
    func acquirerWinsClaim() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            let dirty = try await fixture.ledger.release(old.token)
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b", willWait: nil)).grant.resetClaim)
            #expect(claim.slot.fence == claim.lease.token)

            #expect(try await fixture.pool().resetDirtySlot(id: dirty.id) == nil)
            #expect(try await fixture.slot(id: dirty.id)?.state == .resetting)
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            #expect(try await fixture.slot(id: dirty.id)?.state == .leased)
        }
    }

    @Test("with the slot in a background reset, a fail or create pool's acquirer waits for it; then its token is newer than the fence",
          arguments: [ExhaustionPolicy.fail, .create])
    func acquirerWaitsForReset(policy: ExhaustionPolicy) async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: policy)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            let dirty = try await fixture.ledger.release(old.token)
            let resetting = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            let fence = try #require(resetting.fence)

            let waiting = try await fixture.ledger.acquire(fixture.request("b", willWait: nil))
            guard case .inProgress = waiting.grant else {
                Issue.record("expected to wait for the reset, got \(waiting.grant)")
                return
            }
            #expect(try await fixture.ledger.slots(pool: "p").count == 1, "the pool did not grow")
            // A caller that will not wait at all is told the pool is exhausted, or gets a new slot beyond the
            // maximum from a `create` pool, as before.
            let impatient = try await fixture.ledger.acquire(fixture.request("c", willWait: false)).grant
            #expect(policy == .fail ? impatient.exhaustion != nil : impatient.createClaim != nil)

            try await fixture.ledger.finishReset(resetting, worker: .current, error: nil, duration: .zero)
            let lease = try await fixture.acquireReady("b")
            #expect(lease.token > fence)
        }
    }

    @Test("a resetter that died: the next acquirer recovers the slot and resets it itself")
    func deadResetterRecovered() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            let dirty = try await fixture.ledger.release(old.token)
            _ = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: DeadProcess.recycledPID))

            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b", willWait: nil)).grant.resetClaim)
            #expect(claim.slot.id == dirty.id)
            #expect(claim.slot.worker == .current)
            #expect(try await fixture.events(.recover).count == 1)
        }
    }

    @Test("a pool that resets in a detached task: release returns the slot dirty, and it becomes idle")
    func detachedTask() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let pool = Pool(
                name: "p", ledger: fixture.ledger, backend: FolderBackend(), clock: fixture.clock,
                releaseReset: .detachedTask
            )
            _ = try await pool.expand(by: 1)
            let lease = try await pool.acquire(holder: "a")
            let mark = try #require(fixture.ledger.changeMark())
            let released = try await pool.release(token: lease.token)
            #expect(released.state == .dirty)
            // The reset's commit wakes us; the deadline only keeps a broken build from hanging.
            let deadline = ContinuousClock.now + .seconds(60)
            var next = mark
            while try await fixture.slot(id: lease.slotID)?.state != .idle {
                try #require(ContinuousClock.now < deadline)
                _ = try await fixture.ledger.waitForChange(after: next, timeout: .seconds(1))
                next = try #require(fixture.ledger.changeMark())
            }
            #expect(try await fixture.events(.reset).count == 1)
        }
    }
}
