import Foundation
import PoolCore
import PoolTesting
import Synchronization
import Testing

/// Doctor's health checks against slots that are in use while they are checked.
@Suite("Doctor and slots in use")
struct DoctorHealthTests {
    @Test("a slot taken while doctor checks it is not judged on what its use looked like, nor removed")
    func slotTakenDuringCheckIsLeftAlone() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let backend = BusyDuringCheckBackend(ledger: fixture.ledger)
            let pool = Pool(name: "p", ledger: fixture.ledger, backend: backend, clock: fixture.clock)
            _ = try await pool.expand(by: 1)

            let findings = try await pool.doctor(fix: true)
            #expect(findings.isEmpty, "\(findings)")
            #expect(backend.checks.load(ordering: .relaxed) == 1, "the slot was checked")
            let slots = try await fixture.ledger.slots(pool: "p")
            #expect(slots.count == 1, "the slot in use was not removed")

            // The same problem on a slot that stands still is a finding, and with fix the slot goes.
            let still = FailingCheckBackend()
            let stillPool = Pool(name: "p", ledger: fixture.ledger, backend: still, clock: fixture.clock)
            let second = try await stillPool.doctor(fix: true)
            #expect(second.map(\.kind) == [.unhealthySlot])
            #expect(try await fixture.ledger.slots(pool: "p").isEmpty)
        }
    }
}

/// Reports a live-looking git lock, and meanwhile a holder takes and gives back the slot, as happens
/// when doctor runs beside busy holders.
final class BusyDuringCheckBackend: ResourceBackend, Sendable {
    let ledger: SQLiteLedger
    let checks = Atomic<Int>(0)

    init(ledger: SQLiteLedger) {
        self.ledger = ledger
    }

    func create(_ slot: Slot) async throws { try await FolderBackend().create(slot) }
    func reset(_ slot: Slot) async throws {}
    func destroy(_ slot: Slot) async throws { try await FolderBackend().destroy(slot) }

    func checkHealth(_ slot: Slot) async -> [String] {
        checks.add(1, ordering: .relaxed)
        let pool = Pool(name: slot.pool, ledger: ledger, backend: FolderBackend())
        if let lease = try? await pool.acquire(holder: "busy") {
            try? await pool.release(lease)
        }
        return ["index.lock present (a git command running)"]
    }
}

/// Always finds a problem, and nobody touches the slot.
struct FailingCheckBackend: ResourceBackend {
    func create(_ slot: Slot) async throws { try await FolderBackend().create(slot) }
    func reset(_ slot: Slot) async throws {}
    func destroy(_ slot: Slot) async throws { try await FolderBackend().destroy(slot) }
    func checkHealth(_ slot: Slot) async -> [String] { ["index.lock present"] }
}
