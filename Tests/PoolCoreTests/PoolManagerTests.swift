import Foundation
import PoolCore
import PoolTesting
import Synchronization
import Testing

/// `Pool` driving the folder backend: real folders in a temporary folder.
@Suite("Pool manager with folders")
struct PoolManagerTests {
    struct BodyError: Error, Equatable {}

    private func contents(of path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    // MARK: withLease

    @Test("withLease releases the lease after the body returns, and the slot comes back clean")
    func withLeaseReleasesOnSuccess() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let seen = try await pool.withLease(holder: "a") { lease in
                #expect(try await fixture.ledger.lease(pool: "p", holder: "a") == lease)
                try Data("work".utf8).write(to: URL(filePath: lease.path).appending(path: "output.txt"))
                return lease
            }
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try await fixture.slot(id: seen.slotID)?.state == .idle)
            #expect(try contents(of: seen.path).isEmpty)
            #expect(try await fixture.events(.release).map(\.token) == [seen.token])
        }
    }

    @Test("withLease releases the lease when the body throws, and rethrows the body's error")
    func withLeaseReleasesOnThrow() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let seen = Mutex<Lease?>(nil)
            await #expect(throws: BodyError()) {
                try await pool.withLease(holder: "a") { lease in
                    seen.withLock { $0 = lease }
                    throw BodyError()
                }
            }
            let lease = try #require(seen.withLock { $0 })
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try await fixture.slot(id: lease.slotID)?.state == .idle)
            // The single slot is free again for someone else.
            let next = try await pool.acquire(holder: "b")
            #expect(next.slotID == lease.slotID)
        }
    }

    // MARK: expand

    @Test("expand creates idle slots with their folders")
    func expandCreatesFolders() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let progress = Mutex<[Int]>([])
            let report = try await fixture.pool().expand(by: 2) { done, total in
                progress.withLock { $0.append(done) }
                #expect(total == 2)
            }
            #expect(report.created.count == 2)
            #expect(report.failures.isEmpty)
            #expect(!report.reachedMaximum)
            #expect(progress.withLock { $0 } == [1, 2])
            let slots = try await fixture.ledger.slots(pool: "p")
            #expect(slots.map(\.state) == [.idle, .idle])
            for slot in slots {
                var isFolder: ObjCBool = false
                #expect(FileManager.default.fileExists(atPath: slot.path, isDirectory: &isFolder))
                #expect(isFolder.boolValue)
            }
        }
    }

    @Test("expand stops at the maximum size and reports reachedMaximum")
    func expandReachesMaximum() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let pool = fixture.pool()
            let report = try await pool.expand(by: 5)
            #expect(report.requested == 5)
            #expect(report.created.count == 3)
            #expect(report.reachedMaximum)
            #expect(try await fixture.ledger.slots(pool: "p").count == 3)
            let full = try await pool.expand(by: 1)
            #expect(full.created.isEmpty)
            #expect(full.reachedMaximum)
        }
    }

    @Test("expand and shrink refuse a count below 1", arguments: [0, -1])
    func countsBelowOne(count: Int) async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let pool = fixture.pool()
            _ = try await pool.expand(by: 1)
            let before = try await fixture.snapshot()
            let expandError = await #expect(throws: PoolError.self) { try await pool.expand(by: count) }
            #expect(expandError?.isInvalidArgument == true)
            let shrinkError = await #expect(throws: PoolError.self) { try await pool.shrink(by: count) }
            #expect(shrinkError?.isInvalidArgument == true)
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a slot whose folder cannot be created is reported as a failure and is never handed out")
    func expandFailureReported() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            // A file where the slot folder should be: creating anything inside it fails.
            try Data("in the way".utf8).write(to: URL(filePath: fixture.slotFolder(of: "p")))
            let report = try await fixture.pool().expand(by: 1)
            #expect(report.created.isEmpty)
            #expect(report.failures.count == 1)
            #expect(try await fixture.ledger.slots(pool: "p").allSatisfy { $0.state != .idle })
            #expect(try await fixture.events(.createFailed).count == 1)
            let inTheWay = try Data(contentsOf: URL(filePath: fixture.slotFolder(of: "p")))
            #expect(inTheWay == Data("in the way".utf8))
        }
    }

    @Test(
        "creating a slot whose folder already exists fails and leaves that folder alone"
    )
    func createDoesNotDestroyExistingFolder() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            // Someone else's folder where slot-0001 will go (say, a pool from an earlier database).
            let foreign = URL(filePath: fixture.slotFolder(of: "p")).appending(path: "slot-0001")
            try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
            try Data("precious".utf8).write(to: foreign.appending(path: "precious.txt"))

            let report = try await fixture.pool().expand(by: 1)
            #expect(report.created.isEmpty)
            #expect(report.failures.map(\.slot.name) == ["slot-0001"])
            #expect(FileManager.default.fileExists(atPath: foreign.appending(path: "precious.txt").path()))
        }
    }

    // MARK: shrink and remove

    @Test("shrink removes the least recently used idle slots and their folders")
    func shrinkLeastRecentlyUsed() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3, onExhausted: .fail)
            let pool = fixture.pool()
            let created = try await pool.expand(by: 3).created.sorted { $0.number < $1.number }
            try #require(created.count == 3)
            var leases: [String: Lease] = [:]
            for holder in ["x", "y", "z"] {
                fixture.clock.advance(by: .seconds(1))
                leases[holder] = try await pool.acquire(holder: holder)
            }
            // Last use order: slot-0003 first, then slot-0001, then slot-0002.
            let bySlot = Dictionary(uniqueKeysWithValues: leases.values.map { ($0.slotID, $0) })
            for slot in [created[2], created[0], created[1]] {
                fixture.clock.advance(by: .seconds(1))
                try await pool.release(try #require(bySlot[slot.id]))
            }

            let report = try await pool.shrink(by: 2)
            #expect(Set(report.removed.map(\.name)) == [created[2].name, created[0].name])
            #expect(report.failures.isEmpty)
            #expect(try await fixture.ledger.slots(pool: "p").map(\.name) == [created[1].name])
            #expect(!FileManager.default.fileExists(atPath: created[2].path))
            #expect(!FileManager.default.fileExists(atPath: created[0].path))
            #expect(FileManager.default.fileExists(atPath: created[1].path))
        }
    }

    @Test("shrink never removes a leased slot")
    func shrinkSkipsLeased() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let pool = fixture.pool()
            _ = try await pool.expand(by: 3)
            let lease = try await pool.acquire(holder: "a")
            let report = try await pool.shrink(by: 3)
            #expect(report.removed.count == 2)
            #expect(try await fixture.ledger.slots(pool: "p").map(\.id) == [lease.slotID])
            #expect(FileManager.default.fileExists(atPath: lease.path))
            _ = try await fixture.ledger.renew(lease.token, ttl: .seconds(60))
        }
    }

    @Test("remove retires old idle slots and broken ones, with their folders")
    func removeRetires() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let pool = fixture.pool()
            let old = try #require(try await pool.expand(by: 1).created.first)
            fixture.clock.advance(by: .seconds(3_600))
            let young = try #require(try await pool.expand(by: 1).created.first)
            // A slot that failed its reset is broken; its folder is still there.
            let lease = try await pool.acquire(holder: "a")
            #expect(lease.slotID == young.id)
            try await pool.release(lease, reset: false)
            let claimed = try #require(try await fixture.ledger.claimForReset(slotID: young.id, worker: .current))
            try await fixture.ledger.finishReset(claimed, worker: .current, error: "broken on purpose", duration: .zero)

            let report = try await pool.remove(
                .retire(olderThan: .seconds(1_800), unusedFor: nil, includeBroken: true)
            )
            #expect(Set(report.removed.map(\.id)) == [old.id, young.id])
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: old.path))
            #expect(!FileManager.default.fileExists(atPath: young.path))
        }
    }

    @Test("remove(.retire) by idle time keeps recently used slots")
    func retireByIdleTime() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2)
            let pool = fixture.pool()
            let created = try await pool.expand(by: 2).created.sorted { $0.number < $1.number }
            fixture.clock.advance(by: .seconds(600))
            let used = try await pool.acquire(holder: "a")
            try await pool.release(used)
            fixture.clock.advance(by: .seconds(60))
            let report = try await pool.remove(
                .retire(olderThan: nil, unusedFor: .seconds(300), includeBroken: false)
            )
            let unused = try #require(created.first { $0.id != used.slotID })
            #expect(report.removed.map(\.id) == [unused.id])
            #expect(try await fixture.ledger.slots(pool: "p").map(\.id) == [used.slotID])
        }
    }

    // MARK: acquire and release through the pool

    @Test("Pool.acquire creates the folder on first use; release resets it for the next holder")
    func acquireReleaseCycle() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1, onExhausted: .fail)
            let pool = fixture.pool()
            let first = try await pool.acquire(holder: "a")
            #expect(FileManager.default.fileExists(atPath: first.path))
            try Data("x".utf8).write(to: URL(filePath: first.path).appending(path: ".hidden"))
            try await pool.release(first)
            #expect(try await fixture.slot(id: first.slotID)?.state == .idle)
            #expect(try contents(of: first.path).isEmpty)
            let second = try await pool.acquire(holder: "b")
            #expect(second.path == first.path)
            await #expect(throws: PoolError.leaseLost(first.token)) { try await pool.release(first) }
        }
    }

    @Test("Pool.renew extends the lease; after expiry it throws leaseLost")
    func poolRenew() async throws {
        try await withLedger { fixture in
            try await fixture.makePool()
            let pool = fixture.pool()
            let lease = try await pool.acquire(holder: "a", ttl: .seconds(10))
            fixture.clock.advance(by: .seconds(5))
            let renewed = try await pool.renew(lease, ttl: .seconds(10))
            #expect(renewed.expiresAt == fixture.clock.now() + .seconds(10))
            fixture.clock.advance(by: .seconds(11))
            await #expect(throws: PoolError.leaseLost(lease.token)) { try await pool.renew(lease, ttl: .seconds(10)) }
        }
    }

    @Test("a slot whose reset fails is marked broken and the acquirer gets another slot")
    func brokenResetSkipped() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2, onExhausted: .fail)
            let pool = fixture.pool()
            let first = try await pool.acquire(holder: "a")
            try await pool.release(first, reset: false)
            // Reset empties the folder; with the folder gone, it fails.
            try FileManager.default.removeItem(atPath: first.path)
            let second = try await pool.acquire(holder: "b")
            #expect(second.slotID != first.slotID)
            #expect(try await fixture.slot(id: first.slotID)?.state == .broken)
            #expect(try await fixture.events(.resetFailed).map(\.slotName) == [first.slotName])
        }
    }
}
