import PoolCore
import PoolTesting
import Testing

@Suite("Ledger release and fencing")
struct LedgerReleaseTests {
    @Test("release returns the slot, now dirty, and ends the holder's lease")
    func releaseEndsLease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            let slot = try await fixture.ledger.release(lease.token)
            #expect(slot.id == lease.slotID)
            #expect(slot.name == lease.slotName)
            #expect(slot.state == .dirty)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == nil)
        }
    }

    @Test("releasing twice throws leaseLost the second time and changes nothing")
    func doubleRelease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            _ = try await fixture.ledger.release(lease.token)
            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.leaseLost(lease.token)) {
                try await fixture.ledger.release(lease.token)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a stale token cannot release the slot's next holder's lease, and changes nothing")
    func staleTokenRelease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a")
            _ = try await fixture.ledger.release(old.token)
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            #expect(claim.lease.slotID == old.slotID)
            #expect(claim.lease.token > old.token)

            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.leaseLost(old.token)) {
                try await fixture.ledger.release(old.token)
            }
            #expect(try await fixture.snapshot() == before)
            #expect(try await fixture.slot(id: old.slotID)?.state == .leased)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b") == claim.lease)
        }
    }

    @Test("renewing with a stale token throws leaseLost and changes nothing")
    func staleTokenRenew() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let old = try await fixture.acquireReady("a", ttl: .seconds(30))
            _ = try await fixture.ledger.release(old.token)
            let claim = try #require(
                try await fixture.ledger.acquire(fixture.request("b", ttl: .seconds(30))).grant.resetClaim
            )
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            fixture.clock.advance(by: .seconds(1))

            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.leaseLost(old.token)) {
                try await fixture.ledger.renew(old.token, ttl: .seconds(60))
            }
            #expect(try await fixture.snapshot() == before)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b")?.expiresAt == claim.lease.expiresAt)
        }
    }

    @Test("a token that was never issued is refused with leaseLost")
    func unknownToken() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let token = FencingToken(rawValue: 12_345)
            await #expect(throws: PoolError.leaseLost(token)) { try await fixture.ledger.release(token) }
            await #expect(throws: PoolError.leaseLost(token)) {
                try await fixture.ledger.renew(token, ttl: .seconds(1))
            }
        }
    }

    @Test("releasing while the acquirer is still creating the slot leaves the slot to its worker, who makes it idle")
    func releaseDuringCreation() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("a")).grant.createClaim)
            let slot = try await fixture.ledger.release(claim.lease.token)
            #expect(slot.state == .creating)
            try await fixture.ledger.finishCreate(claim.slot, worker: .current, duration: .zero)
            #expect(try await fixture.slot(id: claim.slot.id)?.state == .idle)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
        }
    }
}
