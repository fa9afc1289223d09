import PoolCore
import PoolTesting
import Testing

@Suite("Ledger acquire")
struct LedgerAcquireTests {
    @Test("the same holder acquiring twice gets the same lease and token, and no second slot")
    func sameHolderSameLease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            try await fixture.makeIdleSlots(2)
            let first = try await fixture.acquireReady("a")
            fixture.clock.advance(by: .seconds(1))
            let second = try await fixture.acquireReady("a")
            #expect(second == first)
            #expect(second.token == first.token)
            #expect(try await fixture.ledger.leases(pool: "p") == [first])
            let slots = try await fixture.ledger.slots(pool: "p")
            #expect(slots.filter { $0.state == .leased }.map(\.id) == [first.slotID])
            #expect(slots.count == 2)
        }
    }

    @Test("an acquire whose slot is still being created by a live process is reported in progress")
    func sameHolderWhileCreating() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let claim = try #require(try await fixture.ledger.acquire(fixture.request("a")).grant.createClaim)
            let again = try await fixture.ledger.acquire(fixture.request("a"))
            guard case .inProgress = again.grant else {
                Issue.record("expected inProgress, got \(again.grant)")
                return
            }
            #expect(try await fixture.ledger.slots(pool: "p").map(\.id) == [claim.slot.id])
        }
    }

    @Test("fencing tokens strictly increase across holders and pools")
    func tokensIncrease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool("p", maxSize: 4)
            try await fixture.makePool("q", maxSize: 4)
            try await fixture.makeIdleSlots(3, pool: "p")
            try await fixture.makeIdleSlots(3, pool: "q")
            var tokens: [FencingToken] = []
            for (holder, pool) in [("a", "p"), ("b", "q"), ("c", "p"), ("a", "q"), ("b", "p"), ("c", "q")] {
                tokens.append(try await fixture.acquireReady(holder, pool: pool).token)
            }
            // Released and acquired again: a new lease gets a new, larger token.
            let lease = try #require(try await fixture.ledger.lease(pool: "p", holder: "a"))
            _ = try await fixture.ledger.release(lease.token)
            let again = try #require(try await fixture.ledger.acquire(fixture.request("a")).grant.resetClaim)
            tokens.append(again.lease.token)
            #expect(zip(tokens, tokens.dropFirst()).allSatisfy { $0 < $1 }, "tokens: \(tokens)")
            #expect(Set(tokens).count == tokens.count)
        }
    }

    @Test("acquire prefers the most recently used idle slot")
    func mostRecentlyUsedIdleFirst() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let slots = try await fixture.makeIdleSlots(3)
            // Make slot 2 the most recently used and slot 3 (the newest) less recent.
            fixture.clock.advance(by: .seconds(1))
            let onThree = try await fixture.acquireReady("x")
            let onTwo = try await fixture.acquireReady("y")
            #expect([onThree.slotID, onTwo.slotID] == [slots[2].id, slots[1].id])
            fixture.clock.advance(by: .seconds(1))
            _ = try await fixture.ledger.release(onThree.token)
            fixture.clock.advance(by: .seconds(1))
            _ = try await fixture.ledger.release(onTwo.token)
            for id in [slots[2].id, slots[1].id] {
                let claimed = try #require(try await fixture.ledger.claimForReset(slotID: id, worker: .current))
                try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .zero)
            }
            fixture.clock.advance(by: .seconds(1))
            let next = try await fixture.acquireReady("z")
            #expect(next.slotID == slots[1].id)
            let afterThat = try await fixture.acquireReady("w")
            #expect(afterThat.slotID == slots[2].id)
            let last = try await fixture.acquireReady("v")
            #expect(last.slotID == slots[0].id)
        }
    }

    @Test("an idle slot is preferred to a dirty one, and a dirty one to creating a new one")
    func idleThenDirtyThenNew() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let slots = try await fixture.makeIdleSlots(2)
            let dirty = try await fixture.makeDirtySlot()
            #expect(dirty.id == slots[1].id)
            let warm = try await fixture.ledger.acquire(fixture.request("a"))
            #expect(warm.grant.readyLease?.slotID == slots[0].id)
            let reset = try await fixture.ledger.acquire(fixture.request("b"))
            #expect(reset.grant.resetClaim?.slot.id == dirty.id)
            let new = try await fixture.ledger.acquire(fixture.request("c"))
            let created = try #require(new.grant.createClaim)
            #expect(created.slot.number == 3)
        }
    }

    @Test("use_count counts the acquires of a slot")
    func useCountCountsAcquires() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let slot = try #require(try await fixture.makeIdleSlots(1).first)
            #expect(slot.useCount == 0)
            let first = try await fixture.acquireReady("a")
            #expect(try await fixture.slot(id: slot.id)?.useCount == 1)
            _ = try await fixture.ledger.release(first.token)
            for holder in ["b", "c"] {
                let claim = try #require(try await fixture.ledger.acquire(fixture.request(holder)).grant.resetClaim)
                try await fixture.ledger.finishReset(claim.slot, worker: .current, error: nil, duration: .zero)
                _ = try await fixture.ledger.release(claim.lease.token)
            }
            #expect(try await fixture.slot(id: slot.id)?.useCount == 3)
        }
    }

    @Test("acquire sets last_used_at, and release moves it forward")
    func lastUsedAt() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try #require(try await fixture.makeIdleSlots(1).first)
            #expect(slot.lastUsedAt == nil)
            fixture.clock.advance(by: .seconds(10))
            let acquiredAt = fixture.clock.now()
            let lease = try await fixture.acquireReady("a")
            #expect(lease.acquiredAt == acquiredAt)
            #expect(try await fixture.slot(id: slot.id)?.lastUsedAt == acquiredAt)
            fixture.clock.advance(by: .seconds(5))
            _ = try await fixture.ledger.release(lease.token)
            #expect(try await fixture.slot(id: slot.id)?.lastUsedAt == acquiredAt + .seconds(5))
        }
    }

    @Test("one holder may hold one lease in each of two pools")
    func holderPerPool() async throws {
        try await withLedger { fixture in
            try await fixture.makePool("p")
            try await fixture.makePool("q")
            try await fixture.makeIdleSlots(1, pool: "p")
            try await fixture.makeIdleSlots(1, pool: "q")
            let inP = try await fixture.acquireReady("a", pool: "p")
            let inQ = try await fixture.acquireReady("a", pool: "q")
            #expect(inP.token != inQ.token)
            #expect(inP.pool == "p")
            #expect(inQ.pool == "q")
        }
    }

    @Test("acquire on a pool that does not exist throws noSuchPool")
    func acquireNoSuchPool() async throws {
        try await withLedger { fixture in
            await #expect(throws: PoolError.noSuchPool("missing")) {
                try await fixture.ledger.acquire(fixture.request("a", pool: "missing"))
            }
        }
    }

    static let badHolders = [
        "", "a/b", "..", "../etc", "a b", "tab\there", "new\nline", "bell\u{7}", "del\u{7F}",
        String(repeating: "h", count: Names.maximumLength + 1),
    ]

    @Test("an invalid holder name is refused and changes nothing", arguments: badHolders)
    func invalidHolder(holder: String) async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let before = try await fixture.snapshot()
            let error = await #expect(throws: PoolError.self) {
                try await fixture.ledger.acquire(fixture.request(holder, willWait: true))
            }
            #expect(error?.isInvalidName == true, "got \(String(describing: error))")
            #expect(try await fixture.snapshot() == before)
        }
    }
}
