import Foundation
import PoolTesting
import Testing

/// The database's disk running out under the CLI, and its file deleted or replaced under a running process.
///
/// A file size limit (RLIMIT_FSIZE, `ulimit -f`) stands in for a full disk: writes past it fail, like
/// writes to a full file system, without needing root to mount a small one. SQLite reports a short write
/// as SQLITE_FULL and a refused one (EFBIG) as SQLITE_IOERR_WRITE; both are met below.
@Suite("resource faults")
struct ResourceFaultTests {
    /// Limits from "not even the shared-memory index fits" (32 KiB) through "the log fills up mid-commit"
    /// to "enough": each command meets the limit at a different write.
    static let limits = [4_096, 32_768, 33_000, 36_000, 40_000, 45_000, 50_000, 60_000, 70_000, 90_000, 120_000]

    /// What each fault run does: take a lease, give it back, add a slot.
    static func commands(_ holder: String) -> [[String]] {
        [
            ["acquire", "--holder", holder, "--owner-pid", CLIFixture.testPID],
            ["release", "--holder", holder, "--force"],
            ["expand", "1"],
        ]
    }

    @Test("past a file size limit: no death by SIGXFSZ, one clear line, and afterwards no damage and no slot lost")
    func fileSizeLimit() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            var tally = FaultTally(advice: "ulimit -f")
            for limit in Self.limits {
                for arguments in Self.commands("h\(limit)") {
                    let result = try await fixture.cliWithFileSizeLimit(limit, arguments)
                    tally.record(result, of: arguments, context: "limit \(limit)")
                }
            }
            #expect(tally.faults > 0, "the limit must bite at least once")
            #expect(tally.successes > 0, "and some limits must be enough")
            try await expectNothingLost(fixture)
        }
    }

    @Test(
        "on a full disk (a small tmpfs): one clear line, and afterwards no damage and no slot lost",
        .enabled(if: canMountTmpfs(), "mount -t tmpfs does not work here (it needs root)")
    )
    func fullDisk() async throws {
        try await withFixture { fixture in
            // The database and the slots live on a 2 MiB file system; a filler file leaves `room` bytes free.
            try await withTmpfs(at: fixture.folder.appending(path: "state"), size: "2m") { state in
                try await fixture.initPool(["--min-idle", "2"])
                let filler = state + "/filler"
                var tally = FaultTally(advice: "free space")
                for room in [0, 4_096, 8_192, 16_384, 32_768, 65_536, 131_072] {
                    try fill(filler, leaving: room)
                    for arguments in Self.commands("h\(room)") {
                        tally.record(try await fixture.cli(arguments), of: arguments, context: "\(room) bytes free")
                    }
                }
                try FileManager.default.removeItem(atPath: filler)
                #expect(tally.faults > 0, "the full disk must stop some command")
                #expect(tally.successes > 0, "and some room must be enough")
                try await expectNothingLost(fixture)
            }
        }
    }

    @Test(
        "a slot folder on a full file system: expand says so in one line, names the folder, and says to free space",
        .enabled(if: canMountTmpfs(), "mount -t tmpfs does not work here (it needs root)")
    )
    func fullSlotFolder() async throws {
        try await withFixture { fixture in
            // Only the slots are on the small file system: the database has room, git's checkout does not.
            try await withTmpfs(at: fixture.folder.appending(path: "slots"), size: "1m") { folder in
                try await fixture.initPool(["--dir", folder])
                try fill(folder + "/filler", leaving: 0)

                let result = try await fixture.cli(["expand", "1"])

                #expect(result.status == 1, "\(result)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 2, "a summary and one line for the slot: \(result)")
                #expect(lines.last?.contains("the file system of \(folder) is full") == true, "\(result)")
                #expect(lines.last?.contains("free space there and try again") == true, "\(result)")
                try FileManager.default.removeItem(atPath: folder + "/filler")
                #expect(try await fixture.cli(["expand", "1"]).status == 0)
            }
        }
    }

    @Test("a database deleted under a running `run`: it ends with one clear line; new processes are told to run init")
    func databaseDeleted() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let running = try await fixture.startHeldRun()
            try FileManager.default.removeItem(atPath: fixture.databasePath)

            for arguments in [["status"], ["acquire", "--holder", "other", "--owner-pid", CLIFixture.testPID]] {
                let result = try await fixture.cli(arguments)
                expectCleanFailure(result, status: 64, mentioning: "there is no database at \(fixture.databasePath)")
                #expect(result.stderr.contains("shesha-pool init"), "\(result)")
            }
            let ended = try await fixture.finish(running)
            expectCleanFailure(ended, status: 1, mentioning: "was deleted or replaced by another file")
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath), "nothing wrote a new file there")
        }
    }

    @Test("a waiting acquire whose database is deleted stops with a clear line instead of waiting on")
    func waitingAcquireSeesDeletion() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            _ = try await fixture.acquire("first")
            // Polls for a free slot; had it not noticed the deletion, it would time out with exit 75.
            let waiting = try fixture.start([
                "acquire", "--holder", "second", "--owner-pid", CLIFixture.testPID, "--wait", "60s",
            ])
            #expect(try await eventually { try fixture.waiters() == 1 })
            try FileManager.default.removeItem(atPath: fixture.databasePath)
            let status = try await waiting.waitForExit()
            let result = CLIOutput(status: status, stdout: waiting.stdout, stderr: waiting.stderr)
            expectCleanFailure(result, status: 1, mentioning: "was deleted or replaced by another file")
        }
    }

    @Test(
        "a database replaced under a running `run`: it stops with a clear line; new processes refuse the new file",
        arguments: ["another program's database", "text"]
    )
    func databaseReplaced(by replacement: String) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let running = try await fixture.startHeldRun()
            let incoming = fixture.folder.appending(path: "incoming.db").path(percentEncoded: false)
            if replacement == "text" {
                try Data("a shopping list\n".utf8).write(to: URL(filePath: incoming))
            } else {
                try makeForeignDatabase(at: incoming)
            }
            let bytes = try #require(FileManager.default.contents(atPath: incoming))
            // As `mv other.db pool.db` does: the running process keeps the old file open.
            try #require(rename(incoming, fixture.databasePath) == 0)

            // The running process's log still lies beside the new file; opening the pair would copy it in.
            let expected = replacement == "text" ? "not a SQLite database" : "belongs to another database file"
            for arguments in [["status"], ["acquire", "--holder", "other", "--owner-pid", CLIFixture.testPID]] {
                expectCleanFailure(try await fixture.cli(arguments), status: 65, mentioning: expected)
            }
            let ended = try await fixture.finish(running)
            expectCleanFailure(ended, status: 1, mentioning: "was deleted or replaced by another file")
            #expect(FileManager.default.contents(atPath: fixture.databasePath) == bytes, "the new file is untouched")

            // Once the old log is moved away, as the message says, the new file is refused for what it is.
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: fixture.databasePath + suffix) {
                try FileManager.default.removeItem(atPath: fixture.databasePath + suffix)
            }
            let after = try await fixture.cli(["status"])
            expectCleanFailure(after, status: 65, mentioning: replacement == "text" ? "not a SQLite" : "another program")
            #expect(FileManager.default.contents(atPath: fixture.databasePath) == bytes, "the new file is untouched")
        }
    }
}

/// Counts how fault runs ended, and checks each: no crash, and a refusal is one line that says what to do.
struct FaultTally {
    /// What every message about the fault must mention.
    var advice: String
    var faults = 0
    var successes = 0

    mutating func record(_ result: CLIOutput, of arguments: [String], context: String) {
        let context = "\(context), \(arguments): \(result)"
        #expect(result.status < 128, "killed by a signal: \(context)")
        for crashSign in ["Fatal error", "Stack dump", "Backtrace", "💣"] {
            #expect(!result.stderr.contains(crashSign), "\(context)")
        }
        let lines = result.stderr.split(separator: "\n")
        if result.status == 0 {
            successes += 1
        } else if result.stderr.contains(advice) || result.stderr.contains("No space left on device") {
            // The fault, not something else, stopped it (git reports a full disk in its own words).
            faults += 1
            #expect(result.status == 1, "\(context)")
            #expect(result.stdout.isEmpty, "\(context)")
            #expect(lines.last?.hasPrefix("shesha-pool: ") == true, "\(context)")
            // expand prints its summary first, then one line per slot that failed.
            #expect(lines.count <= (arguments[0] == "expand" ? 2 : 1), "\(context)")
        } else {
            // A release whose lease an earlier fault left half-released is refused as such.
            #expect(result.status == 64, "\(context)")
            #expect(result.stderr.contains("holds no lease"), "\(context)")
        }
    }
}

/// After faults, with room again: the file is sound, one `doctor --fix` at most finishes what was cut
/// short, and every slot is in the database, on disk and in git, and usable: none was lost.
func expectNothingLost(_ fixture: CLIFixture) async throws {
    #expect(try integrityCheck(fixture.databasePath) == "ok")
    if try await fixture.cli(["doctor"]).status != 0 {
        let fixed = try await fixture.cli(["doctor", "--fix"])
        #expect(fixed.status == 0, "\(fixed)")
    }
    let doctor = try await fixture.cli(["doctor"])
    #expect(doctor.status == 0 && doctor.stdout.contains("no problems found"), "\(doctor)")

    for slot in try await fixture.slots() where slot.holder != nil {
        let released = try await fixture.cli(["release", "--holder", try #require(slot.holder), "--force"])
        #expect(released.status == 0, "\(released)")
    }
    let slots = try await fixture.slotsAfterResets()
    #expect(slots.count >= 2, "\(slots)")
    #expect(slots.allSatisfy { $0.state == "idle" }, "\(slots)")
    let folders = try FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder().path())
    #expect(folders.sorted() == slots.map(\.name).sorted())
    let worktrees = try git(["worktree", "list", "--porcelain"], in: fixture.repository)
    for slot in slots {
        #expect(worktrees.contains("worktree \(slot.path)\n"), "\(slot.name) is in git's list")
    }
    // One "worktree" line per slot, plus the repository's own.
    #expect(worktrees.components(separatedBy: "worktree ").count - 2 == slots.count, "\(worktrees)")
}

/// Whether this process may mount a tmpfs (root, outside a locked-down container).
func canMountTmpfs() -> Bool {
    guard let folder = try? makeTemporaryFolder() else { return false }
    defer { try? FileManager.default.removeItem(at: folder) }
    guard (try? mountTmpfs(at: folder, size: "64k")) != nil else { return false }
    unmount(folder)
    return true
}

/// Makes the folder `folder`, mounts a tmpfs of `size` there for `body` (given its path), and unmounts it.
func withTmpfs<R>(at folder: URL, size: String, _ body: (String) async throws -> R) async throws -> R {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    try mountTmpfs(at: folder, size: size)
    defer { unmount(folder) }
    return try await body(folder.path(percentEncoded: false))
}

func mountTmpfs(at folder: URL, size: String) throws {
    try runTool("mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", folder.path(percentEncoded: false)])
}

/// Unmounts, lazily, so that a test that failed with something still open does not leave the mount behind.
func unmount(_ folder: URL) {
    try? runTool("umount", ["--lazy", folder.path(percentEncoded: false)])
}

func runTool(_ name: String, _ arguments: [String]) throws {
    let result = try runToCompletion("/usr/bin/env", [name] + arguments)
    guard result.status == 0 else {
        throw ChildProcessError.exitedEarly(output: "\(name) \(arguments)", error: "exit \(result.status)")
    }
}

/// Makes the file `path` as large as it takes to leave `room` bytes free on its file system.
func fill(_ path: String, leaving room: Int) throws {
    let url = URL(filePath: path)
    try? FileManager.default.removeItem(at: url)
    var info = statvfs()
    guard statvfs(url.deletingLastPathComponent().path(percentEncoded: false), &info) == 0 else {
        throw ChildProcessError.exitedEarly(output: "statvfs \(path)", error: String(cString: strerror(errno)))
    }
    let size = max(0, Int(info.f_bavail) * Int(info.f_frsize) - room)
    // Written in place (Data.write may write a copy first and rename it, which needs twice the room).
    let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
    guard descriptor >= 0 else {
        throw ChildProcessError.exitedEarly(output: "open \(path)", error: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    let bytes = [UInt8](repeating: 0, count: size)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, size) }
    guard written == size else {
        throw ChildProcessError.exitedEarly(output: "write \(path)", error: "\(written) of \(size) bytes")
    }
}

extension CLIFixture {
    /// Runs `shesha-pool` (with --db) under a file size limit of `bytes`, set in the child before exec.
    func cliWithFileSizeLimit(_ bytes: Int, _ arguments: [String]) async throws -> CLIOutput {
        // Python ignores SIGXFSZ, and an ignored signal stays ignored across exec: give it back its default.
        let limiter = """
            import os, resource, signal, sys
            limit = int(sys.argv[1])
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            os.execv(sys.argv[2], sys.argv[2:])
            """
        let executable = try builtExecutable(named: "shesha-pool").path(percentEncoded: false)
        let child = try ChildProcess(
            executable: URL(filePath: "/usr/bin/env"),
            arguments: ["python3", "-c", limiter, String(bytes), executable] + withDatabase(arguments),
            outputFolder: folder
        )
        let status = try await child.waitForExit()
        return CLIOutput(status: status, stdout: child.stdout, stderr: child.stderr)
    }

    /// Starts `run --holder runner` with a command that waits for the file `go`, and returns once the command
    /// runs (so the lease is taken).
    func startHeldRun() async throws -> ChildProcess {
        let started = folder.appending(path: "started").path(percentEncoded: false)
        let go = folder.appending(path: "go").path(percentEncoded: false)
        let running = try start([
            "run", "--holder", "runner", "--", "sh", "-c",
            "touch '\(started)'; while [ ! -e '\(go)' ]; do sleep 0.05; done",
        ])
        let isRunning = try await eventually(timeout: .seconds(60)) {
            FileManager.default.fileExists(atPath: started) || !running.isRunning
        }
        guard isRunning, running.isRunning else {
            throw ChildProcessError.exitedEarly(output: running.stdout, error: running.stderr)
        }
        return running
    }

    /// Lets a `startHeldRun` command finish and returns how `run` ended.
    func finish(_ running: ChildProcess) async throws -> CLIOutput {
        try Data().write(to: folder.appending(path: "go"))
        let status = try await running.waitForExit()
        return CLIOutput(status: status, stdout: running.stdout, stderr: running.stderr)
    }

    /// How many acquires wait in line, read by Python's SQLite (while ours runs, it cannot be the last
    /// connection, so it changes nothing).
    func waiters() throws -> Int {
        Int(try sqliteQuery(databasePath, "SELECT count(*) FROM waiter")) ?? -1
    }
}

/// `PRAGMA integrity_check`, by Python's own SQLite, as a program other than ours would see the file.
func integrityCheck(_ path: String) throws -> String {
    try sqliteQuery(path, "PRAGMA integrity_check")
}
