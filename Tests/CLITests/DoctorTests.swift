import Foundation
import PoolTesting
import Testing

@Suite("doctor")
struct DoctorTests {
    struct Finding: Decodable {
        var kind: String
        var slot: String?
        var path: String?
        var message: String
        var isFixed: Bool
    }

    @Test("a clean pool has no problems: exit 0")
    func cleanPool() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            _ = try await fixture.acquire("busy")
            let result = try await fixture.cli(["doctor"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "pool 'default': no problems found\n")
            let json = try await fixture.cli(["doctor", "--json"])
            #expect(json.status == 0)
            #expect(try JSONDecoder().decode([Finding].self, from: Data(json.stdout.utf8)).isEmpty)
        }
    }

    @Test("a stray folder in the slot folder is reported with exit 1 and left alone")
    func strayReported() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let stray = fixture.slotFolder().appending(path: "left-behind")
            try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: false)
            try Data("x".utf8).write(to: stray.appending(path: "file"))

            let result = try await fixture.cli(["doctor"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.contains("stray-resource"), "\(result)")
            #expect(result.stdout.contains(stray.path(percentEncoded: false).trimmingSuffix("/")), "\(result)")

            let json = try await fixture.cli(["doctor", "--json"])
            #expect(json.status == 1)
            let findings = try JSONDecoder().decode([Finding].self, from: Data(json.stdout.utf8))
            #expect(findings.map(\.kind) == ["stray-resource"])
            #expect(findings.allSatisfy { !$0.isFixed })
            #expect(
                FileManager.default.fileExists(atPath: stray.appending(path: "file").path()),
                "without --fix nothing is removed"
            )
        }
    }

    @Test("doctor --fix removes the stray folder and exits 0; the next doctor finds nothing")
    func strayFixed() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let stray = fixture.slotFolder().appending(path: "left-behind")
            try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: false)

            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)")
            #expect(fixed.stdout.contains("fixed"), "\(fixed)")
            #expect(!FileManager.default.fileExists(atPath: stray.path()))
            #expect(try await fixture.slots().map(\.state) == ["idle"], "the real slot stays")

            let again = try await fixture.cli(["doctor"])
            #expect(again.status == 0, "\(again)")
        }
    }

    @Test("a slot folder deleted by hand is reported, and --fix drops the slot")
    func missingSlot() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let slots = try await fixture.slots()
            try FileManager.default.removeItem(atPath: slots[0].path)

            let result = try await fixture.cli(["doctor"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.contains(slots[0].name), "\(result)")

            #expect(try await fixture.cli(["doctor", "--fix"]).status == 0)
            #expect(try await fixture.slots().map(\.name) == [slots[1].name])
            #expect(try await fixture.cli(["doctor"]).status == 0)
            // The next acquire still works, and never hands out the missing slot.
            let lease = try await fixture.acquire("after")
            #expect(lease.path == slots[1].path)
        }
    }
}
