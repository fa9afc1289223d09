import PoolCore
import PoolTesting
import Testing

/// Leases with a time to live, on a clock the test moves by hand.
@Suite("Lease TTL")
struct LedgerTTLTests {
    @Test("a lease with a TTL expires that long after it was taken")
    func expiresAtIsAcquiredPlusTTL() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(2)
            let lease = try await fixture.acquireReady("a", ttl: .seconds(90))
            #expect(lease.expiresAt == lease.acquiredAt + .seconds(90))
            let forever = try await fixture.acquireReady("b")
            #expect(forever.expiresAt == nil)
        }
    }

    @Test("renew before expiry extends the lease from now")
    func renewBeforeExpiry() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a", ttl: .seconds(10))
            fixture.clock.advance(by: .seconds(9))
            let renewed = try await fixture.ledger.renew(lease.token, ttl: .seconds(20))
            #expect(renewed.token == lease.token)
            #expect(renewed.expiresAt == fixture.clock.now() + .seconds(20))
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a")?.expiresAt == renewed.expiresAt)
            // Past the first TTL but within the renewed one: still held.
            fixture.clock.advance(by: .seconds(15))
            _ = try await fixture.ledger.renew(lease.token, ttl: .seconds(20))
        }
    }

    @Test("after the TTL has passed, renew throws leaseLost and changes nothing")
    func renewAfterExpiry() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a", ttl: .seconds(10))
            fixture.clock.advance(by: .seconds(11))
            let before = try await fixture.snapshot()
            await #expect(throws: PoolError.leaseLost(lease.token)) {
                try await fixture.ledger.renew(lease.token, ttl: .seconds(60))
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("on an exhausted pool, an expired lease is reclaimed by the next acquire, which gets its slot")
    func expiredLeaseReclaimed() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            let held = try await fixture.acquireReady("a", ttl: .seconds(10))

            // Before expiry the pool is exhausted and the lease stays.
            fixture.clock.advance(by: .seconds(9))
            let early = try await fixture.ledger.acquire(fixture.request("b"))
            #expect(early.grant.exhaustion?.isQueued == false)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == held)
            #expect(try await fixture.events(.reclaim).isEmpty)

            fixture.clock.advance(by: .seconds(2))
            let late = try await fixture.ledger.acquire(fixture.request("b"))
            let claim = try #require(late.grant.resetClaim, "expected b to get a's slot, got \(late.grant)")
            #expect(claim.lease.slotID == held.slotID)
            #expect(claim.lease.token > held.token)
            try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
            #expect(try await fixture.ledger.leases(pool: "p") == [claim.lease])

            let reclaims = try await fixture.events(.reclaim)
            #expect(reclaims.map(\.holder) == ["a"])
            #expect(reclaims.map(\.token) == [held.token])
            #expect(reclaims.map(\.detail) == ["expired"])
            #expect(reclaims.map(\.duration) == [.seconds(11)])

            await #expect(throws: PoolError.leaseLost(held.token)) { try await fixture.ledger.release(held.token) }
        }
    }

    @Test("a holder whose own lease expired gets a new lease with a new token")
    func sameHolderAfterExpiry() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            let first = try await fixture.acquireReady("a", ttl: .seconds(5))
            fixture.clock.advance(by: .seconds(5))
            let again = try await fixture.ledger.acquire(fixture.request("a", ttl: .seconds(5)))
            let claim = try #require(again.grant.resetClaim, "got \(again.grant)")
            #expect(claim.lease.token > first.token)
            #expect(claim.lease.expiresAt == fixture.clock.now() + .seconds(5))
        }
    }

    @Test("reclaim ends only the leases that have expired")
    func reclaimOnlyExpired() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            try await fixture.makeIdleSlots(3)
            let short = try await fixture.acquireReady("short", ttl: .seconds(5))
            let long = try await fixture.acquireReady("long", ttl: .seconds(60))
            let untimed = try await fixture.acquireReady("untimed")
            fixture.clock.advance(by: .seconds(30))
            let report = try await fixture.ledger.reclaim(pool: "p", worker: .current)
            #expect(report.reclaimedLeases.map(\.token) == [short.token])
            #expect(try await fixture.ledger.leases(pool: "p").map(\.token) == [long.token, untimed.token])
            #expect(try await fixture.slot(id: short.slotID)?.state == .dirty)
        }
    }

    @Test(
        "a TTL that is not positive is refused, not granted as a lease that has already expired",
        arguments: [Duration.zero, .seconds(-5)]
    )
    func nonPositiveTTLRefused(ttl: Duration) async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let before = try await fixture.snapshot()
            let acquireError = await #expect(throws: PoolError.self) {
                try await fixture.ledger.acquire(fixture.request("a", ttl: ttl))
            }
            #expect(acquireError?.isInvalidArgument == true, "got \(String(describing: acquireError))")
            #expect(try await fixture.snapshot() == before)

            let lease = try await fixture.acquireReady("b", ttl: .seconds(60))
            let renewError = await #expect(throws: PoolError.self) {
                try await fixture.ledger.renew(lease.token, ttl: ttl)
            }
            #expect(renewError?.isInvalidArgument == true, "got \(String(describing: renewError))")
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b")?.expiresAt == lease.expiresAt)
        }
    }
}
