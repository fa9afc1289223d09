import PoolCore
import PoolTesting
import Testing

/// The event history that stats are computed from.
@Suite("Pool events")
struct PoolEventTests {
    @Test("acquire records how the slot was found (new, dirty, warm) and how long the holder waited")
    func acquireEvents() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let waitedSince = fixture.clock.now()
            fixture.clock.advance(by: .seconds(3))
            let new = try #require(
                try await fixture.ledger.acquire(fixture.request("a", requestedAt: waitedSince)).grant.createClaim
            )
            try await fixture.ledger.finishCreate(new.slot, worker: .current, duration: .milliseconds(250))
            _ = try await fixture.ledger.release(new.lease.token)

            let dirty = try #require(try await fixture.ledger.acquire(fixture.request("b")).grant.resetClaim)
            try await fixture.ledger.finishReset(dirty.slot, worker: .current, error: nil, duration: .milliseconds(40))
            _ = try await fixture.ledger.release(dirty.lease.token)
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: dirty.slot.id, worker: .current))
            try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .zero)

            let warm = try await fixture.acquireReady("c")

            let acquires = try await fixture.events(.acquire)
            #expect(acquires.map(\.holder) == ["a", "b", "c"])
            #expect(acquires.map(\.detail) == ["new", "dirty", "warm"])
            #expect(acquires.map(\.token) == [new.lease.token, dirty.lease.token, warm.token])
            #expect(acquires.map(\.slotName) == Array(repeating: new.slot.name, count: 3))
            #expect(acquires.first?.duration == .seconds(3))
            #expect(acquires.dropFirst().allSatisfy { $0.duration == .zero })
        }
    }

    @Test("release records the hold time")
    func releaseEvent() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            fixture.clock.advance(by: .seconds(42))
            _ = try await fixture.ledger.release(lease.token)
            let releases = try await fixture.events(.release)
            #expect(releases.count == 1)
            #expect(releases.first?.holder == "a")
            #expect(releases.first?.token == lease.token)
            #expect(releases.first?.slotName == lease.slotName)
            #expect(releases.first?.duration == .seconds(42))
            #expect(releases.first?.at == fixture.clock.now())
        }
    }

    @Test("create, reset and destroy are recorded with the slot and the work time")
    func slotWorkEvents() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let slot = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.finishCreate(slot, worker: .current, duration: .milliseconds(1_500))
            _ = try await fixture.makeDirtySlot()
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: slot.id, worker: .current))
            try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .milliseconds(20))
            let destroying = try #require(
                try await fixture.ledger.claimForDestroy(pool: "p", selection: .allUnleased, worker: .current).first
            )
            try await fixture.ledger.finishDestroy(destroying, worker: .current, error: nil)

            let creates = try await fixture.events(.create)
            #expect(creates.map(\.slotName) == [slot.name])
            #expect(creates.map(\.duration) == [.milliseconds(1_500)])
            let resets = try await fixture.events(.reset)
            #expect(resets.map(\.slotName) == [slot.name])
            #expect(resets.map(\.duration) == [.milliseconds(20)])
            #expect(try await fixture.events(.destroy).map(\.slotName) == [slot.name])
        }
    }

    @Test("events come back in order, and `since` filters by time")
    func eventOrderAndSince() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            fixture.clock.advance(by: .seconds(10))
            let cut = fixture.clock.now()
            _ = try await fixture.ledger.release(lease.token)
            let all = try await fixture.ledger.events(pool: "p", since: nil)
            #expect(all.map(\.kind) == [.create, .acquire, .release])
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.id < $1.id })
            #expect(try await fixture.ledger.events(pool: "p", since: cut).map(\.kind) == [.release])
        }
    }

    @Test("events of one pool are not listed under another")
    func eventsPerPool() async throws {
        try await withLedger { fixture in
            try await fixture.makePool("p")
            try await fixture.makePool("q")
            try await fixture.makeIdleSlots(1, pool: "p")
            _ = try await fixture.acquireReady("a", pool: "p")
            #expect(try await fixture.ledger.events(pool: "q", since: nil).isEmpty)
        }
    }
}
