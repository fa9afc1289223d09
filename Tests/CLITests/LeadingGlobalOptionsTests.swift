import Foundation
import PoolTesting
import Testing

/// `--db` and `--pool` before the command, as a crontab line naturally puts them.
@Suite("global options before the command")
struct LeadingGlobalOptionsTests {
    @Test("--db and --pool before the command, spelled either way, reach it")
    func beforeTheCommand() async throws {
        try await withFixture { fixture in
            let created = try await shesha(
                ["--db=\(fixture.databasePath)", "--pool", "early", "init", "worktree", "--repo", fixture.repository.path()]
            )
            #expect(created.status == 0, "\(created)")
            let expanded = try await shesha(["--db", fixture.databasePath, "--pool=early", "expand", "1"])
            #expect(expanded.status == 0, "\(expanded)")
            let cleaned = try await shesha(["--db", fixture.databasePath, "--pool", "early", "cleanup", "--idle-for", "7d"])
            #expect(cleaned.status == 0, "\(cleaned)")
            #expect(try await fixture.slots(pool: "early").map(\.name) == ["slot-0001"])
        }
    }

    @Test("an empty --pool before the command is refused, not taken for 'default'")
    func emptyPoolBeforeTheCommand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool()
            let result = try await shesha(["--db", fixture.databasePath, "--pool", "", "status"])
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("the pool name is empty; pass --pool NAME or unset SHESHA_POOL"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("an option with no value before the command is still a usage error")
    func missingValue() async throws {
        let result = try await shesha(["--db"])
        #expect(result.status == 64, "\(result)")
    }
}
