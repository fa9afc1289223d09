import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// The pool's setup commands run in every new slot; a failing one leaves the slot broken, with its output.
@Suite("Setup commands")
struct SetupTests {
    @Test("setup commands run in order in each new slot, with the slot's name and path in the environment")
    func setupRunsInEachSlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(setup: [
                "touch setup-ran",
                // Fails unless the first command ran before it, in the same folder.
                "test -e setup-ran && printf '%s %s' \"$SHESHA_POOL_SLOT\" \"$SHESHA_POOL_PATH\" > setup-env",
            ])
            try await pool.expandAll(by: 2)
            let slots = try await fixture.slots()
            #expect(slots.count == 2)
            for slot in slots {
                #expect(exists(slot.path + "/setup-ran"))
                #expect(contents(of: slot.path + "/setup-env") == "\(slot.name) \(slot.path)")
                #expect(slot.state == .idle)
            }
        }
    }

    @Test("a failing setup leaves the slot broken with the setup's output, shown by doctor")
    func failingSetupBreaksSlot() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(setup: [
                "echo installing-dependencies; echo 'npm: command not found' >&2; exit 7"
            ])
            let report = try await pool.pool.expand(by: 1)
            #expect(report.created.isEmpty)
            #expect(report.failures.count == 1)

            let slot = try #require(try await fixture.slot(named: "slot-0001"))
            #expect(slot.state == .broken)
            let error = try #require(slot.error)
            #expect(error.contains("exit 7"))
            #expect(error.contains("status 7"))
            #expect(error.contains("installing-dependencies"))
            #expect(error.contains("npm: command not found"))

            let findings = try await pool.pool.doctor(fix: false)
            let broken = try #require(findings.first { $0.kind == .brokenSlot })
            #expect(broken.slot == "slot-0001")
            #expect(broken.message.contains("npm: command not found"))
            #expect(!broken.isFixed)
            // Doctor without --fix leaves it as it was.
            #expect(try await fixture.slot(named: "slot-0001")?.state == .broken)
        }
    }

    @Test("acquire never hands out a slot whose setup failed")
    func brokenSetupSlotNotHandedOut() async throws {
        try await withWorktreeFixture { fixture in
            // Only the first slot's setup fails.
            let pool = try await fixture.makePool(maxSize: 1, setup: [
                "if [ \"$SHESHA_POOL_SLOT\" = slot-0001 ]; then echo first slot refuses; exit 7; fi"
            ])
            _ = try await pool.pool.expand(by: 1)
            #expect(try await fixture.slot(named: "slot-0001")?.state == .broken)

            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            #expect(lease.slotName != "slot-0001")
            #expect(canonical(lease.path) != canonical(fixture.slotFolder + "/slot-0001"))
            #expect(try head(at: lease.path) == (try await fixture.config().baseCommit))
            #expect(try await fixture.slot(named: "slot-0001")?.state == .broken)
        }
    }
}
