import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

@Suite("lease index in the ledger")
struct LeaseIndexLedgerTests {
    @Test("indexes are per pool, the smallest free one, and a lease keeps its own until it ends")
    func smallestFreePerPool() async throws {
        try await withLedger { fixture in
            _ = try await fixture.makePool("p", maxSize: 4)
            _ = try await fixture.makePool("q", maxSize: 4)
            let p = fixture.pool("p")
            let q = fixture.pool("q")
            let a = try await p.acquire(holder: "a")
            let b = try await p.acquire(holder: "b")
            let c = try await p.acquire(holder: "c")
            #expect([a.index, b.index, c.index] == [Int](0...2))
            #expect(try await q.acquire(holder: "a").index == 0, "another pool counts on its own")
            try await p.release(b)
            let d = try await p.acquire(holder: "d")
            #expect(d.index == 1)
            #expect(try await p.acquire(holder: "c").index == 2, "acquiring again keeps the index")
            let live = try await fixture.ledger.leases(pool: "p").map { [$0.holder: $0.index] }
            #expect(live == [["a": 0], ["c": 2], ["d": 1]])
        }
    }

    @Test("migration 0005 gives leases live at the upgrade indexes in the order they were granted, per pool")
    func migrationNumbersLiveLeases() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appending(path: "pool.db").path(percentEncoded: false)
            do {
                let connection = try Connection(path: path)
                let older = try SQLiteLedger.embeddedMigrations().filter { $0.version < 5 }
                _ = try Migrator(older).migrate(connection)
                try connection.executeScript(
                    """
                    INSERT INTO pool (id, name, kind, slot_folder, max_size, on_exhausted, created_at)
                    VALUES (1, 'p', 'folder', '/tmp/p', 4, 'wait', 0), (2, 'q', 'folder', '/tmp/q', 4, 'wait', 0);
                    INSERT INTO slot (id, pool_id, number, name, path, state, created_at, state_changed_at)
                    VALUES (1, 1, 1, 's1', '/tmp/p/s1', 'leased', 0, 0), (2, 1, 2, 's2', '/tmp/p/s2', 'leased', 0, 0),
                           (3, 2, 1, 's1', '/tmp/q/s1', 'leased', 0, 0);
                    INSERT INTO lease (token, pool_id, slot_id, holder, owner_host, owner_boot_id, owner_pid,
                                       owner_start_time, requested_at, acquired_at)
                    VALUES (7, 1, 2, 'later', 'h', 'b', 1, 1, 0, 0), (3, 1, 1, 'earlier', 'h', 'b', 1, 1, 0, 0),
                           (5, 2, 3, 'other', 'h', 'b', 1, 1, 0, 0);
                    """
                )
                try connection.close()
            }
            let ledger = try SQLiteLedger(path: path)
            #expect(try await ledger.leases(pool: "p").map { [$0.holder: $0.index] } == [["earlier": 0], ["later": 1]])
            #expect(try await ledger.leases(pool: "q").map { [$0.holder: $0.index] } == [["other": 0]])
            #expect(try await ledger.leases(pool: "p").allSatisfy { $0.branch == nil })
        }
    }
}
