import Foundation
import PoolTesting
import Testing

/// The CLI killed (SHESHA_POOL_CRASH_AT, debug builds) in the middle of a sandbox's creation, reset or
/// removal: the next commands recover with no sandbox leaked and none lost.
@Suite("Container pools after a crash")
struct ContainerCrashTests {
    @Test("mid-create, with the sandbox running and no record of it: doctor --fix stops it")
    func midCreate() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1"]).status == 0)
            try await fixture.crash(at: "mid-create", ["expand", "1"])
            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["creating"])
            #expect(runningSandboxes(under: fixture.sandboxFolder) == [stuck[0].path], "the sandbox had started")
            #expect(!FileManager.default.fileExists(atPath: stuck[0].path + "/sandbox.json"), "before its record")

            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)")
            #expect(runningSandboxes(under: fixture.sandboxFolder).isEmpty)
            _ = try await fixture.acquire("next")
            try await expectConsistent(fixture, slots: ["slot-0002"])
        }
    }

    @Test("mid-reset: the next acquire resets the slot again and gets the same, clean sandbox")
    func midReset() async throws {
        try await withSandboxFixture { fixture in
            try #require(
                try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1", "--min-idle", "1"]).status == 0
            )
            _ = try await fixture.acquire("first")
            #expect(try await fixture.cli(["exec", "--holder", "first", "left = 1"]).status == 0)
            let before = try sandboxRecord(fixture)
            try await fixture.crash(at: "mid-reset", ["release", "--holder", "first", "--owner-pid", CLIFixture.testPID])
            #expect(try await fixture.slots().map(\.state) == ["resetting"])

            _ = try await fixture.acquire("next", ["--wait", "10s"])
            let result = try await fixture.cli(["exec", "--holder", "next", "print('left' in globals())"])
            #expect(result.stdout == "False\n", "\(result)")
            #expect(try sandboxRecord(fixture) == before, "the same sandbox, reset")
            try await expectConsistent(fixture, slots: ["slot-0001"])
        }
    }

    @Test("mid-destroy, with the sandbox stopped and its folder left: doctor --fix finishes the removal")
    func midDestroy() async throws {
        try await withSandboxFixture { fixture in
            try #require(
                try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1"]).status == 0
            )
            try await fixture.crash(at: "mid-destroy", ["shrink", "1"])
            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["destroying"])
            #expect(runningSandboxes(under: fixture.sandboxFolder).isEmpty, "the sandbox was stopped")
            #expect(FileManager.default.fileExists(atPath: stuck[0].path), "its folder was not yet removed")

            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)")
            try await expectConsistent(fixture, slots: [])
        }
    }

    /// doctor finds nothing; the slots are as named, idle or leased; each has its folder and one running
    /// sandbox; nothing else is in the pool's folder or running for it.
    private func expectConsistent(
        _ fixture: CLIFixture,
        slots names: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let doctor = try await fixture.cli(["doctor"])
        #expect(doctor.status == 0, "\(doctor)", sourceLocation: sourceLocation)
        let slots = try await fixture.slots()
        #expect(slots.map(\.name) == names, "status: \(slots)", sourceLocation: sourceLocation)
        #expect(entries(of: fixture.sandboxFolder) == names, sourceLocation: sourceLocation)
        #expect(runningSandboxes(under: fixture.sandboxFolder) == slots.map(\.path).sorted(), sourceLocation: sourceLocation)
        for slot in slots {
            #expect(["idle", "leased"].contains(slot.state), "\(slot)", sourceLocation: sourceLocation)
        }
    }
}
