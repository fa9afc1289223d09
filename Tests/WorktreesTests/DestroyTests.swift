import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// Removing a slot removes its folder and git's record of it, even when the folder is already gone.
@Suite("Destroying worktree slots")
struct DestroyTests {
    @Test("shrink removes the worktree's folder and its entry in git worktree list")
    func shrinkRemovesFolderAndRegistration() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let created = try await pool.expandAll(by: 2)

            let report = try await pool.pool.shrink(by: 1)

            #expect(report.failures.isEmpty, "\(report.failures)")
            let removed = try #require(report.removed.first)
            #expect(report.removed.count == 1)
            #expect(!exists(removed.path))
            #expect(try fixture.registration(of: removed.path) == nil)
            #expect(!exists(fixture.repositoryPath + "/.git/worktrees/\(removed.name)"))
            // The other slot is untouched.
            let kept = try #require(created.first { $0.id != removed.id })
            #expect(exists(kept.path))
            #expect(try fixture.registration(of: kept.path) != nil)
            #expect(try await fixture.slots().map(\.name) == [kept.name])
        }
    }

    @Test("destroying a slot whose folder was deleted by hand succeeds and prunes git's registration")
    func destroyAfterFolderDeletedByHand() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let slot = try #require(try await pool.expandAll(by: 1).first)
            try FileManager.default.removeItem(atPath: slot.path)
            // Git still remembers the worktree until someone prunes.
            try #require(try fixture.registration(of: slot.path) != nil)

            let report = try await pool.pool.shrink(by: 1)

            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(report.removed.map(\.name) == [slot.name])
            #expect(try fixture.registration(of: slot.path) == nil)
            #expect(!exists(fixture.repositoryPath + "/.git/worktrees/\(slot.name)"))
            #expect(try await fixture.slots().isEmpty)
        }
    }

    @Test("destroying a slot whose folder git no longer knows removes the folder")
    func destroyUnregisteredFolder() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let slot = try #require(try await pool.expandAll(by: 1).first)
            // The registration is gone, the folder (with its dangling .git file) is still there.
            try FileManager.default.removeItem(atPath: fixture.repositoryPath + "/.git/worktrees/\(slot.name)")
            try #require(try fixture.registration(of: slot.path) == nil)

            let report = try await pool.pool.shrink(by: 1)

            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(!exists(slot.path))
            #expect(try await fixture.slots().isEmpty)
        }
    }
}
