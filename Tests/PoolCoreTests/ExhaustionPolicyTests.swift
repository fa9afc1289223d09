import Foundation
import PoolCore
import PoolTesting
import Testing

/// What acquire does when every slot is leased and the pool is at its maximum, under each policy.
@Suite("Exhaustion policy")
struct ExhaustionPolicyTests {
    @Test("fail: the ledger reports exhaustion without queueing and records an 'exhausted' event")
    func failLedger() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            try await fixture.makeIdleSlots(1)
            _ = try await fixture.acquireReady("a")
            let outcome = try await fixture.ledger.acquire(fixture.request("b", willWait: nil))
            let exhaustion = try #require(outcome.grant.exhaustion, "got \(outcome.grant)")
            #expect(exhaustion.isQueued == false)
            #expect(exhaustion.usage.size == 1)
            #expect(exhaustion.usage.leased == 1)
            #expect(exhaustion.usage.maxSize == 1)
            #expect(exhaustion.usage.waitersAhead == 0)
            #expect(try await fixture.events(.exhausted).map(\.holder) == ["b"])
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b") == nil)
        }
    }

    @Test("fail: Pool.acquire throws exhausted at once")
    func failPool() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            _ = try await pool.acquire(holder: "a")
            // `exhausted` rather than `waitTimedOut` shows it did not wait.
            await #expect(throws: PoolError.exhausted(pool: "p", leased: 1, size: 1, maxSize: 1)) {
                try await pool.acquire(holder: "b")
            }
            #expect(try await fixture.events(.exhausted).map(\.holder) == ["b"])
        }
    }

    @Test("create: an exhausted pool creates a slot beyond its maximum")
    func createBeyondMaximum() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .create)
            let pool = fixture.pool()
            let first = try await pool.acquire(holder: "a")
            let second = try await pool.acquire(holder: "b")
            #expect(second.slotID != first.slotID)
            #expect(second.path != first.path)
            #expect(FileManager.default.fileExists(atPath: second.path))
            let slots = try await fixture.ledger.slots(pool: "p")
            #expect(slots.count == 2)
            #expect(slots.allSatisfy { $0.state == .leased })
            #expect(try await fixture.events(.exhausted).isEmpty)
        }
    }

    @Test("wait: Pool.acquire with a timeout throws waitTimedOut and records a 'wait_timeout' event")
    func waitTimesOut() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            let pool = fixture.pool()
            _ = try await pool.acquire(holder: "a")
            let started = ContinuousClock.now
            let error = await #expect(throws: PoolError.self) {
                try await pool.acquire(holder: "b", wait: .milliseconds(200))
            }
            let elapsed = ContinuousClock.now - started
            guard case .waitTimedOut(let name, let waited) = error else {
                Issue.record("expected waitTimedOut, got \(String(describing: error))")
                return
            }
            #expect(name == "p")
            #expect(waited >= .milliseconds(200))
            #expect(elapsed >= .milliseconds(200))
            // Far below the default limit: the given one was used (no tight bound on a shared machine).
            #expect(elapsed < Pool.defaultWaitTimeout / 2)
            #expect(try await fixture.events(.waitTimeout).map(\.holder) == ["b"])
            // The timed-out waiter left the queue.
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b") == nil)
        }
    }

    @Test("wait: Pool.acquire succeeds when another task releases the slot while it waits")
    func waitSucceedsOnRelease() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            let pool = fixture.pool()
            let held = try await pool.acquire(holder: "a")
            let waiter = Task { try await pool.acquire(holder: "b", wait: .seconds(20)) }
            // Release only once b is queued, so that it really waited.
            let deadline = ContinuousClock.now + .seconds(10)
            while try fixture.rowCount("SELECT count(*) FROM waiter WHERE holder = 'b'") == 0 {
                try #require(ContinuousClock.now < deadline, "b never joined the wait queue")
                try await Task.sleep(for: .milliseconds(5))
            }
            try await pool.release(held)
            let lease = try await waiter.value
            #expect(lease.holder == "b")
            #expect(lease.slotID == held.slotID)
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
            #expect(try await fixture.events(.waitTimeout).isEmpty)
        }
    }

    @Test("wait: a zero wait never waits, even under the wait policy")
    func zeroWaitFailsAtOnce() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            let pool = fixture.pool()
            _ = try await pool.acquire(holder: "a")
            // `exhausted` rather than `waitTimedOut`, and no queue entry, show it did not wait.
            await #expect(throws: PoolError.exhausted(pool: "p", leased: 1, size: 1, maxSize: 1)) {
                try await pool.acquire(holder: "b", wait: .zero)
            }
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
        }
    }

    @Test("wait: a cancelled waiter leaves the queue without recording a timeout")
    func cancelledWaiterLeavesQueue() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            let pool = fixture.pool()
            _ = try await pool.acquire(holder: "a")
            let waiter = Task { try await pool.acquire(holder: "b", wait: .seconds(60)) }
            let deadline = ContinuousClock.now + .seconds(10)
            while try fixture.rowCount("SELECT count(*) FROM waiter WHERE holder = 'b'") == 0 {
                try #require(ContinuousClock.now < deadline, "b never joined the wait queue")
                try await Task.sleep(for: .milliseconds(5))
            }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
            #expect(try await fixture.events(.waitTimeout).isEmpty)
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b") == nil)
        }
    }

    @Test("wait: waiters are served first come, first served")
    func waitFirstComeFirstServed() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            try await fixture.makeIdleSlots(1)
            let held = try await fixture.acquireReady("holder")

            let a = try await fixture.ledger.acquire(fixture.request("a", willWait: true))
            #expect(a.grant.exhaustion?.isQueued == true)
            #expect(a.grant.exhaustion?.usage.waitersAhead == 0)
            fixture.clock.advance(by: .milliseconds(1))
            let b = try await fixture.ledger.acquire(fixture.request("b", willWait: true))
            #expect(b.grant.exhaustion?.isQueued == true)
            #expect(b.grant.exhaustion?.usage.waitersAhead == 1)

            _ = try await fixture.ledger.release(held.token)
            let bAgain = try await fixture.ledger.acquire(fixture.request("b", willWait: true))
            #expect(bAgain.grant.exhaustion?.isQueued == true, "b jumped the queue: \(bAgain.grant)")
            // A newcomer that will not wait does not jump the queue either.
            let c = try await fixture.ledger.acquire(fixture.request("c", willWait: false))
            #expect(c.grant.exhaustion?.isQueued == false, "c jumped the queue: \(c.grant)")

            let aAgain = try await fixture.ledger.acquire(fixture.request("a", willWait: true))
            let claim = try #require(aAgain.grant.resetClaim, "a should get the slot, got \(aAgain.grant)")
            #expect(claim.lease.slotID == held.slotID)
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter WHERE holder = 'a'") == 0)
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter WHERE holder = 'b'") == 1)
        }
    }

    @Test("abandoning a wait leaves the queue; only a timeout records 'wait_timeout'")
    func abandonWait() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .wait)
            try await fixture.makeIdleSlots(1)
            _ = try await fixture.acquireReady("holder")
            let requestedAt = fixture.clock.now()
            _ = try await fixture.ledger.acquire(fixture.request("a", willWait: true, requestedAt: requestedAt))
            _ = try await fixture.ledger.acquire(fixture.request("b", willWait: true))
            fixture.clock.advance(by: .seconds(3))
            try await fixture.ledger.abandonWait(pool: "p", holder: "a", requestedAt: requestedAt, timedOut: true)
            try await fixture.ledger.abandonWait(pool: "p", holder: "b", requestedAt: requestedAt, timedOut: false)
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
            let timeouts = try await fixture.events(.waitTimeout)
            #expect(timeouts.map(\.holder) == ["a"])
            #expect(timeouts.map(\.duration) == [.seconds(3)])
        }
    }

    @Test("a nil willWait follows the pool's policy")
    func willWaitDefaultsToPolicy() async throws {
        try await withLedger { fixture in
            for (name, policy) in [("w", ExhaustionPolicy.wait), ("f", .fail)] {
                try await fixture.makePool(name, maxSize: 1, onExhausted: policy)
                try await fixture.makeIdleSlots(1, pool: name)
                _ = try await fixture.acquireReady("holder", pool: name)
                let outcome = try await fixture.ledger.acquire(fixture.request("b", pool: name, willWait: nil))
                #expect(outcome.grant.exhaustion?.isQueued == (policy == .wait), "\(policy): \(outcome.grant)")
            }
        }
    }
}
