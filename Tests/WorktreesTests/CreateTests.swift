import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// `expand` makes real worktrees: detached at the base commit, registered with git, never adopted.
@Suite("Creating worktree slots")
struct CreateTests {
    @Test("expand makes idle worktrees detached at the base commit, each registered with git")
    func expandMakesDetachedWorktrees() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let report = try await pool.pool.expand(by: 2)
            #expect(report.failures.isEmpty, "\(report.failures.map(\.message))")
            #expect(report.created.map(\.name) == ["slot-0001", "slot-0002"])

            let base = try await fixture.config().baseCommit
            #expect(base == (try git(["rev-parse", "main"], in: fixture.repository).trimmed))
            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == [.idle, .idle])
            for slot in slots {
                #expect(canonical(slot.path) == canonical(fixture.slotFolder + "/" + slot.name))
                #expect(try head(at: slot.path) == base)
                // Detached: HEAD names no branch.
                #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], at: slot.path).trimmed == "HEAD")
                #expect(try status(at: slot.path).isEmpty)
                #expect(contents(of: slot.path + "/src/main.txt") == "hello\n")
                let registration = try #require(try fixture.registration(of: slot.path))
                #expect(registration.contains("HEAD \(base)"))
                #expect(registration.contains("detached"))
            }
        }
    }

    @Test("creation refuses to adopt a folder already at the slot's path, and leaves it untouched")
    func refusesToAdoptExistingFolder() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            // Someone else's folder exactly where the pool's next slot goes.
            let squatter = fixture.slotFolder + "/slot-0001"
            try writeFile("keep me\n", to: squatter + "/precious.txt")

            let report = try await pool.pool.expand(by: 1)
            #expect(report.created.isEmpty)
            let failure = try #require(report.failures.first)
            #expect(failure.slot.name == "slot-0001")
            #expect(failure.message.contains("already exists"))

            #expect(try FileManager.default.contentsOfDirectory(atPath: squatter) == ["precious.txt"])
            #expect(contents(of: squatter + "/precious.txt") == "keep me\n")
            #expect(try fixture.registration(of: squatter) == nil)
            // Kept as a broken slot that says why (removing it would delete what is there).
            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == [.broken])
            #expect(slots.first?.error?.contains("already exists") == true)
            // Never handed out: the next holder gets a new slot, and the folder is still untouched.
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            #expect(lease.slotName != "slot-0001")
            #expect(try FileManager.default.contentsOfDirectory(atPath: squatter) == ["precious.txt"])
        }
    }

    @Test("after a refused creation the next slot gets a new name and is created normally")
    func nextSlotAfterRefusalGetsNewName() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            try writeFile("keep me\n", to: fixture.slotFolder + "/slot-0001/precious.txt")
            _ = try await pool.pool.expand(by: 1)

            let report = try await pool.pool.expand(by: 1)
            #expect(report.failures.isEmpty, "\(report.failures)")
            let created = try #require(report.created.first)
            #expect(created.name == "slot-0002")
            #expect(try head(at: created.path) == (try await fixture.config().baseCommit))
            #expect(contents(of: fixture.slotFolder + "/slot-0001/precious.txt") == "keep me\n")
        }
    }
}

/// Many worktrees created at once in one repository: git's own `worktree add` is not safe against a
/// concurrent add, so this catches a backend that does not cope.
@Suite("Creating many worktree slots at once")
struct ParallelCreateTests {
    // Three repositories at once: a collision shows up in about one run of four with a single one.
    @Test("expanding by many slots in parallel creates every one of them", arguments: 1...3)
    func parallelExpandCreatesAll(round: Int) async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(maxSize: 24)
            let report = try await pool.pool.expand(by: 24, parallelism: 8)
            #expect(report.failures.isEmpty, "\(report.failures.map(\.message))")
            #expect(report.created.count == 24)
            let base = try await fixture.config().baseCommit
            let registered = Set(try fixture.registeredWorktrees())
            for slot in try await fixture.slots() {
                #expect(slot.state == .idle)
                #expect(registered.contains(canonical(slot.path)))
                #expect(try head(at: slot.path) == base)
            }
        }
    }
}
