import Foundation
import PoolTesting
import Testing

@Suite("run")
struct RunTests {
    @Test("the command's exit code passes through", arguments: [0, 1, 7, 42])
    func exitCodePassesThrough(code: Int) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli(["run", "--holder", "ci", "--", "sh", "-c", "exit \(code)"])
            #expect(result.status == Int32(code), "\(result)")
        }
    }

    @Test("the command runs inside the slot with SHESHA_POOL_SLOT, SHESHA_POOL_PATH and SHESHA_POOL_TOKEN")
    func folderAndEnvironment() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli([
                "run", "--holder", "ci", "--",
                "sh", "-c", "pwd; echo \"$SHESHA_POOL_SLOT\"; echo \"$SHESHA_POOL_PATH\"; echo \"$SHESHA_POOL_TOKEN\"",
            ])
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            try #require(lines.count == 4, "\(result)")
            let slot = try #require(try await fixture.slots().first)
            #expect(lines[0] == slot.path)
            #expect(lines[1] == slot.name)
            #expect(lines[2] == slot.path)
            #expect((Int64(lines[3]) ?? 0) >= 1, "the token is a positive number: \(lines[3])")
        }
    }

    @Test("the command's stdout and stderr pass through separately; run adds nothing to stdout")
    func outputPassesThrough() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli([
                "run", "--holder", "ci", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; printf 'no newline'",
            ])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "to-stdout\nno newline")
            #expect(result.stderr.contains("to-stderr"))
            #expect(!result.stderr.contains("to-stdout"))
        }
    }

    @Test("the slot is released after the command, also when it fails, and reset before reuse")
    func releasedAfterFailure() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let failed = try await fixture.cli([
                "run", "--holder", "ci-1", "--", "sh", "-c", "echo dirt > dirt.txt; exit 3",
            ])
            #expect(failed.status == 3, "\(failed)")
            let slot = try #require(try await fixture.slots().first)
            #expect(slot.holder == nil && slot.state != "leased", "\(slot)")

            // A pool of one that refuses to wait: the slot must be free, and clean.
            let next = try await fixture.cli(["run", "--holder", "ci-2", "--", "sh", "-c", "test ! -e dirt.txt"])
            #expect(next.status == 0, "the next holder gets the slot, reset: \(next)")
        }
    }

    @Test("a command that does not exist exits 127 and the slot is released")
    func missingCommand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli(["run", "--holder", "ci", "--", "/nonexistent/command"])
            #expect(result.status == 127, "\(result)")
            #expect(result.stderr.contains("/nonexistent/command"))
            #expect(!result.stderr.contains("Fatal error"))
            #expect(try await fixture.slots().allSatisfy { $0.holder == nil })
        }
    }

    @Test("the command starts with no signals blocked, so it can be interrupted like any other")
    func noBlockedSignals() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            // Not through sh: a shell resets its own mask, hiding what it inherited.
            let result = try await fixture.cli(["run", "--holder", "ci", "--", "grep", "^SigBlk:", "/proc/self/status"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "SigBlk:\t0000000000000000\n", "the command inherited blocked signals: \(result)")
        }
    }

    @Test("SIGTERM to run reaches the command, run exits 143, and the slot is released")
    func terminateIsForwarded() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let marker = fixture.folder.appending(path: "got-term").path(percentEncoded: false)
            let run = try fixture.start([
                "run", "--holder", "ci", "--",
                // The trap also ends the background sleep: an orphan would keep this test's end of
                // Foundation's process-monitoring socket open, and `run` would look alive.
                "sh", "-c", "trap 'echo term > \(marker); kill $!; exit 143' TERM; echo started; sleep 3600 & wait",
            ])
            defer {
                run.kill(signal: SIGKILL)
            }
            _ = try await run.waitForOutput(containing: "started", timeout: .seconds(30))
            run.kill(signal: SIGTERM)
            let status = try await run.waitForExit(timeout: .seconds(10))
            #expect(status == 143, "stderr: \(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: marker), "the command got SIGTERM")
            #expect(try await fixture.slots().allSatisfy { $0.holder == nil })
        }
    }
}
