import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// Folders and worktrees in the pool's slot folder that no slot accounts for are strays: doctor
/// reports them, doctor --fix and cleanup remove them (folder and git registration).
@Suite("Stray resources")
struct StrayTests {
    /// A pool with two idle slots, a folder made by hand and a worktree added by hand in its slot folder.
    /// Returns the pool, its slots and the two strays' paths.
    private func poolWithStrays(
        _ fixture: WorktreeFixture
    ) async throws -> (pool: WorktreePool, slots: [Slot], folder: String, worktree: String) {
        let pool = try await fixture.makePool()
        let slots = try await pool.expandAll(by: 2)
        let folder = fixture.slotFolder + "/made-by-hand"
        try writeFile("someone's notes\n", to: folder + "/notes.txt")
        let worktree = fixture.slotFolder + "/stray-wt"
        try git(["worktree", "add", "--quiet", "--detach", worktree], in: fixture.repository)
        try #require(try fixture.registration(of: worktree) != nil)
        return (pool, slots, folder, worktree)
    }

    @Test("doctor reports a hand-made folder and a hand-added worktree as strays, never the slots' folders")
    func doctorFindsStrays() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slots, folder, worktree) = try await poolWithStrays(fixture)

            let findings = try await pool.pool.doctor(fix: false)

            let strays = findings.filter { $0.kind == .strayResource }
            #expect(Set(strays.compactMap(\.path).map(canonical)) == [canonical(folder), canonical(worktree)])
            #expect(strays.allSatisfy { !$0.isFixed })
            #expect(findings.count == strays.count)
            let slotPaths = Set(slots.map { canonical($0.path) })
            #expect(findings.allSatisfy { $0.path.map { !slotPaths.contains(canonical($0)) } ?? true })
            // Reporting changes nothing.
            #expect(exists(folder + "/notes.txt"))
            #expect(try fixture.registration(of: worktree) != nil)
        }
    }

    @Test("doctor with fix removes the strays' folders and git registrations, and keeps the slots")
    func doctorFixRemovesStrays() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slots, folder, worktree) = try await poolWithStrays(fixture)

            let findings = try await pool.pool.doctor(fix: true)

            let strays = findings.filter { $0.kind == .strayResource }
            #expect(strays.count == 2)
            #expect(strays.allSatisfy { $0.isFixed })
            #expect(!exists(folder))
            #expect(!exists(worktree))
            #expect(try fixture.registration(of: worktree) == nil)
            #expect(!exists(fixture.repositoryPath + "/.git/worktrees/stray-wt"))
            for slot in slots {
                #expect(exists(slot.path))
                #expect(try fixture.registration(of: slot.path) != nil)
            }
            #expect(try await fixture.slots().map(\.state) == [.idle, .idle])
            #expect(try await pool.pool.doctor(fix: false) == [])
        }
    }

    @Test("cleanup removes strays, including a worktree git lists whose folder is already gone")
    func cleanupRemovesStrays() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slots, folder, worktree) = try await poolWithStrays(fixture)
            let ghost = fixture.slotFolder + "/ghost-wt"
            try git(["worktree", "add", "--quiet", "--detach", ghost], in: fixture.repository)
            try FileManager.default.removeItem(atPath: ghost)
            try #require(try fixture.registration(of: ghost) != nil)

            let report = try await pool.pool.cleanup(.init())

            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(Set(report.strays.map(canonical)) == [canonical(folder), canonical(worktree), canonical(ghost)])
            #expect(!exists(folder))
            #expect(!exists(worktree))
            #expect(try fixture.registration(of: worktree) == nil)
            #expect(try fixture.registration(of: ghost) == nil)
            #expect(report.retired.isEmpty)
            for slot in slots {
                #expect(exists(slot.path))
                #expect(try fixture.registration(of: slot.path) != nil)
            }
            #expect(Set(try fixture.registeredWorktrees())
                == Set([canonical(fixture.repositoryPath)] + slots.map { canonical($0.path) }))
        }
    }

    @Test("a dry-run cleanup lists strays and removes nothing")
    func dryRunCleanupKeepsStrays() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, _, folder, worktree) = try await poolWithStrays(fixture)
            let report = try await pool.pool.cleanup(.init(dryRun: true))
            #expect(Set(report.strays.map(canonical)) == [canonical(folder), canonical(worktree)])
            #expect(exists(folder + "/notes.txt"))
            #expect(exists(worktree))
            #expect(try fixture.registration(of: worktree) != nil)
        }
    }

    @Test("slots in every state are never strays, whoever holds them")
    func slotsAreNeverStrays() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            try await pool.expandAll(by: 2)
            let leased = try await pool.pool.acquire(holder: "h")
            let dirty = try await pool.pool.acquire(holder: "d")
            try writeFile("x\n", to: dirty.path + "/untracked.txt")
            try await pool.pool.release(dirty, reset: false)

            let findings = try await pool.pool.doctor(fix: true)
            #expect(!findings.contains { $0.kind == .strayResource })
            let report = try await pool.pool.cleanup(.init())
            #expect(report.strays.isEmpty)
            #expect(exists(leased.path))
            #expect(exists(dirty.path))
        }
    }
}
