import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Synchronization
import Testing

/// A scoped lease whose lease ends under it (released by another process, reclaimed) stops its body.
@Suite("withLease when the lease is lost")
struct LostLeaseTests {
    @Test("a TTL lease released from outside cancels the body and withLease throws leaseLost")
    func releasedFromOutside() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let (call, body) = await startWaitingLease(fixture.pool(), holder: "a")
            let lease = try #require(try await fixture.ledger.lease(pool: "p", holder: "a"))
            // Another connection, as another process would: the lease ends, its slot is dirty.
            let other = try SQLiteLedger(path: fixture.databasePath)
            _ = try await other.release(lease.token, resetBy: nil)

            await #expect(throws: PoolError.leaseLost(lease.token)) { try await call.value }
            #expect(body.endedByCancellation == true)
            // Nothing was released on the lost lease's behalf: only the outside release is recorded.
            #expect(try await fixture.events(.release).count == 1)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
        }
    }

    @Test("a TTL lease that expired while its holder stalled cancels the body at the next renewal")
    func expiredWhileStalled() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let (call, body) = await startWaitingLease(fixture.pool(), holder: "a")
            let lease = try #require(try await fixture.ledger.lease(pool: "p", holder: "a"))
            // The ledger's clock jumps past the expiry, as if this process had not run for a while.
            fixture.clock.advance(by: .seconds(60))

            await #expect(throws: PoolError.leaseLost(lease.token)) { try await call.value }
            #expect(body.endedByCancellation == true)
            // The expired lease is left for reclaim: releasing it might undo another holder's work.
            #expect(try await fixture.events(.release).isEmpty)
        }
    }

    @Test("a new holder's lease on the same slot is left alone when the old body stops")
    func newHolderKeepsItsLease() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let (call, _) = await startWaitingLease(fixture.pool(), holder: "old")
            let old = try #require(try await fixture.ledger.lease(pool: "p", holder: "old"))
            let other = try SQLiteLedger(path: fixture.databasePath)
            _ = try await other.release(old.token, resetBy: nil)
            let next = try await Pool(name: "p", ledger: other, backend: FolderBackend()).acquire(holder: "new")
            #expect(next.slotID == old.slotID)

            await #expect(throws: PoolError.leaseLost(old.token)) { try await call.value }
            #expect(try await fixture.ledger.leases(pool: "p") == [next])
        }
    }

    @Test("a TTL lease that is not lost is renewed past its TTL and released when the body returns")
    func normalPathReleases() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let renewed = try await pool.withLease(holder: "a", ttl: .milliseconds(600)) { lease in
                // Wait for a renewal (an event in the ledger), then return normally.
                while try await fixture.ledger.lease(pool: "p", holder: "a")?.expiresAt == lease.expiresAt {
                    fixture.clock.advance(by: .milliseconds(1))
                    try await Task.sleep(for: .milliseconds(20))
                }
                return lease
            }
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try await fixture.events(.release).map(\.token) == [renewed.token])
            #expect(try await fixture.slot(id: renewed.slotID)?.state == .idle)
        }
    }

    @Test("the body may use state that is not Sendable, and its error passes through")
    func nonSendableState() async throws {
        final class Counter { var value = 0 }
        struct BodyError: Error, Equatable {}
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let counter = Counter()
            await #expect(throws: BodyError()) {
                try await pool.withLease(holder: "a", ttl: .seconds(60)) { _ in
                    counter.value += 1
                    throw BodyError()
                }
            }
            #expect(counter.value == 1)
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
        }
    }

    /// Starts `withLease` with a short TTL and a body that waits until cancelled; returns once the body runs.
    func startWaitingLease(_ pool: Pool, holder: String) async -> (call: Task<Void, any Error>, body: WaitingBody) {
        let body = WaitingBody()
        let call = Task {
            try await withDeadline(.seconds(120)) {
                try await pool.withLease(holder: holder, ttl: .milliseconds(600)) { _ in await body.run() }
            }
        }
        await body.started()
        return (call, body)
    }
}
