import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// `checkHealth` compares a slot with the disk and with git; `doctor` reports and repairs what it finds.
@Suite("Slot health")
struct HealthTests {
    /// A pool with one idle slot, and that slot.
    private func poolWithOneSlot(_ fixture: WorktreeFixture) async throws -> (WorktreePool, Slot) {
        let pool = try await fixture.makePool()
        try await pool.expandAll(by: 1)
        let slot = try #require(try await fixture.slots().first)
        try #require(slot.state == .idle)
        return (pool, slot)
    }

    @Test("a healthy slot reports nothing, and doctor finds nothing")
    func healthySlot() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slot) = try await poolWithOneSlot(fixture)
            #expect(await pool.pool.backend.checkHealth(slot) == [])
            #expect(try await pool.pool.doctor(fix: false) == [])
        }
    }

    @Test("a missing folder is reported")
    func missingFolder() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slot) = try await poolWithOneSlot(fixture)
            try FileManager.default.removeItem(atPath: slot.path)
            let problems = await pool.pool.backend.checkHealth(slot)
            #expect(problems.count == 1)
            #expect(problems.first?.contains("missing") == true)
            #expect(problems.first?.contains(slot.path) == true)
        }
    }

    @Test("a folder that is not in git worktree list is reported")
    func folderNotRegistered() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slot) = try await poolWithOneSlot(fixture)
            try FileManager.default.removeItem(atPath: fixture.repositoryPath + "/.git/worktrees/\(slot.name)")
            try #require(try fixture.registration(of: slot.path) == nil)
            let problems = await pool.pool.backend.checkHealth(slot)
            #expect(problems.contains { $0.contains("not in `git worktree list`") })
        }
    }

    @Test("a stale index.lock is reported; a fresh one is a git command at work, and is not")
    func staleIndexLock() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slot) = try await poolWithOneSlot(fixture)
            let lock = try gitPath("index.lock", at: slot.path)
            try writeFile("", to: lock)
            #expect(await pool.pool.backend.checkHealth(slot) == [])

            try makeStale(lock)
            let problems = await pool.pool.backend.checkHealth(slot)
            #expect(problems.count == 1)
            #expect(problems.first?.contains("stale") == true)
            #expect(problems.first?.contains(lock) == true)
        }
    }

    @Test("doctor reports an unhealthy idle slot, and with fix removes it and its worktree")
    func doctorRemovesUnhealthySlot() async throws {
        try await withWorktreeFixture { fixture in
            let (pool, slot) = try await poolWithOneSlot(fixture)
            try makeStale(try writeLock(at: slot.path))

            let findings = try await pool.pool.doctor(fix: false)
            #expect(findings.count == 1)
            let finding = try #require(findings.first)
            #expect(finding.kind == .unhealthySlot)
            #expect(finding.slot == slot.name)
            #expect(finding.message.contains("index.lock"))
            #expect(!finding.isFixed)
            #expect(exists(slot.path))

            let fixed = try await pool.pool.doctor(fix: true)
            #expect(fixed.map(\.kind) == [.unhealthySlot])
            #expect(fixed.allSatisfy { $0.isFixed })
            #expect(!exists(slot.path))
            #expect(try fixture.registration(of: slot.path) == nil)
            #expect(try await fixture.slots().isEmpty)
            #expect(try await pool.pool.doctor(fix: false) == [])
        }
    }

    @Test("doctor leaves an unhealthy leased slot to its holder")
    func doctorLeavesLeasedSlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let lease = try await pool.pool.acquire(holder: "h")
            try makeStale(try writeLock(at: lease.path))

            let findings = try await pool.pool.doctor(fix: true)

            let finding = try #require(findings.first { $0.kind == .unhealthySlot })
            #expect(!finding.isFixed)
            #expect(finding.message.contains("leased"))
            #expect(exists(lease.path))
            #expect(try await fixture.slot(named: lease.slotName)?.state == .leased)
            #expect(try await fixture.ledger.lease(pool: "wt", holder: "h")?.token == lease.token)
        }
    }
}

/// Writes an empty `index.lock` in the worktree at `path`; returns its path.
private func writeLock(at path: String) throws -> String {
    let lock = try gitPath("index.lock", at: path)
    try writeFile("", to: lock)
    return lock
}

/// Dates a git lock an hour back, as one left by a git command that died.
private func makeStale(_ lock: String) throws {
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: lock)
}
