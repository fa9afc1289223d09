import Foundation
import PoolTesting
import Testing

/// Slow work has a bound (DESIGN invariant 8): setup commands and git calls time out, die with their
/// worker, and work that overruns under a live worker is reported by `doctor` and stopped by `--fix`.
@Suite("bounded slow work")
struct BoundedWorkTests {
    struct Finding: Decodable {
        var kind: String
        var slot: String?
        var message: String
        var isFixed: Bool
        var work: Work?
    }

    struct Work: Decodable {
        var state: String
        var workerPid: Int32
        var since: String
        var deadline: String
        var processes: [Process]
    }

    struct Process: Decodable {
        var pid: Int32
        var processGroup: Int32
        var command: String
    }

    /// A setup command that records the pid of a `sleep` it starts in the background (a grandchild of the
    /// worker, as with `npm ci`'s children), then waits for it. With `unless`, it only sleeps while that
    /// file exists. The pid file appears whole (written aside, then renamed).
    static func sleepingSetup(pidFile: URL, onlyIf marker: URL? = nil) -> String {
        let pid = pidFile.path(percentEncoded: false)
        let sleep = "sleep 1000 & echo $! > '\(pid).tmp'; mv '\(pid).tmp' '\(pid)'; wait"
        guard let marker else { return sleep }
        return "if [ -e '\(marker.path(percentEncoded: false))' ]; then \(sleep); fi"
    }

    /// Waits (bounded only against a hang) for `file` to appear and returns the pid written in it.
    static func pid(in file: URL) async throws -> Int32 {
        #expect(try await eventually(timeout: .seconds(120)) { FileManager.default.fileExists(atPath: file.path()) })
        let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(Int32(text), "no pid in \(file.path()): \(text)")
    }

    @Test("a setup that never ends is stopped at --setup-timeout; the slot is broken with the timeout and command")
    func setupTimesOut() async throws {
        try await withFixture { fixture in
            let pidFile = fixture.folder.appending(path: "sleep.pid")
            let setup = Self.sleepingSetup(pidFile: pidFile)
            try await fixture.initPool(["--setup", setup, "--setup-timeout", "1s", "--max-size", "1"])

            let result = try await fixture.cli(["expand", "1"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("did not finish within 1s"), "\(result)")

            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == ["broken"])
            let error = try #require(slots.first?.error)
            #expect(error.contains("setup command `\(setup)`"), "\(error)")
            #expect(error.contains("did not finish within 1s (the pool's setup timeout)"), "\(error)")

            let sleeper = try await Self.pid(in: pidFile)
            #expect(
                try await eventually(timeout: .seconds(60)) { processHasEnded(sleeper) },
                "the setup's sleep survived"
            )

            let doctor = try await fixture.cli(["doctor"])
            #expect(doctor.status == 1)
            #expect(doctor.stdout.contains("broken-slot") && doctor.stdout.contains("setup timeout"), "\(doctor)")
        }
    }

    @Test("a failed setup leaves the slot broken with its last output")
    func failedSetupKeepsItsOutput() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--setup", "seq 1 100000; echo 'npm ERR! network' >&2; exit 7"])
            let result = try await fixture.cli(["expand", "1"])
            #expect(result.status == 1, "\(result)")
            let error = try #require(try await fixture.slots().first?.error)
            #expect(error.contains("failed with status 7"), "\(error)")
            // The end of the output, where the reason is; not its first lines.
            #expect(
                error.hasSuffix("100000\nnpm ERR! network\n") || error.hasSuffix("100000\nnpm ERR! network"),
                "\(error)"
            )
            #expect(!error.contains("\n1\n2\n3\n"))
        }
    }

    @Test(
        "a killed expand takes its setup with it, and a later command recovers the slot",
        arguments: [SIGTERM, SIGKILL, SIGINT]
    )
    func killedWorkerTakesItsSetup(signal: Int32) async throws {
        try await withFixture { fixture in
            let pidFile = fixture.folder.appending(path: "sleep.pid")
            let marker = fixture.folder.appending(path: "hang")
            try Data().write(to: marker)
            try await fixture.initPool([
                "--setup", Self.sleepingSetup(pidFile: pidFile, onlyIf: marker), "--max-size", "1",
            ])

            let expand = try fixture.start(["expand", "1"])
            let sleeper = try await Self.pid(in: pidFile)
            expand.kill(signal: signal)
            let status = try await expand.waitForExit()
            #expect(status != 0, "expand: \(expand.stderr)")
            #expect(
                try await eventually(timeout: .seconds(60)) { processHasEnded(sleeper) },
                "the setup's sleep survived its worker"
            )

            try FileManager.default.removeItem(at: marker)
            if signal == SIGKILL {
                // The pool is full with the dead worker's slot: acquire recovers it and makes a new one.
                let lease = try await fixture.acquire("after")
                #expect(lease.slot == "slot-0002")
            } else {
                let cleanup = try await fixture.cli(["cleanup"])
                #expect(cleanup.status == 0, "\(cleanup)")
                #expect(cleanup.stdout.contains("recovered 1 stuck slots"), "\(cleanup)")
                #expect(try await fixture.slots().isEmpty)
            }
        }
    }

    @Test("a process the setup moved out of its group (setsid) still dies with a killed worker")
    func escapedProcessDiesWithWorker() async throws {
        try await withFixture { fixture in
            let escapedFile = fixture.folder.appending(path: "escaped.pid").path(percentEncoded: false)
            let pidFile = fixture.folder.appending(path: "sleep.pid")
            // The watchdog finds it by the worker's tag in its environment, not by its process group.
            let escape = "setsid sh -c \"echo \\$\\$ > '\(escapedFile).tmp'; mv '\(escapedFile).tmp' '\(escapedFile)'; exec sleep 1000\" & "
                + "while [ ! -e '\(escapedFile)' ]; do sleep 0.01; done; "
            try await fixture.initPool(["--setup", escape + Self.sleepingSetup(pidFile: pidFile), "--max-size", "1"])

            let expand = try fixture.start(["expand", "1"])
            let sleeper = try await Self.pid(in: pidFile)
            let escaped = try await Self.pid(in: URL(filePath: escapedFile))
            #expect(WorkProcessGroup.of(escaped) != WorkProcessGroup.of(sleeper))
            expand.kill(signal: SIGKILL)
            #expect(try await expand.waitForExit() == 128 + SIGKILL)
            #expect(try await eventually(timeout: .seconds(60)) { processHasEnded(sleeper) }, "the setup's sleep survived")
            #expect(try await eventually(timeout: .seconds(60)) { processHasEnded(escaped) }, "the escaped sleep survived")
        }
    }

    @Test("a git call that hangs is stopped at --git-timeout")
    func gitTimesOut() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--git-timeout", "1s", "--max-size", "1"])
            // A `git` earlier on PATH that hangs in `worktree add` and runs the real git otherwise.
            let realGit = try #require(
                ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"].first {
                    FileManager.default.isExecutableFile(atPath: $0)
                }
            )
            let bin = fixture.folder.appending(path: "bin", directoryHint: .isDirectory)
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let pidFile = fixture.folder.appending(path: "git-sleep.pid").path(percentEncoded: false)
            let wrapper = bin.appending(path: "git")
            try writeExecutableScript(
                """
                #!/bin/sh
                case " $* " in
                *" worktree add "*) sleep 1000 & echo $! > '\(pidFile).tmp'; mv '\(pidFile).tmp' '\(pidFile)'; wait ;;
                esac
                exec \(realGit) "$@"

                """,
                to: wrapper.path(percentEncoded: false)
            )
            let path =
                bin.path(percentEncoded: false) + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")

            let result = try await fixture.cli(["expand", "1"], environment: ["PATH": path])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("git worktree add"), "\(result)")
            #expect(result.stderr.contains("did not finish within 1s (the pool's git timeout)"), "\(result)")
            let sleeper = try await Self.pid(in: URL(filePath: pidFile))
            #expect(try await eventually(timeout: .seconds(60)) { processHasEnded(sleeper) }, "the hung git survived")
            #expect(try await fixture.slots().map(\.state) == ["broken"])

            // With the real git again, cleanup retires the broken slot.
            let cleanup = try await fixture.cli(["cleanup"])
            #expect(cleanup.status == 0, "\(cleanup)")
            #expect(try await fixture.slots().isEmpty)
        }
    }

    @Test(
        "work past its deadline under a live worker is reported, then stopped and the slot recovered",
        arguments: [["doctor", "--fix"], ["cleanup"]]
    )
    func overdueWorkIsReportedAndStopped(fix: [String]) async throws {
        try await withFixture { fixture in
            let pidFile = fixture.folder.appending(path: "sleep.pid")
            // The setup stops its own worker (its parent), so the worker's own timeout cannot fire first:
            // the work overruns while the worker is alive.
            let setup = "kill -STOP $PPID; " + Self.sleepingSetup(pidFile: pidFile)
            try await fixture.initPool([
                "--setup", setup, "--setup-timeout", "1s", "--git-timeout", "1s", "--max-size", "1",
            ])

            let expand = try fixture.start(["expand", "1"])
            defer {
                expand.kill(signal: SIGKILL)
                expand.kill(signal: SIGCONT)
            }
            let sleeper = try await Self.pid(in: pidFile)

            var overdue: Finding?
            #expect(
                try await eventually(timeout: .seconds(180)) {
                    let doctor = try await fixture.cli(["doctor", "--json"])
                    let findings = try JSONDecoder().decode([Finding].self, from: Data(doctor.stdout.utf8))
                    overdue = findings.first { $0.kind == "overdue-work" }
                    return overdue != nil
                }
            )
            let finding = try #require(overdue)
            #expect(finding.slot == "slot-0001")
            #expect(!finding.isFixed)
            let work = try #require(finding.work)
            #expect(work.state == "creating")
            #expect(work.workerPid == expand.pid)
            #expect(!work.since.isEmpty && work.since <= work.deadline)
            #expect(work.processes.first?.command == "/bin/sh -c \(setup)", "\(work.processes)")
            #expect(work.processes.contains { $0.pid == sleeper })
            #expect(
                finding.message.contains("creating by pid \(expand.pid)") && finding.message.contains(setup),
                "\(finding.message)"
            )

            let human = try await fixture.cli(["doctor"])
            #expect(human.status == 1)
            #expect(human.stdout.contains("overdue-work  slot-0001"), "\(human)")

            let fixed = try await fixture.cli(fix)
            #expect(fixed.status == 0, "\(fixed)")
            #expect(
                try await eventually(timeout: .seconds(60)) { processHasEnded(sleeper) },
                "the overdue setup survived"
            )
            // Taken over as broken, then removed in the same run.
            #expect(try await fixture.slots().isEmpty)
            let after = try await fixture.cli(["doctor"])
            #expect(after.status == 0, "\(after)")

            // The worker, woken, finds its work taken over.
            expand.kill(signal: SIGCONT)
            #expect(try await expand.waitForExit() != 0)
        }
    }

    @Test(
        "bad timeouts exit 64 and create nothing",
        arguments: [
            ["--setup-timeout", "0"], ["--git-timeout", "0s"], ["--setup-timeout", "soon"],
            ["--git-timeout", "-5m"], ["--setup-timeout", ""],
        ]
    )
    func badTimeouts(options: [String]) async throws {
        try await withFixture { fixture in
            let result = try await fixture.cli(["init", "worktree", "--repo", fixture.repository.path()] + options)
            #expect(result.status == 64, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains(options[0]), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
            #expect(!FileManager.default.fileExists(atPath: fixture.slotFolder().path()))
        }
    }

    @Test("the timeouts are stored with the pool and shown by init --json")
    func timeoutsAreStored() async throws {
        try await withFixture { fixture in
            let result = try await fixture.initPool(["--setup-timeout", "45m", "--git-timeout", "90s", "--json"])
            struct Settings: Decodable {
                struct Worktree: Decodable {
                    var setupTimeoutMilliseconds: Int64
                    var gitTimeoutMilliseconds: Int64
                }
                var worktree: Worktree
            }
            let settings = try JSONDecoder().decode(Settings.self, from: Data(result.stdout.utf8))
            #expect(settings.worktree.setupTimeoutMilliseconds == 45 * 60_000)
            #expect(settings.worktree.gitTimeoutMilliseconds == 90_000)
        }
    }
}

/// A process's group id, from /proc/<pid>/stat (field 5, after the command name in parentheses).
enum WorkProcessGroup {
    static func of(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? Int32(fields[2]) : nil
    }
}
