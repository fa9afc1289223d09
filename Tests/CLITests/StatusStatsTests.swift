import Foundation
import PoolTesting
import Testing

@Suite("status and stats")
struct StatusStatsTests {
    @Test("status prints a table with one row per slot and the holder of each lease")
    func statusTable() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let lease = try await fixture.acquire("job-7")
            let result = try await fixture.cli(["status"])
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            try #require(lines.count == 3, "\(result)")
            #expect(
                lines[0].split(separator: " ", omittingEmptySubsequences: true).prefix(3) == [
                    "SLOT", "STATE", "HOLDER",
                ]
            )
            let leasedRow = try #require(lines.first { $0.hasPrefix(lease.slot) })
            let cells = leasedRow.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(cells[1] == "leased" && cells[2] == "job-7", "\(leasedRow)")
            #expect(leasedRow.hasSuffix(lease.path))
            let idleRow = try #require(lines.dropFirst().first { !$0.hasPrefix(lease.slot) })
            #expect(idleRow.split(separator: " ", omittingEmptySubsequences: true)[1] == "idle")
        }
    }

    @Test("status of a pool without slots says so on stderr and prints nothing on stdout")
    func statusEmpty() async throws {
        try await withFixture { fixture in
            try await fixture.initPool()
            let result = try await fixture.cli(["status"])
            #expect(result.status == 0)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("no slots"), "\(result)")
            #expect(try await fixture.slots().isEmpty)
        }
    }

    @Test("status --json lists every slot with state, path, holder and token")
    func statusJSON() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let lease = try await fixture.acquire("job-7")
            let slots = try await fixture.slots()
            #expect(slots.count == 2)
            let leased = try #require(slots.first { $0.name == lease.slot })
            #expect(leased.state == "leased")
            #expect(leased.holder == "job-7")
            #expect(leased.token == lease.token)
            #expect(leased.path == lease.path)
            #expect(leased.uses == 1)
            let idle = try #require(slots.first { $0.name != lease.slot })
            #expect(idle.state == "idle" && idle.holder == nil && idle.token == nil && idle.uses == 0)
        }
    }

    /// Two runs, then one acquire still held.
    func busyPool(_ fixture: CLIFixture) async throws {
        try await fixture.initPool(["--min-idle", "2"])
        for holder in ["a", "b"] {
            #expect(try await fixture.cli(["run", "--holder", holder, "--", "true"]).status == 0)
            _ = try await fixture.slotsAfterResets()
        }
        _ = try await fixture.acquire("c")
    }

    @Test("stats counts acquires and slots per state, as text and as JSON")
    func statsTextAndJSON() async throws {
        try await withFixture { fixture in
            try await busyPool(fixture)
            let text = try await fixture.cli(["stats"])
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("pool:      default"), "\(text)")
            #expect(text.stdout.contains("slots:     1 idle, 1 leased"), "\(text)")
            #expect(text.stdout.contains("acquires:  3 "), "\(text)")
            #expect(text.stdout.contains("created:   2 slots"), "\(text)")

            struct Stats: Decodable {
                var pool: String
                var acquires: Int
                var slotsByState: [String: Int]
                var slotsCreated: Int
                var exhausted: Int
            }
            let json = try await fixture.cli(["stats", "--json"])
            #expect(json.status == 0)
            let stats = try JSONDecoder().decode(Stats.self, from: Data(json.stdout.utf8))
            #expect(stats.pool == "default")
            #expect(stats.acquires == 3)
            #expect(stats.slotsByState == ["idle": 1, "leased": 1])
            #expect(stats.slotsCreated == 2)
            #expect(stats.exhausted == 0)
        }
    }

    @Test("stats --prometheus has a shesha_pool_slots gauge per state")
    func prometheus() async throws {
        try await withFixture { fixture in
            try await busyPool(fixture)
            let result = try await fixture.cli(["stats", "--prometheus"])
            #expect(result.status == 0, "\(result)")
            var samples: [String: Double] = [:]
            for line in result.stdout.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 2, "a sample is `name{labels} value`: \(line)")
                samples[String(parts[0])] = Double(parts[1])
            }
            #expect(samples["shesha_pool_slots{pool=\"default\",state=\"idle\"}"] == 1)
            #expect(samples["shesha_pool_slots{pool=\"default\",state=\"leased\"}"] == 1)
            #expect(samples["shesha_pool_slots{pool=\"default\",state=\"broken\"}"] == 0)
            #expect(samples["shesha_pool_acquires_total{pool=\"default\",source=\"warm\"}"] == 3)
            #expect(result.stdout.contains("# TYPE shesha_pool_slots gauge"))
        }
    }
}
