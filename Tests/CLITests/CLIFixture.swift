import Foundation
import PoolTesting
import Testing

/// One test's world: a fresh temporary folder holding a real git repository (`repo/`) and the database
/// path `state/pool.db`, whose pools keep their slots beside it (`state/<pool>/`). Every call passes
/// `--db` explicitly, so no test touches the user's default database.
struct CLIFixture {
    let folder: URL
    let repository: URL

    var databasePath: String { folder.appending(path: "state/pool.db").path(percentEncoded: false) }
    var databaseURL: URL { URL(filePath: databasePath) }

    /// Where the pool `name` keeps its slots when `init` gets no --dir.
    func slotFolder(of pool: String = "default") -> URL {
        folder.appending(path: "state/\(pool)", directoryHint: .isDirectory)
    }

    /// The test process itself: alive for the whole test, so a lease it owns is never reclaimed.
    static var testPID: String { String(ProcessInfo.processInfo.processIdentifier) }

    /// Runs `shesha-pool` with `--db` added after the subcommand (before `--` when there is one).
    func cli(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> CLIOutput {
        try await shesha(withDatabase(arguments), environment: environment, timeout: timeout)
    }

    /// Starts `shesha-pool` with `--db` added, without waiting for it.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try startCLI(withDatabase(arguments), environment: environment, outputFolder: folder)
    }

    func withDatabase(_ arguments: [String]) -> [String] {
        var arguments = arguments
        let index = arguments.firstIndex(of: "--") ?? arguments.endIndex
        arguments.insert(contentsOf: ["--db", databasePath], at: index)
        return arguments
    }

    /// `init worktree` of this fixture's repository; the test stops unless it succeeds.
    @discardableResult
    func initPool(_ options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIOutput
    {
        let result = try await cli(["init", "worktree", "--repo", repository.path()] + options)
        try #require(result.status == 0, "init failed: \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs `shesha-pool` with a crash point set (SHESHA_POOL_CRASH_AT), which must kill it.
    func crash(at point: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await cli(arguments, environment: ["SHESHA_POOL_CRASH_AT": point])
        try #require(result.status == 128 + SIGKILL, "expected death by SIGKILL: \(result)", sourceLocation: sourceLocation)
    }

    /// The pool's slots as `status --json` reports them.
    func slots(pool: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [SlotStatus] {
        let result = try await cli(["status", "--json"] + (pool.map { ["--pool", $0] } ?? []))
        try #require(result.status == 0, "status failed: \(result)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode([SlotStatus].self, from: Data(result.stdout.utf8))
    }

    /// Takes a lease owned by the test process and returns `acquire --json`'s answer.
    func acquire(
        _ holder: String,
        _ options: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LeaseInfo {
        let result = try await cli(["acquire", "--holder", holder, "--owner-pid", Self.testPID, "--json"] + options)
        try #require(result.status == 0, "acquire failed: \(result)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(LeaseInfo.self, from: Data(result.stdout.utf8))
    }

    /// Commits a new file to the repository and returns the new HEAD.
    @discardableResult
    func commit(_ file: String, _ text: String = "changed\n") throws -> String {
        try Data(text.utf8).write(to: repository.appending(path: file))
        try git(["add", "--all"], in: repository)
        try git(["commit", "--quiet", "--message", "change \(file)"], in: repository)
        return try head(of: repository)
    }

    func head(of folder: URL) throws -> String {
        try git(["rev-parse", "HEAD"], in: folder).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Everything a user could observe about the pool: the database's bytes, every file under the test's
    /// folder (git internals aside), git's worktree list, and what `status --json` and `stats --json` say.
    func snapshot() async throws -> Snapshot {
        let status = try await cli(["status", "--json"])
        let stats = try await cli(["stats", "--json"])
        return Snapshot(
            database: FileManager.default.contents(atPath: databasePath),
            files: listing(of: folder),
            worktrees: try git(["worktree", "list", "--porcelain"], in: repository),
            status: "\(status.status) \(status.stdout)",
            stats: "\(stats.status) \(stats.stdout)"
        )
    }
}

/// What one run of `shesha-pool` printed and how it ended.
struct CLIOutput: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs the built `shesha-pool` like PoolTesting's `runCLI` (exit status, stdout and stderr separately),
/// but closes the child's output files afterwards. `runCLI` leaves both FileHandles of every child open
/// (Sources/PoolTesting/ChildProcess.swift, `standardOutput`/`standardError`), two descriptors per call;
/// this suite makes ~700 calls in one process, and past ~1,300 open descriptors Foundation's
/// `Process.run()` crashes the whole test process now and then (an over-read in
/// `findMaximumOpenFromProcSelfFD`, swift-corelibs-foundation PR #5472).
func shesha(
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(120)
) async throws -> CLIOutput {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let child = try startCLI(arguments, environment: environment, outputFolder: folder)
    let status = try await child.waitForExit(timeout: timeout)
    return CLIOutput(status: status, stdout: child.stdout, stderr: child.stderr)
}


/// A fresh fixture for one test, removed afterwards whatever happens.
func withFixture<R>(_ body: (CLIFixture) async throws -> R) async throws -> R {
    try await withTemporaryFolder { folder in
        let repository = try makeGitRepository(in: folder)
        return try await body(CLIFixture(folder: folder, repository: repository))
    }
}

/// What a user could observe; equal snapshots before and after a command mean it changed nothing.
struct Snapshot: Equatable, CustomStringConvertible {
    var database: Data?
    var files: [String]
    var worktrees: String
    var status: String
    var stats: String

    /// The slots and leases only: for commands that log an event (a refused or timed-out acquire
    /// counts in `stats`) but must not change any slot, lease or file.
    var slotsAndFiles: [String] { files + [worktrees, status] }

    var description: String {
        "database: \(database.map { "\($0.count) bytes" } ?? "none")\nfiles: \(files)\nworktrees: \(worktrees)\n"
            + "status: \(status)\nstats: \(stats)"
    }
}

/// Every path under `folder`, relative and sorted; the insides of `.git` folders are left out.
func listing(of folder: URL) -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
        return []
    }
    let prefix = folder.standardizedFileURL.path(percentEncoded: false)
    var paths: [String] = []
    for case let url as URL in enumerator {
        if url.lastPathComponent == ".git" {
            enumerator.skipDescendants()
        }
        // The CLI runner's own output files (child-*.out/err) live in the test folder too.
        if url.lastPathComponent.hasPrefix("child-") { continue }
        paths.append(String(url.standardizedFileURL.path(percentEncoded: false).dropFirst(prefix.count)))
    }
    return paths.sorted()
}

/// One slot of `status --json`.
struct SlotStatus: Decodable, Equatable {
    var name: String
    var state: String
    var path: String
    var holder: String?
    var token: Int64?
    var index: Int?
    var branch: String?
    var uses: Int
    var error: String?
}

/// `acquire --json`.
struct LeaseInfo: Decodable {
    var pool: String
    var holder: String
    var slot: String
    var path: String
    var token: Int64
    var index: Int
    var branch: String?
    var ownerPid: Int32
}

/// A failure as a user should see it: the documented exit code, nothing on stdout, and one clear line
/// on stderr (argument-parser adds its usage lines after its "Error:" line), never a crash report.
func expectCleanFailure(
    _ result: CLIOutput,
    status: Int32,
    mentioning fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == status, "expected exit \(status): \(result)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout must carry results only: \(result)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    let first = lines.first.map(String.init) ?? ""
    #expect(
        first.localizedCaseInsensitiveContains(fragment),
        "the first line of stderr should mention \(fragment.debugDescription): \(result)",
        sourceLocation: sourceLocation
    )
    if first.hasPrefix("shesha-pool: ") {
        #expect(lines.count == 1, "a domain error is one line: \(result)", sourceLocation: sourceLocation)
    } else {
        #expect(first.hasPrefix("Error: "), "unexpected stderr: \(result)", sourceLocation: sourceLocation)
        #expect(lines.count <= 4, "a usage error is its line plus usage: \(result)", sourceLocation: sourceLocation)
    }
    for crashSign in ["Fatal error", "Stack dump", "Backtrace", "Current stack trace", "Thread 0", "💣"] {
        #expect(!result.stderr.contains(crashSign), "looks like a crash: \(result)", sourceLocation: sourceLocation)
    }
}

/// A `sleep 3600` process to own leases: alive until `body` ends, then killed and reaped (an hour, so a
/// loaded machine never outlasts it; finite, so a crashed test process leaves nothing for long).
func withSleeper<R>(_ body: (Int32) async throws -> R) async throws -> R {
    let sleeper = try Sleeper()
    defer { sleeper.stop() }
    return try await body(sleeper.pid)
}

final class Sleeper {
    let child: SpawnedChild

    init() throws {
        child = try SpawnedChild(executable: "/bin/sleep", arguments: ["3600"])
    }

    var pid: Int32 { child.pid }

    /// Kills it and waits until it is reaped, so its pid no longer names a live process.
    func stop() {
        child.kill(signal: SIGKILL)
        child.waitUntilExit()
    }
}

/// True once `pid` has exited (gone, or a zombie waiting to be reaped by whoever adopted it).
func processHasEnded(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // The state follows the command name, which is in parentheses and may contain spaces.
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state == "Z" || state == "X"
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(
    timeout: Duration = .seconds(10),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Runs a Python 3 script (for databases that only another program would write, or read); returns what it
/// printed, trimmed.
@discardableResult
func python(_ script: String, _ arguments: [String] = []) throws -> String {
    let result = try runToCompletion("/usr/bin/env", ["python3", "-c", script] + arguments)
    guard result.status == 0 else {
        throw ChildProcessError.exitedEarly(output: "python3", error: result.stderr)
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Makes `path` a SQLite database of another program (one table of invoices), written by Python's SQLite.
func makeForeignDatabase(at path: String) throws {
    try python(
        """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        db.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, amount REAL)")
        db.execute("INSERT INTO invoice (amount) VALUES (12.5)")
        db.commit()
        db.close()
        """,
        [path]
    )
}

/// The first column of the first row of `sql`, run by Python's SQLite, as a program other than ours would
/// see the file. `readOnly` opens it so that it can never checkpoint or otherwise write it.
func sqliteQuery(_ path: String, _ sql: String, readOnly: Bool = false) throws -> String {
    let connect = readOnly
        ? "sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)" : "sqlite3.connect(sys.argv[1])"
    return try python("import sqlite3, sys; print(\(connect).execute(sys.argv[2]).fetchone()[0])", [path, sql])
}
