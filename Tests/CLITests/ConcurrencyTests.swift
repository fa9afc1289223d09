import Foundation
import PoolTesting
import Testing

/// Many processes of the built binary on one database file.
@Suite("concurrency")
struct ConcurrencyTests {
    /// Fails (mkdir) if another holder is inside the same slot at the same time.
    static let exclusiveWork = "set -e; mkdir .exclusive-marker; sleep 0.2; rmdir .exclusive-marker"

    @Test("16 run processes share a pool of 4: each slot has one holder at a time, all succeed")
    func sixteenRunnersFourSlots() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "4", "--min-idle", "4"])
            let runners = try (0..<16).map { index in
                try fixture.start([
                    "run", "--holder", "runner-\(index)", "--wait", "2m", "--", "sh", "-c", Self.exclusiveWork,
                ])
            }
            for (index, runner) in runners.enumerated() {
                let status = try await runner.waitForExit(timeout: .seconds(150))
                #expect(status == 0, "runner-\(index) failed: \(runner.stderr)")
            }
            let slots = try await fixture.slotsAfterResets()
            #expect(slots.count == 4, "never more than --max-size: \(slots)")
            #expect(slots.allSatisfy { $0.state == "idle" && $0.holder == nil }, "\(slots)")
            #expect(slots.map(\.uses).reduce(0, +) == 16)
        }
    }

    @Test("cleanup and shrink running while runners acquire: no runner fails, doctor finds nothing")
    func maintenanceDuringWork() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "4", "--min-idle", "4"])
            let work = "set -e; mkdir .exclusive-marker; sleep 0.05; rmdir .exclusive-marker"
            let failures = try await withThrowingTaskGroup(of: [String].self) { group in
                for runner in 0..<4 {
                    group.addTask {
                        var failures: [String] = []
                        for round in 0..<6 {
                            let result = try await fixture.cli([
                                "run", "--holder", "runner-\(runner)", "--wait", "1m", "--", "sh", "-c", work,
                            ])
                            if result.status != 0 { failures.append("runner-\(runner) round \(round): \(result)") }
                        }
                        return failures
                    }
                }
                group.addTask {
                    var failures: [String] = []
                    for round in 0..<6 {
                        for arguments in [
                            ["cleanup"], ["shrink", "1"], ["cleanup", "--idle-for", "0s"], ["expand", "1"],
                        ] {
                            let result = try await fixture.cli(arguments)
                            // Maintenance may find nothing to do; it must never fail or crash.
                            if result.status != 0 { failures.append("\(arguments) round \(round): \(result)") }
                        }
                    }
                    return failures
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")

            let doctor = try await fixture.cli(["doctor"])
            #expect(doctor.status == 0, "\(doctor)")
            let slots = try await fixture.slots()
            #expect(slots.count <= 4, "\(slots)")
            #expect(
                slots.allSatisfy { $0.holder == nil && ["idle", "dirty", "resetting"].contains($0.state) }, "\(slots)"
            )
            // Every slot on disk is known to the database and the other way round.
            let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder().path()))
            #expect(onDisk == Set(slots.map(\.name)))
        }
    }

    @Test("several cleanups at once: all succeed, each slot retired once, leased slot and live work untouched")
    func concurrentCleanups() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "6", "--min-idle", "6"])
            let held = try await fixture.acquire("keeper")
            let stray = fixture.slotFolder().appending(path: "left-by-hand")
            try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)

            let results = try await withThrowingTaskGroup(of: CLIOutput.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await fixture.cli(["cleanup", "--idle-for", "0s", "--json"]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for result in results {
                #expect(result.status == 0, "\(result)")
            }
            // Between them the cleanups retired the five idle slots exactly once.
            let retired = results.flatMap { result -> [String] in
                let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
                return object?["retiredSlots"] as? [String] ?? []
            }
            #expect(retired.count == 5 && Set(retired).count == 5, "\(retired)")
            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == [held.slot], "\(slots)")
            #expect(!FileManager.default.fileExists(atPath: stray.path()))
            let doctor = try await fixture.cli(["doctor"])
            #expect(doctor.status == 0, "\(doctor)")
        }
    }
}
