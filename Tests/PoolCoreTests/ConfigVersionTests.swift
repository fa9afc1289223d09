import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Synchronization
import Testing

/// A config change (a refresh moving the base) and slow work that began under the old config cannot
/// interleave into a ready slot at the old config; config changes are read and written in one transaction.
@Suite("Config version")
struct ConfigVersionTests {
    @Test("a reset that began before a config change is handed back for another reset, not made idle")
    func resetUnderOldConfigIsRedone() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let lease = try await fixture.acquireReady("a")
            let claimed = try await fixture.ledger.release(lease.token, resetBy: .current)
            try #require(claimed.state == .resetting)

            try await fixture.ledger.updateConfig(pool: "p") { _ in #"{"base":"new"}"# }
            let again = try #require(
                try await fixture.ledger.finishReset(claimed, worker: .current, error: nil, duration: .zero)
            )
            #expect(again.state == .resetting)
            #expect(again.worker == .current)
            #expect(again.configVersion == claimed.configVersion + 1)
            #expect(try await fixture.slot(id: claimed.id)?.state == .resetting)
            #expect(try await fixture.events(.reset).isEmpty)

            #expect(try await fixture.ledger.finishReset(again, worker: .current, error: nil, duration: .zero) == nil)
            #expect(try await fixture.slot(id: claimed.id)?.state == .idle)
        }
    }

    @Test("an acquirer's reset under an old config is redone, and the lease waits for it")
    func acquirersResetIsRedone() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            _ = try await fixture.makeDirtySlot()
            let outcome = try await fixture.ledger.acquire(fixture.request("b"))
            let (lease, slot) = try #require(outcome.grant.resetClaim)

            try await fixture.ledger.updateConfig(pool: "p") { _ in #"{"base":"new"}"# }
            let again = try #require(
                try await fixture.ledger.finishReset(slot, worker: .current, error: nil, duration: .zero)
            )
            #expect(try await fixture.ledger.lease(pool: "p", holder: "b")?.token == lease.token)
            #expect(try await fixture.ledger.finishReset(again, worker: .current, error: nil, duration: .zero) == nil)
            #expect(try await fixture.slot(id: slot.id)?.state == .leased)
        }
    }

    @Test("a creation that began before a config change is handed back for a reset")
    func creationUnderOldConfigIsReset() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let reserved = try await fixture.reserveSlot()
            try await fixture.ledger.updateConfig(pool: "p") { _ in #"{"base":"new"}"# }
            let again = try #require(
                try await fixture.ledger.finishCreate(reserved, worker: .current, duration: .zero)
            )
            #expect(again.state == .resetting)
            #expect(try await fixture.ledger.finishReset(again, worker: .current, error: nil, duration: .zero) == nil)
            #expect(try await fixture.slot(id: reserved.id)?.state == .idle)
        }
    }

    @Test("rewriting the same config keeps the version, so work under way stands")
    func unchangedConfigKeepsVersion() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let reserved = try await fixture.reserveSlot()
            try await fixture.ledger.updateConfig(pool: "p") { $0 }
            #expect(try await fixture.ledger.finishCreate(reserved, worker: .current, duration: .zero) == nil)
            #expect(try await fixture.slot(id: reserved.id)?.state == .idle)
        }
    }

    @Test("the Pool resets a slot again when the config changed during its reset")
    func poolRedoesReset() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let backend = ChangingConfigBackend(ledger: fixture.ledger)
            let pool = Pool(name: "p", ledger: fixture.ledger, backend: backend, clock: fixture.clock)
            _ = try await pool.expand(by: 1)
            let lease = try await pool.acquire(holder: "a")
            try await pool.release(lease)
            #expect(backend.resets == 2, "the first reset saw the old config and was redone")
            #expect(try await fixture.slot(id: lease.slotID)?.state == .idle)
        }
    }

    @Test("two config changes queued behind another writer are both kept")
    func concurrentChangesAreBothKept() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let second = try SQLiteLedger(path: fixture.databasePath, clock: fixture.clock)
            let other = try Connection(path: fixture.databasePath, create: false)
            defer { try? other.close() }
            // Both changes start while the lock is held: a change that read the config before it had
            // the lock would then overwrite the other.
            try other.execute("BEGIN IMMEDIATE")
            let waitedBefore = (fixture.ledger.writesThatWaited, second.writesThatWaited)
            let first = Task { try await fixture.ledger.updateConfig(pool: "p") { try Self.adding("first", to: $0) } }
            let later = Task { try await second.updateConfig(pool: "p") { try Self.adding("second", to: $0) } }
            let deadline = ContinuousClock.now + .seconds(60)
            while fixture.ledger.writesThatWaited == waitedBefore.0 || second.writesThatWaited == waitedBefore.1 {
                try #require(ContinuousClock.now < deadline, "the changes never queued behind the lock")
                await Task.yield()
            }
            try other.execute("COMMIT")
            _ = try await (first.value, later.value)

            let config = try await fixture.ledger.pool(named: "p").config
            let keys = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Bool])
            #expect(Set(keys.keys) == ["first", "second"])
        }
    }

    @Test("a config change that throws changes nothing")
    func failedChangeChangesNothing() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let before = try await fixture.ledger.pool(named: "p")
            await #expect(throws: PoolError.self) {
                try await fixture.ledger.updateConfig(pool: "p") { _ in throw PoolError.invalidArgument("no") }
            }
            #expect(try await fixture.ledger.pool(named: "p") == before)
        }
    }

    private static func adding(_ key: String, to json: String) throws -> String {
        var object = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Bool]) ?? [:]
        object[key] = true
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

/// Makes folders; its first reset changes the pool's config midway, as a refresh would.
private final class ChangingConfigBackend: ResourceBackend, Sendable {
    let ledger: SQLiteLedger
    private let resetCount = Mutex(0)

    init(ledger: SQLiteLedger) {
        self.ledger = ledger
    }

    var resets: Int { resetCount.withLock { $0 } }

    func create(_ slot: Slot) async throws { try await FolderBackend().create(slot) }
    func destroy(_ slot: Slot) async throws { try await FolderBackend().destroy(slot) }
    func checkHealth(_ slot: Slot) async -> [String] { [] }

    func reset(_ slot: Slot) async throws {
        let count = resetCount.withLock { count in
            count += 1
            return count
        }
        if count == 1 {
            try await ledger.updateConfig(pool: slot.pool) { _ in #"{"base":"moved"}"# }
        }
    }
}
