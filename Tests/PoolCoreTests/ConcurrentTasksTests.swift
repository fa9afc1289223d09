import Foundation
import PoolCore
import PoolTesting
import Synchronization
import Testing

/// Many tasks of one process sharing one pool (processes are tested elsewhere).
@Suite("Concurrent tasks in one process")
struct ConcurrentTasksTests {
    @Test("concurrent acquires never hand one slot to two holders, and every holder is served")
    func exclusiveUnderContention() async throws {
        try await withLedger(clock: ManualWallClock(start: SystemWallClock().now())) { fixture in
            try await fixture.makePool(maxSize: 3, onExhausted: .wait)
            let pool = fixture.pool()
            let tracker = SlotUseTracker()
            let holders = (1...12).map { "task-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for holder in holders {
                    group.addTask {
                        // Only a bound against a hang: twelve short holds take well under a second when idle.
                        let lease = try await pool.acquire(holder: holder, wait: .seconds(300))
                        tracker.begin(lease.path)
                        try await Task.sleep(for: .milliseconds(10))
                        tracker.end(lease.path)
                        try await pool.release(lease)
                    }
                }
                try await group.waitForAll()
            }
            #expect(tracker.overlaps.isEmpty)
            let acquires = try await fixture.events(.acquire)
            #expect(Set(acquires.compactMap(\.holder)) == Set(holders))
            #expect(acquires.count == holders.count)
            let slots = try await fixture.ledger.slots(pool: "p")
            #expect(slots.count <= 3)
            #expect(slots.allSatisfy { $0.state == .idle })
            #expect(try await fixture.ledger.leases(pool: "p").isEmpty)
            #expect(try fixture.rowCount("SELECT count(*) FROM waiter") == 0)
        }
    }

    @Test("one holder acquiring from two tasks at once gets one lease on one slot")
    func sameHolderConcurrently() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 2, onExhausted: .fail)
            let pool = fixture.pool()
            async let first = pool.acquire(holder: "a")
            async let second = pool.acquire(holder: "a")
            let (one, two) = try await (first, second)
            #expect(one == two)
            #expect(try await fixture.ledger.slots(pool: "p").count == 1)
            #expect(try await fixture.ledger.leases(pool: "p") == [one])
        }
    }
}

/// Which slot paths are in use right now, and any path that was handed out while already in use.
private final class SlotUseTracker: Sendable {
    private let state = Mutex<(inUse: Set<String>, overlaps: [String])>(([], []))

    func begin(_ path: String) {
        state.withLock { state in
            if !state.inUse.insert(path).inserted {
                state.overlaps.append(path)
            }
        }
    }

    func end(_ path: String) {
        state.withLock { _ = $0.inUse.remove(path) }
    }

    var overlaps: [String] { state.withLock { $0.overlaps } }
}
