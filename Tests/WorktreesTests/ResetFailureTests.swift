import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// A worktree that cannot be reset is broken, with git's reason, and never handed out.
@Suite("Reset failures")
struct ResetFailureTests {
    /// Dirties the worktree and damages its index, so no git command that reads the index runs there.
    /// (A reset repairs a stale lock, a locked folder or an operation in progress, so none of those will do.)
    private func makeUnresettable(_ path: String) throws {
        try writeFile("# edited\n", to: path + "/README.md")
        try writeFile("not an index\n", to: try gitPath("index", at: path))
    }

    @Test("the damaged index really makes git's status and checkout fail in the worktree")
    func damagedIndexMakesGitFail() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let lease = try await pool.pool.acquire(holder: "h")
            try makeUnresettable(lease.path)
            let base = try await fixture.config().baseCommit
            #expect(throws: (any Error).self) { try status(at: lease.path) }
            #expect(throws: (any Error).self) {
                try git(["checkout", "--force", "--detach", base], at: lease.path)
            }
        }
    }

    @Test("a slot whose reset on release fails becomes broken with git's error, and is not handed out")
    func failedResetOnReleaseBreaksSlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(maxSize: 2)
            let lease = try await pool.pool.acquire(holder: "h1")
            try makeUnresettable(lease.path)

            let released = try await pool.pool.release(token: lease.token)

            #expect(released.state == .broken)
            let slot = try #require(try await fixture.slot(named: lease.slotName))
            #expect(slot.state == .broken)
            #expect(slot.error?.contains("index file") == true)
            #expect(try await fixture.ledger.lease(pool: "wt", holder: "h1") == nil)

            let findings = try await pool.pool.doctor(fix: false)
            #expect(findings.contains { $0.kind == .brokenSlot && $0.slot == lease.slotName })

            let next = try await pool.pool.acquire(holder: "h2", wait: .zero)
            #expect(next.slotName != lease.slotName)
            #expect(try await fixture.slot(named: lease.slotName)?.state == .broken)
        }
    }

    @Test("a dirty slot whose reset fails for its acquirer becomes broken, and the acquirer gets another")
    func failedResetOnAcquireBreaksSlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(maxSize: 2)
            let first = try await pool.pool.acquire(holder: "first")
            try makeUnresettable(first.path)
            try await pool.pool.release(first, reset: false)
            try #require(try await fixture.slot(named: first.slotName)?.state == .dirty)

            let second = try await pool.pool.acquire(holder: "second", wait: .zero)

            #expect(second.slotName != first.slotName)
            #expect(try status(at: second.path).isEmpty)
            let broken = try #require(try await fixture.slot(named: first.slotName))
            #expect(broken.state == .broken)
            #expect(broken.error?.contains("index file") == true)
        }
    }
}
