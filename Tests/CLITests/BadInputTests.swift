import Foundation
import PoolTesting
import Testing

/// Bad input gets its documented exit code and one clear line on stderr, and changes nothing: the
/// database's bytes, the files, git's worktree list, status and stats are the same before and after.
@Suite("bad input")
struct BadInputTests {
    /// One refused command line. `{repo}` and `{folder}` stand for the fixture's repository and folder.
    struct BadCall: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var status: Int32
        var message: String

        init(_ arguments: [String], _ status: Int32, _ message: String) {
            self.arguments = arguments
            self.status = status
            self.message = message
        }

        var testDescription: String {
            let text = arguments.map(\.debugDescription).joined(separator: " ")
            return text.count > 100 ? text.prefix(100) + "…" : text
        }

        func arguments(for fixture: CLIFixture) -> [String] {
            arguments.map {
                $0.replacingOccurrences(of: "{repo}", with: fixture.repository.path(percentEncoded: false))
                    .replacingOccurrences(of: "{folder}", with: fixture.folder.path(percentEncoded: false))
            }
        }
    }

    static let me = CLIFixture.testPID

    static let usageErrors: [BadCall] = [
        // Counts.
        BadCall(["expand", "0"], 64, "between 1 and 10000 (got 0)"),
        BadCall(["expand", "-1"], 64, "the count cannot be negative (got -1)"),
        BadCall(["expand", "2", "--parallel", "-3"], 64, "--parallel cannot be negative (got -3)"),
        BadCall(["expand", "99999"], 64, "between 1 and 10000 (got 99999)"),
        BadCall(["expand", "two"], 64, "two"),
        BadCall(["expand", "2", "--parallel", "0"], 64, "--parallel"),
        BadCall(["shrink", "0"], 64, "between 1 and 10000 (got 0)"),
        BadCall(["shrink", "-1"], 64, "the count cannot be negative (got -1)"),
        // Holder names.
        BadCall(["acquire", "--holder", "a/b", "--owner-pid", me], 64, "invalid holder name 'a/b'"),
        BadCall(["acquire", "--holder", "..", "--owner-pid", me], 64, "invalid holder name '..'"),
        BadCall(["acquire", "--holder", "my job", "--owner-pid", me], 64, "invalid holder name 'my job'"),
        BadCall(["acquire", "--holder", "tab\there", "--owner-pid", me], 64, "control character"),
        BadCall(["acquire", "--holder", "line\nbreak", "--owner-pid", me], 64, "control character"),
        BadCall(["acquire", "--holder", "", "--owner-pid", me], 64, "it is empty"),
        BadCall(["acquire", "--holder", String(repeating: "h", count: 1_000), "--owner-pid", me], 64, "longer than"),
        BadCall(["run", "--holder", "../escape", "--", "true"], 64, "invalid holder name"),
        BadCall(["release", "--holder", "a/b"], 64, "invalid holder name"),
        // Pool names, on every kind of command.
        BadCall(["status", "--pool", "a/b"], 64, "invalid pool name 'a/b'"),
        BadCall(["status", "--pool", ".."], 64, "invalid pool name '..'"),
        BadCall(["status", "--pool", "my pool"], 64, "invalid pool name 'my pool'"),
        BadCall(["status", "--pool", "bell\u{7}"], 64, "control character"),
        BadCall(["acquire", "--pool", "../x", "--holder", "ok", "--owner-pid", me], 64, "invalid pool name"),
        BadCall(["expand", "1", "--pool", "a/b"], 64, "invalid pool name"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--pool", "a/b"], 64, "invalid pool name"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--pool", "..", "--min-idle", "1"], 64, "invalid pool name"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--pool", "new\nline"], 64, "control character"),
        BadCall(["status", "--pool", "nope"], 64, "there is no pool 'nope'"),
        // Durations and other options.
        BadCall(["acquire", "--holder", "x", "--ttl", "0s", "--owner-pid", me], 64, "--ttl must be at least 1s"),
        BadCall(["acquire", "--holder", "x", "--ttl", "5x", "--owner-pid", me], 64, "'5x'"),
        BadCall(["acquire", "--holder", "x", "--wait", "soon", "--owner-pid", me], 64, "'soon'"),
        BadCall(["acquire", "--holder", "x", "--wait", "-5s", "--owner-pid", me], 64, "--wait"),
        BadCall(["acquire", "--holder", "x", "--owner-pid", "999999999"], 64, "no running process with pid 999999999"),
        BadCall(["cleanup", "--max-age", "5x"], 64, "'5x'"),
        BadCall(["cleanup", "--idle-for", "forever"], 64, "'forever'"),
        BadCall(["release"], 64, "exactly one of --holder or --token"),
        BadCall(["release", "--holder", "a", "--token", "1"], 64, "exactly one of --holder or --token"),
        BadCall(["release", "--token", "0"], 64, "--token must be a positive number"),
        BadCall(["run", "--holder", "x"], 64, "give the command to run after --"),
        BadCall(["stats", "--json", "--prometheus"], 64, "at most one of --json and --prometheus"),
        // init's own checks, made before the database is touched.
        BadCall(["init", "worktree", "--repo", "{repo}", "--max-size", "0"], 64, "--max-size"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--max-size", "2", "--min-idle", "3"], 64, "--min-idle"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--on-exhausted", "never"], 64, "never"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--setup", " "], 64, "--setup needs a command"),
        BadCall(
            ["init", "worktree", "--repo", "{folder}/no-such-folder", "--pool", "p2"],
            64,
            "is not a git repository"
        ),
        BadCall(["init", "worktree", "--repo", "{folder}/state", "--pool", "p2"], 64, "is not a git repository"),
        BadCall(
            ["init", "worktree", "--repo", "{repo}", "--base", "no-such-ref", "--pool", "p2"],
            64,
            "no-such-ref is not a commit"
        ),
        BadCall(
            ["init", "worktree", "--repo", "{repo}", "--dir", "{repo}/slots", "--pool", "p2"],
            64,
            "inside the repository"
        ),
        BadCall(
            ["init", "worktree", "--repo", "{repo}", "--dir", "{repo}", "--pool", "p2"],
            64,
            "inside the repository"
        ),
        BadCall(
            ["init", "worktree", "--repo", "{repo}", "--dir", "{repo}/src", "--pool", "p2"],
            64,
            "inside the repository"
        ),
        // An existing pool, with or without a new slot folder.
        BadCall(["init", "worktree", "--repo", "{repo}", "--dir", "{folder}/elsewhere"], 64, "already exists"),
        BadCall(["init", "worktree", "--repo", "{repo}", "--min-idle", "1"], 64, "already exists"),
    ]

    @Test("usage errors exit 64 with one clear line and change nothing", arguments: usageErrors)
    func usageError(call: BadCall) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            _ = try await fixture.acquire("holder")
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(call.arguments(for: fixture))
            expectCleanFailure(result, status: call.status, mentioning: call.message)
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("an unknown subcommand or option: exit 64, nothing created")
    func unknownCommand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.snapshot()
            for (arguments, message) in [
                (["no-such-command"], "no-such-command"),
                (["status", "--no-such-option"], "--no-such-option"),
                (["--verbose", "status"], "--verbose"),
            ] {
                let result = try await shesha(arguments)
                expectCleanFailure(result, status: 64, mentioning: message)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("init with a bad pool name, repository, ref or folder creates no database and no folder")
    func initCreatesNothing() async throws {
        let calls: [[String]] = [
            ["init", "worktree", "--repo", "{repo}", "--pool", "a/b", "--min-idle", "1"],
            ["init", "worktree", "--repo", "{folder}/not-a-repo"],
            ["init", "worktree", "--repo", "{repo}", "--base", "no-such-ref", "--min-idle", "1"],
            ["init", "worktree", "--repo", "{repo}", "--dir", "{repo}/slots", "--min-idle", "1"],
        ]
        for call in calls {
            try await withFixture { fixture in
                let arguments = BadCall(call, 64, "").arguments(for: fixture)
                let before = listing(of: fixture.folder)
                let worktrees = try git(["worktree", "list", "--porcelain"], in: fixture.repository)
                let result = try await fixture.cli(arguments)
                #expect(result.status == 64, "\(result)")
                #expect(!FileManager.default.fileExists(atPath: fixture.databasePath), "\(arguments)")
                #expect(listing(of: fixture.folder) == before, "\(arguments)")
                #expect(try git(["worktree", "list", "--porcelain"], in: fixture.repository) == worktrees)
            }
        }
    }

    @Test("a missing database: exit 64 with a hint to run init, and no file or folder is created")
    func missingDatabase() async throws {
        try await withFixture { fixture in
            for arguments in [
                ["status"], ["stats"], ["doctor"], ["expand", "1"], ["shrink", "1"], ["cleanup"], ["refresh"],
                ["acquire", "--holder", "x", "--owner-pid", CLIFixture.testPID], ["release", "--holder", "x"],
                ["run", "--holder", "x", "--", "true"],
            ] {
                let result = try await fixture.cli(arguments)
                expectCleanFailure(result, status: 64, mentioning: "there is no database at \(fixture.databasePath)")
                #expect(result.stderr.contains("shesha-pool init"), "\(result)")
                #expect(
                    !FileManager.default.fileExists(atPath: fixture.folder.appending(path: "state").path()),
                    "\(arguments)"
                )
            }
        }
    }

    @Test("a --db under a file, where its folder cannot be made: exit 1 naming the call and the path, nothing made")
    func databaseFolderCannotBeMade() async throws {
        try await withFixture { fixture in
            let file = fixture.folder.appending(path: "notes.txt").path(percentEncoded: false)
            try Data("not a folder\n".utf8).write(to: URL(filePath: file))
            let before = listing(of: fixture.folder)
            let result = try await shesha(
                ["init", "worktree", "--repo", fixture.repository.path(), "--db", file + "/state/pool.db"]
            )
            expectCleanFailure(
                result, status: 1,
                mentioning: "mkdir \(file)/state failed: Not a directory; part of that path is a file, not a folder"
            )
            #expect(listing(of: fixture.folder) == before)
        }
    }

    @Test("a --db that is a text file: exit 65, the file unchanged")
    func textFileDatabase() async throws {
        try await withFixture { fixture in
            let file = fixture.folder.appending(path: "notes.txt")
            let text = Data("my shopping list\neggs\n".utf8)
            try text.write(to: file)
            let before = listing(of: fixture.folder)
            for arguments in [
                ["status"], ["acquire", "--holder", "x", "--owner-pid", CLIFixture.testPID], ["expand", "1"],
                ["init", "worktree", "--repo", fixture.repository.path(), "--min-idle", "1"],
            ] {
                let result = try await shesha(arguments + ["--db", file.path()])
                expectCleanFailure(result, status: 65, mentioning: "not a SQLite database")
                #expect(FileManager.default.contents(atPath: file.path()) == text, "\(arguments)")
                #expect(listing(of: fixture.folder) == before, "no -wal, -shm or slot folder: \(arguments)")
            }
        }
    }

    @Test("a --db that is another program's SQLite database: exit 65, the file unchanged")
    func foreignDatabase() async throws {
        try await withFixture { fixture in
            let file = fixture.folder.appending(path: "other.db").path(percentEncoded: false)
            try makeForeignDatabase(at: file)
            let bytes = try #require(FileManager.default.contents(atPath: file))
            let before = listing(of: fixture.folder)
            for arguments in [
                ["status"], ["acquire", "--holder", "x", "--owner-pid", CLIFixture.testPID],
                ["init", "worktree", "--repo", fixture.repository.path(), "--min-idle", "1"],
            ] {
                let result = try await shesha(arguments + ["--db", file])
                expectCleanFailure(result, status: 65, mentioning: "another program")
                #expect(FileManager.default.contents(atPath: file) == bytes, "\(arguments)")
                #expect(listing(of: fixture.folder) == before, "\(arguments)")
            }
        }
    }

    @Test("a database with a newer schema: exit 65, unchanged")
    func newerSchema() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            try python(
                """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                db.execute("INSERT INTO schema_migration (version, name) VALUES (999, 'from the future')")
                db.commit()
                db.close()
                """,
                [fixture.databasePath]
            )
            let bytes = try #require(FileManager.default.contents(atPath: fixture.databasePath))
            let before = listing(of: fixture.folder)
            for arguments in [
                ["status"], ["acquire", "--holder", "x", "--owner-pid", CLIFixture.testPID], ["expand", "1"],
                ["doctor", "--fix"], ["init", "worktree", "--repo", fixture.repository.path(), "--pool", "p2"],
            ] {
                let result = try await fixture.cli(arguments)
                expectCleanFailure(result, status: 65, mentioning: "newer")
                #expect(result.stderr.contains("999"), "\(result)")
                #expect(FileManager.default.contents(atPath: fixture.databasePath) == bytes, "\(arguments)")
                #expect(listing(of: fixture.folder) == before, "\(arguments)")
            }
        }
    }

    @Test("acquire on an exhausted pool with --on-exhausted fail: exit 75 at once, no slot or lease changed")
    func exhaustedFails() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            _ = try await fixture.acquire("first")
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(["acquire", "--holder", "second", "--owner-pid", CLIFixture.testPID])
            expectCleanFailure(result, status: 75, mentioning: "pool 'default' is exhausted")
            // The refusal is counted in stats (by design); slots, leases and files stay as they were.
            #expect(try await fixture.snapshot().slotsAndFiles == before.slotsAndFiles)
        }
    }

    @Test("acquire --wait 1s on a full pool: exit 75 after timing out, no slot or lease changed")
    func waitTimesOut() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            _ = try await fixture.acquire("first")
            let before = try await fixture.snapshot()
            let started = ContinuousClock.now
            let result = try await fixture.cli([
                "acquire", "--holder", "second", "--owner-pid", CLIFixture.testPID, "--wait", "1s",
            ])
            let waited = ContinuousClock.now - started
            expectCleanFailure(result, status: 75, mentioning: "timed out")
            // It waited, then gave up: with the default limit (5 min) instead of 1 s, `cli` would stop it at 2 min.
            #expect(waited >= .seconds(1), "it waited: \(waited)")
            #expect(try await fixture.snapshot().slotsAndFiles == before.slotsAndFiles)
        }
    }

    @Test("run on an exhausted pool with --on-exhausted fail: exit 75 and the command never runs")
    func runOnExhaustedPool() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            _ = try await fixture.acquire("first")
            let marker = fixture.folder.appending(path: "ran").path(percentEncoded: false)
            let result = try await fixture.cli(["run", "--holder", "second", "--", "touch", marker])
            expectCleanFailure(result, status: 75, mentioning: "exhausted")
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test(
        "a read-only (immutable) database: exit 1, a clear message, unchanged",
        .enabled(
            if: canMakeFilesImmutable(),
            "chattr +i does not work here (needs root and a file system with attributes)"
        )
    )
    func readOnlyDatabase() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.slots()
            let bytes = try #require(FileManager.default.contents(atPath: fixture.databasePath))
            try chattr("+i", fixture.databasePath)
            defer { try? chattr("-i", fixture.databasePath) }
            for arguments in [["acquire", "--holder", "x", "--owner-pid", CLIFixture.testPID], ["expand", "1"]] {
                let result = try await fixture.cli(arguments)
                expectCleanFailure(result, status: 1, mentioning: "cannot write the database")
                #expect(FileManager.default.contents(atPath: fixture.databasePath) == bytes, "\(arguments)")
                #expect(try await fixture.slots() == before, "\(arguments)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder().path()) == ["slot-0001"])
        }
    }
}

/// Whether `chattr +i` makes a file unwritable here (root on ext4 does; containers often cannot).
func canMakeFilesImmutable() -> Bool {
    guard let folder = try? makeTemporaryFolder() else { return false }
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appending(path: "probe").path(percentEncoded: false)
    guard FileManager.default.createFile(atPath: file, contents: Data("x".utf8)) else { return false }
    guard (try? chattr("+i", file)) != nil else { return false }
    defer { try? chattr("-i", file) }
    let descriptor = open(file, O_WRONLY)
    guard descriptor < 0 else {
        close(descriptor)
        return false
    }
    return true
}

func chattr(_ flag: String, _ path: String) throws {
    let result = try runToCompletion("/usr/bin/env", ["chattr", flag, path])
    guard result.status == 0 else {
        throw ChildProcessError.exitedEarly(output: "chattr \(flag) \(path)", error: "exit \(result.status)")
    }
}
