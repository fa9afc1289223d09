import Foundation
import PoolTesting
import Testing

/// `init container`, `exec` and the maintenance commands on real bubblewrap sandboxes, each step a separate
/// `shesha-pool` process: a sandbox started by one process is leased and driven by others.
@Suite("Container pools from the command line")
struct ContainerCLITests {
    @Test("a sandbox started by one process is leased and driven by others, and reset for the next holder")
    func driveAcrossProcesses() async throws {
        try await withSandboxFixture { fixture in
            let created = try await fixture.cli([
                "init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1", "--max-size", "2",
                "--memory", "256m", "--pids", "64", "--json",
            ])
            try #require(created.status == 0, "\(created)")
            let settings = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
            let container = try #require(settings["container"] as? [String: Any], "\(created.stdout)")
            #expect(settings["kind"] as? String == "container")
            #expect(container["backend"] as? String == "bwrap")
            let limits = try #require(container["limits"] as? [String: Any])
            #expect(limits["memoryBytes"] as? Int == 256 << 20)
            #expect(limits["pids"] as? Int == 64)
            _ = try await fixture.acquire("a")
            #expect(try await fixture.cli(["exec", "--holder", "a", "x = 40"]).stdout == "")
            let printed = try await fixture.cli(["exec", "--holder", "a", "print(x + 2)\nx * 2"])
            #expect(printed.status == 0)
            #expect(printed.stdout == "42\n80\n")

            let failed = try await fixture.cli(["exec", "--holder", "a", "1 / 0"])
            #expect(failed.status == 1)
            #expect(failed.stdout.isEmpty)
            #expect(failed.stderr.contains("ZeroDivisionError"))

            let script = fixture.folder.appending(path: "job.py").path(percentEncoded: false)
            try Data("import sys\nprint('from file', x)\nprint('warn', file=sys.stderr)\n".utf8)
                .write(to: URL(filePath: script))
            let fromFile = try await fixture.cli(["exec", "--holder", "a", "--file", script])
            #expect(fromFile.stdout == "from file 40\n")
            #expect(fromFile.stderr == "warn\n")

            let json = try await fixture.cli(["exec", "--holder", "a", "--json", "print(1)\nFINAL(x)"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["status"] as? String == "ok")
            #expect(object["stdout"] as? String == "1\n")
            #expect(object["finalAnswer"] as? String == "40")
            #expect(object["value"] is NSNull, "every key is present, null when it does not apply")
            #expect(object["discarded"] as? Bool == false)

            let released = try await fixture.cli(["release", "--holder", "a", "--owner-pid", CLIFixture.testPID])
            try #require(released.status == 0, "\(released)")
            _ = try await fixture.acquire("b")
            let fresh = try await fixture.cli(["exec", "--holder", "b", "print('x' in globals())"])
            #expect(fresh.stdout == "False\n")
            let slots = try await fixture.slots()
            #expect(slots.count == 1, "one warm sandbox served both holders")
        }
    }

    @Test("the process backend says it isolates nothing, and runs code all the same")
    func processBackend() async throws {
        try await withSandboxFixture { fixture in
            let created = try await fixture.cli(
                ["init", "container", "--backend", "process", "--dir", fixture.sandboxFolder, "--min-idle", "1"]
            )
            try #require(created.status == 0, "\(created)")
            #expect(created.stderr.contains("does not isolate anything"), "\(created.stderr)")
            _ = try await fixture.acquire("p")
            let result = try await fixture.cli(["exec", "--holder", "p", "import os\nprint(os.getcwd().endswith('/box'))"])
            #expect(result.stdout == "True\n", "\(result)")
            #expect(try await fixture.cli(["release", "--holder", "p", "--owner-pid", CLIFixture.testPID]).status == 0)
            #expect(try await fixture.cli(["shrink", "1"]).status == 0)
            #expect(runningSandboxes(under: fixture.sandboxFolder).isEmpty)
        }
    }

    @Test("a killed holder's slot is reclaimed with its sandbox still running, and reset")
    func killedHolderReclaimed() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1"]).status == 0)
            let sleeper = try Sleeper()
            let taken = try await fixture.cli(["acquire", "--holder", "doomed", "--owner-pid", String(sleeper.pid)])
            try #require(taken.status == 0, "\(taken)")
            let left = try await fixture.cli(["exec", "--holder", "doomed", "--owner-pid", String(sleeper.pid), "left = 1"])
            #expect(left.status == 0, "\(left)")
            let before = try sandboxRecord(fixture)
            sleeper.stop()

            let lease = try await fixture.acquire("next", ["--wait", "10s"])
            #expect(lease.path == taken.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let result = try await fixture.cli(["exec", "--holder", "next", "print('left' in globals())"])
            #expect(result.stdout == "False\n")
            #expect(try sandboxRecord(fixture) == before, "the same sandbox, reset, not a new one")
        }
    }

    @Test("exec past its timeout discards the sandbox and ends the lease")
    func execTimeoutDiscards() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1"]).status == 0)
            _ = try await fixture.acquire("slow")
            let result = try await fixture.cli(["exec", "--holder", "slow", "--timeout", "1s", "import time\ntime.sleep(60)"])
            expectCleanFailure(result, status: 1, mentioning: "discarded")
            #expect(try await fixture.slots().isEmpty)
            #expect(runningSandboxes(under: fixture.sandboxFolder).isEmpty)
        }
    }

    @Test("cleanup stops a sandbox the database does not know and removes stray folders")
    func cleanupRemovesOrphans() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "2"]).status == 0)
            let slots = try await fixture.slots()
            try #require(slots.count == 2)
            let folder = fixture.sandboxFolder
            // A row lost (as if a crash had happened between starting the sandbox and recording it).
            _ = try python(
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                [fixture.databasePath, "DELETE FROM slot WHERE name = '\(slots[0].name)'"]
            )
            try FileManager.default.createDirectory(atPath: folder + "/stray", withIntermediateDirectories: true)
            #expect(runningSandboxes(under: folder).count == 2)

            let report = try await fixture.cli(["cleanup"])
            #expect(report.status == 0, "\(report)")
            #expect(runningSandboxes(under: folder) == [slots[1].path])
            #expect(entries(of: folder) == [slots[1].name])
        }
    }

    @Test("doctor reports a slot whose sandbox died, and --fix removes it")
    func doctorFindsDeadSandbox() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1"]).status == 0)
            let record = try sandboxRecord(fixture)
            kill(-record.pid, SIGKILL)
            #expect(try await eventually { processHasEnded(record.pid) })

            let found = try await fixture.cli(["doctor"])
            #expect(found.status == 1, "\(found)")
            #expect(found.stdout.contains("not running"))
            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)")
            #expect(try await fixture.slots().isEmpty)
        }
    }

    @Test(
        "bad init container input is refused with a clear message and creates nothing",
        arguments: [
            (["--backend", "podman"], Int32(64), "--image"),
            (["--image", "python:3"], 64, "--image is only"),
            (["--pids", "0"], 64, "--pids"),
            (["--memory", "1k"], 64, "--memory"),
            (["--memory", "lots"], 64, "--memory"),
            (["--python", "python3"], 64, "absolute"),
            (["--python", "/nonexistent/python3"], 69, "python3"),
            (["--cpus", "0"], 64, "--cpus"),
            (["--backend", "lxc"], 64, "--backend"),
        ]
    )
    func badInitInput(options: [String], status: Int32, fragment: String) async throws {
        try await withSandboxFixture { fixture in
            let result = try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder] + options)
            expectCleanFailure(result, status: status, mentioning: fragment)
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
        }
    }

    @Test(
        "a backend whose tool is not installed is unavailable (exit 69), naming the package to install",
        arguments: [(["--backend", "bwrap"], "apt-get install bubblewrap"), (["--backend", "podman", "--image", "img"], "apt-get install podman")]
    )
    func missingTool(options: [String], advice: String) async throws {
        try await withSandboxFixture { fixture in
            // A PATH with neither bwrap nor podman on it, as on a machine without them.
            let empty = fixture.folder.appending(path: "empty-bin").path(percentEncoded: false)
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            let result = try await fixture.cli(
                ["init", "container", "--dir", fixture.sandboxFolder] + options, environment: ["PATH": empty]
            )
            expectCleanFailure(result, status: 69, mentioning: advice)
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
        }
    }

    @Test(
        "as root, a bwrap pool beside a private database folder is refused with what to pass instead",
        .enabled(if: geteuid() == 0, "only root hands bwrap sandboxes to an unprivileged user")
    )
    func rootNeedsReachableFolder() async throws {
        try await withSandboxFixture { fixture in
            let result = try await fixture.cli(["init", "container"])
            expectCleanFailure(result, status: 64, mentioning: "--dir")
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
        }
    }

    @Test("bad exec input is refused with a clear message and changes nothing")
    func badExecInput() async throws {
        try await withSandboxFixture { fixture in
            try #require(try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1"]).status == 0)
            try #require(try await fixture.cli(["init", "worktree", "--pool", "trees", "--repo", fixture.repository.path()]).status == 0)
            let before = try await fixture.snapshot()
            expectCleanFailure(try await fixture.cli(["exec", "--holder", "nobody", "1"]), status: 64, mentioning: "nobody")
            expectCleanFailure(try await fixture.cli(["exec", "--holder", "a"]), status: 64, mentioning: "code")
            expectCleanFailure(
                try await fixture.cli(["exec", "--holder", "a", "--file", "/nonexistent.py"]), status: 64, mentioning: "--file"
            )
            expectCleanFailure(
                try await fixture.cli(["exec", "--holder", "a", "--timeout", "0s", "1"]), status: 64, mentioning: "--timeout"
            )
            expectCleanFailure(
                try await fixture.cli(["exec", "--pool", "trees", "--holder", "a", "1"]), status: 64, mentioning: "not sandboxes"
            )
            // `run` would run its command on the host, outside the sandbox.
            expectCleanFailure(
                try await fixture.cli(["run", "--holder", "r", "--", "touch", "outside"]), status: 64, mentioning: "holds sandboxes"
            )
            #expect(try await fixture.snapshot() == before)
        }
    }
}
