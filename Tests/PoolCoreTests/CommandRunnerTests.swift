import Foundation
import PoolCore
import PoolTesting
import Testing

/// The supervised runner for slow commands: real `sh` children, their groups, their ends.
@Suite("CommandRunner")
struct CommandRunnerTests {
    @Test("both streams are kept apart and the exit status passes through")
    func outputAndStatus() async throws {
        let result = try await CommandRunner.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test("merged streams keep their order, and only the last part is kept when asked")
    func mergedTail() async throws {
        let result = try await CommandRunner.run(
            "/bin/sh",
            ["-c", "echo first; echo second >&2; seq 1 20000; echo last >&2"],
            mergingErrors: true,
            keepingLast: 100
        )
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix("20000\nlast\n"), "\(result.stdout)")
        #expect(result.stdout.utf8.count == 100)
        #expect(result.stderr.isEmpty)
    }

    @Test("stdin is /dev/null: a command that reads it ends at once")
    func stdinIsEmpty() async throws {
        let result = try await CommandRunner.run("/bin/cat", [], timeout: .seconds(60))
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
    }

    @Test("a command starts with a clean signal mask: SIGTERM ends it")
    func signalsReachTheCommand() async throws {
        // Swift's threads block SIGTERM; a child that kept that mask would print "survived" and exit 0.
        let result = try await CommandRunner.run("/bin/sh", ["-c", "kill -TERM $$; echo survived"])
        #expect(result.status == 128 + SIGTERM, "\(result)")
        #expect(!result.stdout.contains("survived"))
    }

    @Test("past its limit the whole group is stopped; the error names the command and its last output")
    func timeoutStopsTheGroup() async throws {
        try await withTemporaryFolder { folder in
            let pidFile = folder.appending(path: "sleep.pid").path(percentEncoded: false)
            let script = "echo started; sleep 1000 & echo $! > '\(pidFile)'; wait"
            do {
                _ = try await CommandRunner.run("/bin/sh", ["-c", script], timeout: .seconds(1))
                Issue.record("the command should have timed out")
            } catch let error as CommandTimedOut {
                #expect(error.command == ["/bin/sh", "-c", script])
                #expect(error.timeout == .seconds(1))
                #expect(error.lastOutput.contains("started"))
                #expect(error.description.contains("did not finish within 1s"), "\(error)")
            }
            // The background sleep was in the group: it is gone too.
            let sleeper = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
            #expect(try await until { hasEnded(sleeper) }, "sleep \(sleeper) outlived its command")
        }
    }

    @Test("what a command leaves running in its group is killed when it exits")
    func stragglersAreKilled() async throws {
        let result = try await CommandRunner.run("/bin/sh", ["-c", "sleep 1000 & echo $!"], timeout: .seconds(60))
        #expect(result.status == 0)
        let sleeper = try #require(Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await until { hasEnded(sleeper) }, "sleep \(sleeper) outlived its command")
    }

    @Test("cancelling the caller kills the command")
    func cancellationKills() async throws {
        try await withTemporaryFolder { folder in
            let pidFile = folder.appending(path: "sleep.pid").path(percentEncoded: false)
            let task = Task {
                try await CommandRunner.run(
                    "/bin/sh",
                    ["-c", "echo $$ > '\(pidFile)'.tmp; mv '\(pidFile)'.tmp '\(pidFile)'; exec sleep 1000"]
                )
            }
            #expect(try await until { FileManager.default.fileExists(atPath: pidFile) })
            let sleeper = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(try await until { hasEnded(sleeper) })
        }
    }

    @Test("work tagged with SHESHA_POOL_WORK is found by its tag and stopped")
    func taggedWorkIsFoundAndStopped() async throws {
        try await withTemporaryFolder { folder in
            let tag = folder.appending(path: "slot-0001").path(percentEncoded: false)
            let pidFile = folder.appending(path: "sh.pid").path(percentEncoded: false)
            let script = "echo $$ > '\(pidFile)'.tmp; mv '\(pidFile)'.tmp '\(pidFile)'; sleep 1000"
            let task = Task {
                try await CommandRunner.run("/bin/sh", ["-c", script], environment: [CommandRunner.workVariable: tag])
            }
            #expect(try await until { FileManager.default.fileExists(atPath: pidFile) })
            let shell = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
            let found = try await untilValue { () -> [WorkProcess]? in
                let found = WorkProcesses.find(workingOn: tag)
                return found.count == 2 ? found : nil  // the shell and its sleep
            }
            #expect(found.first?.pid == shell)
            #expect(found.first?.processGroup == shell)
            #expect(found.first?.command == "/bin/sh -c \(script)")
            #expect(WorkProcesses.find(workingOn: tag + "-other").isEmpty)

            WorkProcesses.stop(workingOn: tag)
            let result = try await task.value
            #expect(result.status == 128 + SIGKILL)
        }
    }

    /// Whether `pid` has exited (gone, or a zombie not yet reaped by whoever adopted it).
    func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X"
    }

    /// Polls until `condition` holds; the generous bound only stops a test that would otherwise hang.
    func until(_ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    func untilValue<T>(_ value: () throws -> T?) async throws -> T {
        var found: T?
        _ = try await until {
            found = try value()
            return found != nil
        }
        return try #require(found)
    }
}
