import Foundation
import PoolCore
import PoolTesting
import Testing

/// Slot names come from a per-pool sequence that only grows, so a path once handed out never silently
/// names another slot (the Python seed reused names after shrink).
@Suite("Slot naming")
struct SlotNamingTests {
    @Test("after shrink then expand, slot numbers keep growing and paths are never reused")
    func namesNeverReused() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 3)
            let pool = fixture.pool()
            let first = try await pool.expand(by: 3).created
            #expect(first.map(\.number).sorted() == [1, 2, 3])
            let removed = try await pool.shrink(by: 2).removed
            #expect(removed.count == 2)
            let second = try await pool.expand(by: 2).created
            #expect(second.map(\.number).sorted() == [4, 5])
            #expect(second.map(\.name).sorted() == ["slot-0004", "slot-0005"])

            let everPaths = (first + second).map(\.path)
            #expect(Set(everPaths).count == everPaths.count)
            let current = try await fixture.ledger.slots(pool: "p")
            #expect(current.count == 3)
            for slot in current {
                #expect(FileManager.default.fileExists(atPath: slot.path))
            }
            for slot in removed {
                #expect(!current.map(\.path).contains(slot.path))
            }
        }
    }

    @Test("numbers are not reused after a failed creation or a removal of the newest slot")
    func numbersAfterFailureAndRemoval() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 5)
            let one = try await fixture.reserveSlot(by: .current)
            try await fixture.ledger.failCreate(one, worker: .current, error: "x", cleanedUp: true)
            let two = try #require(try await fixture.makeIdleSlots(1).first)
            let claimed = try #require(
                try await fixture.ledger.claimForDestroy(pool: "p", selection: .allUnleased, worker: .current).first
            )
            try await fixture.ledger.finishDestroy(claimed, worker: .current, error: nil)
            let three = try #require(try await fixture.makeIdleSlots(1).first)
            #expect([one.number, two.number, three.number] == [1, 2, 3])
            #expect(three.name == "slot-0003")
        }
    }

    @Test("each pool has its own sequence")
    func sequencePerPool() async throws {
        try await withLedger { fixture in
            try await fixture.makePool("p")
            try await fixture.makePool("q")
            let p = try await fixture.makeIdleSlots(2, pool: "p")
            let q = try await fixture.makeIdleSlots(1, pool: "q")
            #expect(p.map(\.name) == ["slot-0001", "slot-0002"])
            #expect(q.map(\.name) == ["slot-0001"])
            #expect(Set((p + q).map(\.path)).count == 3)
        }
    }

    @Test("a slot path is the pool's folder and the slot name, whatever trailing slashes the folder has")
    func pathFromFolder() async throws {
        try await withLedger { fixture in
            let folder = fixture.folder.appending(path: "trailing").path(percentEncoded: false)
            try await fixture.ledger.createPool(
                PoolDefinition(name: "t", kind: "folder", slotFolder: folder + "//", maxSize: 1)
            )
            let slot = try #require(try await fixture.makeIdleSlots(1, pool: "t").first)
            #expect(slot.path == folder + "/slot-0001")
        }
    }

    @Test(
        "two pools given the same slot folder never hand out the same path"
    )
    func sharedSlotFolder() async throws {
        try await withLedger { fixture in
            let shared = fixture.folder.appending(path: "shared").path(percentEncoded: false)
            try await fixture.ledger.createPool(
                PoolDefinition(name: "p", kind: "folder", slotFolder: shared, maxSize: 1)
            )
            do {
                try await fixture.ledger.createPool(
                    PoolDefinition(name: "q", kind: "folder", slotFolder: shared, maxSize: 1)
                )
            } catch PoolError.invalidArgument {
                return  // Refusing the overlap up front is a fine answer.
            }
            // Accepted: then both pools must be able to get a slot, at different paths.
            try await fixture.makeIdleSlots(1, pool: "p")
            try await fixture.makeIdleSlots(1, pool: "q")
            let p = try await fixture.acquireReady("a", pool: "p")
            let q = try await fixture.acquireReady("a", pool: "q")
            #expect(p.path != q.path)
        }
    }
}
