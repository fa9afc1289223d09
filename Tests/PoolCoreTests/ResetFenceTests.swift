import Foundation
import PoolCore
import Testing

/// The fence a reset carries to the resource (`Slot.fence`): newer than every earlier holder's token, so the
/// resource refuses them from then on, and never newer than the next holder's.
@Suite("ledger: reset fences")
struct ResetFenceTests {
    @Test("an acquirer's reset of a dirty slot is fenced with the new lease's token")
    func acquirerFence() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            _ = try await fixture.ledger.release(old.token)
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            #expect(claim.slot.fence == claim.lease.token)
            #expect(claim.lease.token > old.token)
        }
    }

    @Test("a release that resets at once takes a fresh token, between the releaser's and the next holder's")
    func releaseFence() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            let claimed = try await fixture.ledger.release(old.token, resetBy: .current)
            #expect(claimed.state == .resetting)
            let fence = try #require(claimed.fence)
            #expect(fence > old.token)
            try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .zero)
            let next = try await fixture.acquireReady("b")
            #expect(next.token > fence)
        }
    }

    @Test("a release that leaves the slot dirty takes no token, and a fresh read of a slot has no fence")
    func noFenceWithoutReset() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            let released = try await fixture.ledger.release(lease.token)
            #expect(released.state == .dirty)
            #expect(released.fence == nil)
            #expect(try await fixture.ledger.slots(pool: "p").allSatisfy { $0.fence == nil })
            // The counter did not move: the next lease's token follows the last one.
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            #expect(claim.lease.token.rawValue == lease.token.rawValue + 1)
        }
    }

    @Test("claimForReset and claimIdleForReset fence each claimed slot with its own fresh token")
    func claimFences() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            try await fixture.makeIdleSlots(3)
            let dirty = try await fixture.makeDirtySlot(holder: "a")
            let dirtied = try #require(try await fixture.ledger.events(pool: "p", since: nil).compactMap(\.token).max())
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.id, worker: .current))
            let dirtyFence = try #require(claimed.fence)
            #expect(dirtyFence > dirtied)

            let idle = try await fixture.ledger.claimIdleForReset(pool: "p", worker: .current)
            #expect(idle.count == 2)
            let fences = idle.compactMap(\.fence)
            #expect(fences.count == 2)
            #expect(fences.allSatisfy { $0 > dirtyFence })
            #expect(Set(fences).count == 2)
        }
    }
}
