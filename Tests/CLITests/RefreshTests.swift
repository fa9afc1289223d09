import Foundation
import PoolTesting
import Testing

@Suite("refresh")
struct RefreshTests {
    @Test("after a new commit, refresh moves idle slots to it")
    func movesIdleSlots() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let old = try fixture.head(of: fixture.repository)
            let new = try fixture.commit("feature.txt")
            #expect(old != new)
            for slot in try await fixture.slots() {
                #expect(try fixture.head(of: URL(filePath: slot.path)) == old, "slots stay put until refresh")
            }

            let result = try await fixture.cli(["refresh"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("moved 2 idle slots to \(new.prefix(12))"), "\(result)")
            for slot in try await fixture.slots() {
                #expect(try fixture.head(of: URL(filePath: slot.path)) == new)
                #expect(FileManager.default.fileExists(atPath: slot.path + "/feature.txt"))
            }
        }
    }

    @Test("refresh leaves a leased slot alone; it moves to the new commit when released")
    func leasedSlotMovesOnRelease() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let old = try fixture.head(of: fixture.repository)
            let lease = try await fixture.acquire("busy")
            let new = try fixture.commit("feature.txt")

            #expect(try await fixture.cli(["refresh"]).status == 0)
            #expect(
                try fixture.head(of: URL(filePath: lease.path)) == old,
                "the holder's checkout is not moved under it"
            )
            #expect(try await fixture.cli(["release", "--holder", "busy"]).status == 0)
            _ = try await fixture.slotsAfterResets()
            #expect(try fixture.head(of: URL(filePath: lease.path)) == new)
        }
    }
}
