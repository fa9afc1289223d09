import Foundation
import PoolCore
import PoolTesting
import Sandbox
import Testing

/// Sandbox pools bound their slow work like worktree pools: a claim records by when it must end.
@Suite("sandbox work deadlines")
struct SandboxWorkDeadlineTests {
    @Test("a sandbox pool keeps its work limits, and a claim for removal records a deadline within them")
    func claimsRecordDeadlines() async throws {
        try await withContainerPool(backend: .process, maxSize: 1) { fixture in
            #expect(try await fixture.ledger.pool(named: "sandboxes").workTimeouts == ContainerBackend.workTimeouts)
            _ = try await fixture.pool.expand(by: 1)
            let before = SystemWallClock().now()
            let claimed = try await fixture.ledger.claimForDestroy(
                pool: "sandboxes", selection: .allUnleased, worker: .current
            )
            let slot = try #require(claimed.first)
            let deadline = try #require(slot.workDeadline, "a claimed sandbox slot has no work deadline")
            #expect(deadline >= before + ContainerBackend.workTimeouts.destroy)
            #expect(deadline <= SystemWallClock().now() + ContainerBackend.workTimeouts.destroy)
            // Left broken, so the fixture's stop removes it with its sandbox.
            try await fixture.ledger.finishDestroy(slot, worker: .current, error: "left for the fixture")
        }
    }
}
