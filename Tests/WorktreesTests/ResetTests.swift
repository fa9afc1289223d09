import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// Release resets a used worktree to the base commit: tracked edits, untracked files and local commits
/// go; ignored build caches stay warm unless the pool cleans them.
@Suite("Reset on release")
struct ResetTests {
    /// Everything a holder might leave behind in its worktree.
    private func makeAMess(in path: String) throws {
        try writeFile("# edited by the holder\n", to: path + "/README.md")
        try writeFile("scratch\n", to: path + "/notes.txt")
        try writeFile("deep\n", to: path + "/new-folder/deeper/file.txt")
        try writeFile("warm\n", to: path + "/build/cache.txt")
        try writeFile("committed by the holder\n", to: path + "/src/main.txt")
        try git(["add", "src/main.txt"], at: path)
        try git(["commit", "--quiet", "--message", "holder's work"], at: path)
    }

    @Test("release returns the slot to the base commit, clean, keeping ignored files")
    func releaseResetsKeepingIgnored() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let base = try await fixture.config().baseCommit
            let lease = try await pool.pool.acquire(holder: "h")
            let path = lease.path
            try makeAMess(in: path)
            try #require(try head(at: path) != base)
            try #require(!(try status(at: path).isEmpty))

            try await pool.pool.release(lease)

            #expect(try head(at: path) == base)
            #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], at: path).trimmed == "HEAD")
            #expect(try status(at: path).isEmpty)
            #expect(!exists(path + "/notes.txt"))
            #expect(!exists(path + "/new-folder"))
            #expect(contents(of: path + "/README.md") == "# test repository\n")
            #expect(contents(of: path + "/src/main.txt") == "hello\n")
            #expect(contents(of: path + "/build/cache.txt") == "warm\n")
            #expect(try await fixture.slot(named: lease.slotName)?.state == .idle)
            #expect(try await fixture.ledger.lease(pool: "wt", holder: "h") == nil)
        }
    }

    @Test("with cleanIgnored, release also removes ignored files")
    func cleanIgnoredRemovesIgnored() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(cleanIgnored: true)
            let base = try await fixture.config().baseCommit
            let lease = try await pool.pool.acquire(holder: "h")
            try makeAMess(in: lease.path)

            try await pool.pool.release(lease)

            #expect(try head(at: lease.path) == base)
            #expect(try status(at: lease.path).isEmpty)
            #expect(!exists(lease.path + "/notes.txt"))
            #expect(!exists(lease.path + "/build/cache.txt"))
            #expect(try git(["status", "--porcelain", "--ignored"], at: lease.path).isEmpty)
            #expect(try await fixture.slot(named: lease.slotName)?.state == .idle)
        }
    }

    @Test("with cleanIgnored, a slot whose only change is an ignored file is still cleaned")
    func cleanIgnoredCleansIgnoredOnlyChange() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(cleanIgnored: true)
            let lease = try await pool.pool.acquire(holder: "h")
            try writeFile("warm\n", to: lease.path + "/build/cache.txt")
            try #require(try status(at: lease.path).isEmpty)

            try await pool.pool.release(lease)

            #expect(!exists(lease.path + "/build/cache.txt"))
            #expect(!exists(lease.path + "/build"))
        }
    }

    @Test("a slot released without reset is reset by the next acquirer before it is handed out")
    func acquirerResetsDirtySlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(maxSize: 1)
            let base = try await fixture.config().baseCommit
            let first = try await pool.pool.acquire(holder: "first")
            try makeAMess(in: first.path)
            try await pool.pool.release(first, reset: false)
            try #require(try await fixture.slot(named: first.slotName)?.state == .dirty)
            // Still messy: nobody reset it yet.
            try #require(exists(first.path + "/notes.txt"))

            let second = try await pool.pool.acquire(holder: "second", wait: .zero)

            #expect(second.slotName == first.slotName)
            #expect(try head(at: second.path) == base)
            #expect(try status(at: second.path).isEmpty)
            #expect(!exists(second.path + "/notes.txt"))
            #expect(contents(of: second.path + "/build/cache.txt") == "warm\n")
            #expect(try await fixture.slot(named: second.slotName)?.state == .leased)
        }
    }
}
