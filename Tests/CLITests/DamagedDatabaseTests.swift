import Foundation
import PoolTesting
import Testing

/// A database whose rows say what shesha-pool never writes, as a disk, a hand edit or another program
/// can leave it: every command that reads the damage exits 65 with one line saying what to do, and
/// writes nothing.
@Suite("damaged database")
struct DamagedDatabaseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// Run by Python's SQLite with CHECK constraints off, as a damaged file may hold anything.
        var damage: String
        var arguments: [String]
        var message: String
        var testDescription: String { "\(arguments.joined(separator: " ")) after: \(damage)" }
    }

    static let cases: [Case] = [
        Case(
            damage: "DELETE FROM counter WHERE name = 'fencing_token'",
            arguments: ["acquire", "--holder", "a", "--owner-pid", CLIFixture.testPID],
            message: "the database is damaged: its fencing token counter is missing"
        ),
        Case(
            damage: "UPDATE pool SET on_exhausted = 'sometimes'",
            arguments: ["status"],
            message: "the database is damaged: pool 'default' has an unknown exhaustion policy 'sometimes'"
        ),
        Case(
            damage: "UPDATE slot SET state = 'melted'",
            arguments: ["status"],
            message: "the database is damaged: it holds an unknown slot state 'melted'"
        ),
        Case(
            damage: "UPDATE event SET kind = 'teleport'",
            arguments: ["stats"],
            message: "the database is damaged: it holds an unknown event kind 'teleport'"
        ),
        Case(
            damage: "UPDATE pool SET config = '{\"repository\": 7'",
            arguments: ["expand", "1"],
            message: "the database is damaged: a worktree pool's settings cannot be read"
        ),
    ]

    @Test("a damaged row: exit 65, what to do, nothing written", arguments: cases)
    func damagedRow(_ damaged: Case) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "2"])
            let expanded = try await fixture.cli(["expand", "1"])
            try #require(expanded.status == 0, "\(expanded)")
            try python(
                """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                db.execute("PRAGMA ignore_check_constraints = ON")
                db.execute(sys.argv[2])
                db.commit()
                db.close()
                """,
                [fixture.databasePath, damaged.damage]
            )
            let before = FileManager.default.contents(atPath: fixture.databasePath)

            let result = try await fixture.cli(damaged.arguments)
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains(damaged.message), "\(result)")
            #expect(result.stderr.contains("restore it from a copy"), "\(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(FileManager.default.contents(atPath: fixture.databasePath) == before)
        }
    }
}
