import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Synchronization
import Testing

/// Where the ledger's transactions run: inline when the lock is free, on its queue when it is taken, and
/// checkpoints in the background.
@Suite("Ledger connection")
struct LedgerConnectionTests {
    @Test("a ledger call made while another connection holds the write lock waits for it, then succeeds")
    func callWaitsForAnotherWriter() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let other = try Connection(path: fixture.databasePath, create: false)
            defer { try? other.close() }
            try other.execute("BEGIN IMMEDIATE")
            try other.execute("UPDATE pool SET min_idle = 0")

            let finished = Atomic<Bool>(false)
            let acquire = Task {
                defer { finished.store(true, ordering: .releasing) }
                return try await fixture.ledger.acquire(fixture.request("waiter"))
            }
            try await Task.sleep(for: .milliseconds(300))
            let finishedEarly = finished.load(ordering: .acquiring)
            #expect(!finishedEarly, "the acquire cannot finish while the lock is held")
            try other.execute("COMMIT")

            let outcome = try await acquire.value
            #expect(outcome.grant.readyLease?.holder == "waiter")
        }
    }

    @Test("a steady stream of writes keeps the write-ahead log bounded")
    func logStaysBounded() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            try await fixture.makeIdleSlots(1)
            let pool = fixture.pool()
            // About 20 log frames of 4 KiB per cycle: 1,500 cycles write about 30,000 frames (120 MiB)
            // if the log never starts again, and the ledger restarts it past 8,000.
            for _ in 0..<1_500 {
                let lease = try await pool.acquire(holder: "cycler")
                try await pool.release(lease)
            }
            let log = try FileManager.default.attributesOfItem(atPath: fixture.databasePath + "-wal")
            let bytes = try #require(log[.size] as? Int)
            #expect(bytes < 80 * 1_024 * 1_024, "the log is \(bytes) bytes")
        }
    }
}
