import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// `refresh` moves the pool to its base ref's current commit: idle slots at once, leased ones when
/// they come back; setup reruns only where a listed lockfile changed.
@Suite("Refresh")
struct RefreshTests {
    @Test("refresh moves idle slots to the new commit on the base branch")
    func refreshMovesIdleSlots() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let created = try await pool.expandAll(by: 2)
            let old = try await fixture.config().baseCommit
            let new = try fixture.commitOnMain(["README.md": "# newer\n"])
            try #require(new != old)

            let result = try await pool.refresh(fetch: false)

            #expect(result.commit == new)
            #expect(result.failures.isEmpty)
            #expect(Set(result.moved.map(\.name)) == Set(created.map(\.name)))
            #expect(try await fixture.config().baseCommit == new)
            for slot in try await fixture.slots() {
                #expect(slot.state == .idle)
                #expect(try head(at: slot.path) == new)
                #expect(try status(at: slot.path).isEmpty)
                #expect(contents(of: slot.path + "/README.md") == "# newer\n")
            }
        }
    }

    @Test("a slot leased during a refresh keeps its checkout, and moves to the new commit when released")
    func leasedSlotFollowsOnRelease() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let old = try await fixture.config().baseCommit
            let lease = try await pool.pool.acquire(holder: "h")
            try writeFile("work in progress\n", to: lease.path + "/notes.txt")
            let new = try fixture.commitOnMain(["README.md": "# newer\n"])

            let result = try await pool.refresh(fetch: false)

            #expect(!result.moved.contains { $0.name == lease.slotName })
            #expect(try head(at: lease.path) == old)
            #expect(contents(of: lease.path + "/notes.txt") == "work in progress\n")

            try await pool.pool.release(lease)
            #expect(try head(at: lease.path) == new)
            #expect(try status(at: lease.path).isEmpty)
        }
    }

    @Test("a reset that read the old base and ends after a refresh is redone at the new base, never idle at the old")
    func resetRacingRefreshIsRedone() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let ledger = pool.pool.ledger
            let old = try await fixture.config().baseCommit
            let lease = try await pool.pool.acquire(holder: "h")
            // The release claims the slot for a reset, which runs at the base the config names now.
            let claimed = try await ledger.release(lease.token, resetBy: .current)
            try await pool.pool.backend.reset(claimed)
            #expect(try head(at: lease.path) == old)

            let new = try fixture.commitOnMain(["README.md": "# newer\n"])
            #expect(try await pool.refresh(fetch: false).commit == new)

            let again = try #require(
                try await ledger.finishReset(claimed, worker: .current, error: nil, duration: .zero),
                "the reset at the old base must not make the slot idle"
            )
            #expect(try await fixture.slots().first { $0.id == claimed.id }?.state == .resetting)
            try await pool.pool.backend.reset(again)
            #expect(try await ledger.finishReset(again, worker: .current, error: nil, duration: .zero) == nil)
            #expect(try await fixture.slots().first { $0.id == claimed.id }?.state == .idle)
            #expect(try head(at: lease.path) == new)
        }
    }

    @Test("setup reruns after a refresh only when a listed lockfile changed")
    func setupRerunsOnlyForLockfileChange() async throws {
        let files = ["README.md": "# repo\n", "deps.lock": "left-pad 1.0\n", ".gitignore": "build/\n"]
        try await withWorktreeFixture(files: files) { fixture in
            let log = fixture.outside("setup.log")
            let pool = try await fixture.makePool(
                setup: ["echo \"$SHESHA_POOL_SLOT\" >> '\(log)'"],
                lockfiles: ["deps.lock"]
            )
            try await pool.expandAll(by: 2)
            func runs() -> [String] {
                (contents(of: log) ?? "").split(separator: "\n").map(String.init).sorted()
            }
            try #require(runs() == ["slot-0001", "slot-0002"])

            // A change elsewhere: slots move, setup does not run.
            let readmeCommit = try fixture.commitOnMain(["README.md": "# newer\n"])
            let first = try await pool.refresh(fetch: false)
            #expect(first.moved.count == 2)
            #expect(runs() == ["slot-0001", "slot-0002"])
            for slot in try await fixture.slots() {
                #expect(try head(at: slot.path) == readmeCommit)
            }

            // The lockfile changes: setup runs once more in each slot.
            let lockCommit = try fixture.commitOnMain(["deps.lock": "left-pad 2.0\n"])
            let second = try await pool.refresh(fetch: false)
            #expect(second.moved.count == 2)
            #expect(runs() == ["slot-0001", "slot-0001", "slot-0002", "slot-0002"])
            for slot in try await fixture.slots() {
                #expect(try head(at: slot.path) == lockCommit)
                #expect(contents(of: slot.path + "/deps.lock") == "left-pad 2.0\n")
            }

            // Nothing new: nothing moves and setup stays quiet.
            _ = try await pool.refresh(fetch: false)
            #expect(runs().count == 4)
        }
    }

    @Test("refresh with fetch picks up a commit pushed to the base branch's upstream")
    func refreshFetches() async throws {
        try await withWorktreeFixture { fixture in
            // A clone of the fixture's repository, tracking origin/main.
            let clone = fixture.folder.appending(path: "clone")
            try git(["clone", "--quiet", fixture.repositoryPath, clone.path(percentEncoded: false)], in: fixture.folder)
            let definition = try await WorktreePool.prepare(
                name: "clone", repository: clone.path(percentEncoded: false), baseRef: "origin/main",
                slotFolder: fixture.outside("clone-slots"), maxSize: 2
            )
            try await fixture.ledger.createPool(definition)
            let pool = try await WorktreePool(ledger: fixture.ledger, name: "clone")
            let slot = try #require(try await pool.expandAll(by: 1).first)
            let new = try fixture.commitOnMain(["README.md": "# upstream\n"])

            let result = try await pool.refresh(fetch: true)

            #expect(result.commit == new)
            #expect(try head(at: slot.path) == new)
        }
    }
}
