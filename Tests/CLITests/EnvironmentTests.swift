import Foundation
import PoolTesting
import Testing

/// SHESHA_POOL_DB and SHESHA_POOL stand in for --db and --pool; these tests call `shesha` directly so
/// that no --db is added.
@Suite("environment variables")
struct EnvironmentTests {
    @Test("SHESHA_POOL_DB works instead of --db")
    func databaseFromEnvironment() async throws {
        try await withFixture { fixture in
            let environment = ["SHESHA_POOL_DB": fixture.databasePath]
            let created = try await shesha(
                ["init", "worktree", "--repo", fixture.repository.path(), "--min-idle", "1"],
                environment: environment
            )
            #expect(created.status == 0, "\(created)")
            #expect(FileManager.default.fileExists(atPath: fixture.databasePath))

            let acquired = try await shesha(
                ["acquire", "--holder", "env", "--owner-pid", CLIFixture.testPID],
                environment: environment
            )
            #expect(acquired.status == 0, "\(acquired)")
            // The same database, seen through --db.
            let slot = try #require(try await fixture.slots().first)
            #expect(acquired.stdout == slot.path + "\n")
            #expect(slot.holder == "env")
        }
    }

    @Test("--db wins over SHESHA_POOL_DB")
    func flagWins() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let elsewhere = fixture.folder.appending(path: "other/pool.db").path(percentEncoded: false)
            let result = try await fixture.cli(["status", "--json"], environment: ["SHESHA_POOL_DB": elsewhere])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("slot-0001"))
            #expect(!FileManager.default.fileExists(atPath: elsewhere))
        }
    }

    @Test("SHESHA_POOL works instead of --pool")
    func poolFromEnvironment() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let environment = ["SHESHA_POOL": "second"]
            let created = try await fixture.cli(
                ["init", "worktree", "--repo", fixture.repository.path(), "--min-idle", "2"],
                environment: environment
            )
            #expect(created.status == 0, "\(created)")
            #expect(created.stderr.contains("pool 'second'"), "\(created)")

            let status = try await fixture.cli(["status", "--json"], environment: environment)
            let slots = try JSONDecoder().decode([SlotStatus].self, from: Data(status.stdout.utf8))
            #expect(slots.count == 2)
            #expect(try await fixture.slots(pool: "second") == slots)
            #expect(try await fixture.slots().count == 1, "the default pool is untouched")
        }
    }

    @Test("a bad pool name in SHESHA_POOL is refused like a bad --pool")
    func badPoolFromEnvironment() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(["status"], environment: ["SHESHA_POOL": "../up"])
            expectCleanFailure(result, status: 64, mentioning: "invalid pool name")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("without --db or SHESHA_POOL_DB the database goes under XDG_STATE_HOME")
    func xdgDefault() async throws {
        try #require(ProcessInfo.processInfo.environment["SHESHA_POOL_DB"] == nil, "the test's own environment sets it")
        try await withFixture { fixture in
            let state = fixture.folder.appending(path: "xdg-state")
            let environment = ["XDG_STATE_HOME": state.path(percentEncoded: false), "SHESHA_POOL_DB": ""]
            // An empty SHESHA_POOL_DB is refused rather than silently ignored...
            let refused = try await shesha(["status"], environment: environment)
            expectCleanFailure(refused, status: 64, mentioning: "empty")

            // ...and an unset one falls back to the XDG state folder.
            let result = try await shesha(
                ["init", "worktree", "--repo", fixture.repository.path()],
                environment: ["XDG_STATE_HOME": state.path(percentEncoded: false)]
            )
            #expect(result.status == 0, "\(result)")
            #expect(FileManager.default.fileExists(atPath: state.appending(path: "shesha-pool/pool.db").path()))
        }
    }
}
