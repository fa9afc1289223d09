import Foundation
import PoolTesting
import Testing

@Suite("cleanup")
struct CleanupTests {
    struct Report: Decodable {
        struct Lease: Decodable {
            var holder: String
            var slot: String
        }
        var dryRun: Bool
        var reclaimedLeases: [Lease]
        var recoveredSlots: [String]
        var retiredSlots: [String]
        var strayResources: [String]
        var failures: [String]
    }

    func report(_ result: CLIOutput, sourceLocation: SourceLocation = #_sourceLocation) throws -> Report {
        try #require(result.status == 0, "cleanup failed: \(result)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    @Test("--dry-run says what it would do and changes nothing")
    func dryRun() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            try FileManager.default.createDirectory(
                at: fixture.slotFolder().appending(path: "stray"),
                withIntermediateDirectories: false
            )
            try await Task.sleep(for: .milliseconds(1_100))
            let before = try await fixture.snapshot()

            let text = try await fixture.cli(["cleanup", "--max-age", "1s", "--dry-run"])
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("would retire 2 slots"), "\(text)")
            #expect(text.stdout.contains("would remove 1 stray"), "\(text)")

            let json = try report(try await fixture.cli(["cleanup", "--max-age", "1s", "--dry-run", "--json"]))
            #expect(json.dryRun)
            #expect(json.retiredSlots.sorted() == ["slot-0001", "slot-0002"])
            #expect(json.strayResources.count == 1)

            #expect(try await fixture.snapshot() == before)
        }
    }

    /// Ages are in seconds of wall time, so the tests wait; the limit is wide enough that a slot made
    /// just before `cleanup` is still younger than it on a busy machine (checked, not assumed).
    static let limit = Duration.seconds(3)

    @Test("--max-age retires idle slots older than that; newer and leased slots stay")
    func maxAge() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let leased = try await fixture.acquire("busy")
            try await Task.sleep(for: Self.limit + .milliseconds(300))
            let fresh = ContinuousClock.now
            #expect(try await fixture.cli(["expand", "1"]).status == 0)

            let json = try report(try await fixture.cli(["cleanup", "--max-age", "3s", "--json"]))
            let freshStillYoung = ContinuousClock.now - fresh < Self.limit
            #expect(!json.dryRun)
            let old = try #require(["slot-0001", "slot-0002"].first { $0 != leased.slot })
            #expect(json.retiredSlots.contains(old))
            #expect(!json.retiredSlots.contains(leased.slot), "a leased slot is never retired")
            #expect(json.failures.isEmpty)
            if freshStillYoung {
                #expect(json.retiredSlots == [old])
                #expect(try await fixture.slots().map(\.name) == [leased.slot, "slot-0003"].sorted())
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.slotFolder().appending(path: old).path()))
            #expect(!(try git(["worktree", "list"], in: fixture.repository)).contains(old))
        }
    }

    @Test("--idle-for retires slots unused for that long; a recently used one stays")
    func idleFor() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            try await Task.sleep(for: Self.limit + .milliseconds(300))
            let fresh = ContinuousClock.now
            let used = try await fixture.acquire("user")
            #expect(try await fixture.cli(["release", "--holder", "user"]).status == 0)
            _ = try await fixture.slotsAfterResets()

            let result = try await fixture.cli(["cleanup", "--idle-for", "3s"])
            let usedRecently = ContinuousClock.now - fresh < Self.limit
            #expect(result.status == 0, "\(result)")
            let unused = try #require(["slot-0001", "slot-0002"].first { $0 != used.slot })
            #expect(!(try await fixture.slots().map(\.name)).contains(unused))
            if usedRecently {
                #expect(result.stdout.contains("retired 1 slots"), "one summary line on stdout: \(result)")
                #expect(try await fixture.slots().map(\.name) == [used.slot])
            }
        }
    }

    @Test("cleanup reclaims the lease of a dead owner")
    func reclaimsDeadOwner() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let sleeper = try Sleeper()
            let acquired = try await fixture.cli(["acquire", "--holder", "gone", "--owner-pid", String(sleeper.pid)])
            #expect(acquired.status == 0, "\(acquired)")
            sleeper.stop()

            let json = try report(try await fixture.cli(["cleanup", "--json"]))
            #expect(json.reclaimedLeases.map(\.holder) == ["gone"])
            #expect(json.retiredSlots.isEmpty, "without --max-age/--idle-for no slot is retired")
            // The slot is free again (dirty until someone resets it), and the next holder gets it clean.
            let slot = try #require(try await fixture.slots().first)
            #expect(slot.holder == nil && slot.state != "leased", "\(slot)")
            let next = try await fixture.acquire("next")
            #expect(next.path == slot.path)
        }
    }

    @Test("cleanup on a healthy pool retires nothing without --max-age or --idle-for")
    func healthyPool() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            _ = try await fixture.acquire("busy")
            let before = try await fixture.slots()
            let json = try report(try await fixture.cli(["cleanup", "--json"]))
            #expect(json.reclaimedLeases.isEmpty && json.retiredSlots.isEmpty && json.strayResources.isEmpty)
            #expect(try await fixture.slots() == before)
        }
    }
}
