import Foundation
import PoolTesting
import Testing

@Suite("expand and shrink")
struct ExpandShrinkTests {
    @Test("expand N creates N more idle worktrees")
    func expand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli(["expand", "3"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.isEmpty, "progress and summary go to stderr: \(result)")
            #expect(result.stderr.contains("created 3 of 3 slots"), "\(result)")
            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == ["slot-0001", "slot-0002", "slot-0003", "slot-0004"])
            #expect(slots.allSatisfy { $0.state == "idle" })
            let worktrees = try git(["worktree", "list"], in: fixture.repository)
            #expect(slots.allSatisfy { worktrees.contains($0.path) })
        }
    }

    @Test("expand stops at the pool's maximum size and says so")
    func expandStopsAtMaximum() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "3", "--min-idle", "1"])
            let result = try await fixture.cli(["expand", "5"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("created 2 of 5 slots"), "\(result)")
            #expect(result.stderr.contains("maximum"), "\(result)")
            #expect(try await fixture.slots().count == 3)
        }
    }

    @Test("shrink N removes idle slots, least recently used first, with their folders and worktrees")
    func shrinkLeastRecentlyUsed() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "3"])
            // Whichever slot acquire picks becomes the most recently used one.
            let lease = try await fixture.acquire("user")
            #expect(try await fixture.cli(["release", "--holder", "user"]).status == 0)
            _ = try await fixture.slotsAfterResets()

            let result = try await fixture.cli(["shrink", "2"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("removed 2 idle slots"), "\(result)")
            let remaining = try await fixture.slots()
            #expect(remaining.map(\.path) == [lease.path], "the recently used slot stays: \(remaining)")

            let left = try FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder().path())
            #expect(left == [lease.slot])
            let worktrees = try git(["worktree", "list", "--porcelain"], in: fixture.repository)
            #expect(
                worktrees.components(separatedBy: "worktree ").count - 1 == 2,
                "repository + one slot: \(worktrees)"
            )
        }
    }

    @Test("shrink never removes a leased slot")
    func shrinkSparesLeased() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let lease = try await fixture.acquire("busy")
            let result = try await fixture.cli(["shrink", "2"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("removed 1 idle slots (no more idle ones)"), "\(result)")
            let slots = try await fixture.slots()
            #expect(slots.map(\.path) == [lease.path])
            #expect(slots.first?.holder == "busy")
            #expect(FileManager.default.fileExists(atPath: lease.path + "/README.md"))
        }
    }

    @Test("slot names are never reused after shrink")
    func namesNotReused() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            #expect(try await fixture.cli(["shrink", "2"]).status == 0)
            #expect(try await fixture.slots().isEmpty)
            #expect(try await fixture.cli(["expand", "1"]).status == 0)
            #expect(try await fixture.slots().map(\.name) == ["slot-0003"])
        }
    }
}
