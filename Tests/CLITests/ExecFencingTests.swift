import Foundation
import PoolCore
import PoolTesting
import Testing

/// `exec` acts only for the lease's owner, and a holder whose lease ended cannot run code in the sandbox it
/// passed on: real bwrap sandboxes, each step a separate `shesha-pool` process.
@Suite("exec: ownership and fencing")
struct ExecFencingTests {
    /// How the test ends holder a's lease while its exec is paused.
    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        /// `release --holder a --force`: reset at once, with a fresh fence.
        case forcedRelease = "release --force"
        /// `release --token N`: the same, by token.
        case releaseByToken = "release --token"
        /// a's owner dies; the next acquirer reclaims the lease and resets the slot with its own token.
        case ownerDied = "owner died"

        var testDescription: String { rawValue }
    }

    @Test(
        "a stale exec racing a new holder runs nothing (exit 75), and the new holder's sandbox is untouched",
        arguments: Ending.allCases
    )
    func staleExecRace(ending: Ending) async throws {
        try await withSandboxFixture { fixture in
            let created = try await fixture.cli([
                "init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1", "--min-idle", "1",
            ])
            try #require(created.status == 0, "\(created)")
            let owner = try Sleeper()
            defer { owner.stop() }
            let first = try await fixture.acquire("a", ["--owner-pid", String(owner.pid)])
            let sandbox = try sandboxRecord(fixture)

            let pause = fixture.folder.appending(path: "pause").path(percentEncoded: false)
            try FileManager.default.createDirectory(atPath: pause, withIntermediateDirectories: true)
            let stale = try fixture.start(
                [
                    "exec", "--holder", "a", "--owner-pid", String(owner.pid),
                    "open('trace-a', 'w').write('a')\nprint('ran')",
                ],
                environment: [PausePoint.environmentVariable: "exec-before-connect", PausePoint.folderVariable: pause]
            )
            try await waitForFile(PausePoint.pausedFile(.execBeforeConnect, in: pause), writtenBy: stale)

            // a's lease ends while its exec sits between lookup and connect, and b takes the same sandbox.
            switch ending {
            case .forcedRelease:
                let released = try await fixture.cli(["release", "--holder", "a", "--force"])
                try #require(released.status == 0, "\(released)")
            case .releaseByToken:
                let released = try await fixture.cli(["release", "--token", String(first.token)])
                try #require(released.status == 0, "\(released)")
            case .ownerDied:
                owner.stop()
            }
            let second = try await fixture.acquire("b", ["--wait", "60s"])
            #expect(second.path == first.path)
            #expect(second.token > first.token)

            try #require(
                FileManager.default.createFile(
                    atPath: PausePoint.resumeFile(.execBeforeConnect, in: pause),
                    contents: nil
                )
            )
            let status = try await stale.waitForExit()
            expectCleanFailure(
                CLIOutput(status: status, stdout: stale.stdout, stderr: stale.stderr),
                status: 75,
                mentioning: "the lease has ended"
            )
            #expect(!FileManager.default.fileExists(atPath: first.path + "/box/trace-a"), "a's code must not have run")

            let used = try await fixture.cli(["exec", "--holder", "b", "import os\nprint(sorted(os.listdir('.')))"])
            #expect(used.status == 0, "\(used)")
            #expect(used.stdout == "['repl.sock']\n", "\(used)")
            #expect(try sandboxRecord(fixture) == sandbox, "the same sandbox, not discarded and made anew")
            #expect(try await fixture.slots().map(\.state) == ["leased"])
        }
    }

    @Test(
        "exec by a process that does not own the lease is refused (64) and changes nothing; --owner-pid, --force and --token work"
    )
    func ownership() async throws {
        try await withSandboxFixture { fixture in
            try #require(
                try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1"]).status
                    == 0
            )
            try await withSleeper { owner in
                let lease = try await fixture.acquire("theirs", ["--owner-pid", String(owner)])
                let before = try await fixture.snapshot()
                let refused = try await fixture.cli(["exec", "--holder", "theirs", "open('trace', 'w').write('x')"])
                expectCleanFailure(refused, status: 64, mentioning: "--force")
                #expect(try await fixture.snapshot() == before)
                #expect(!FileManager.default.fileExists(atPath: lease.path + "/box/trace"))

                let asOwner = try await fixture.cli([
                    "exec", "--holder", "theirs", "--owner-pid", String(owner), "n = 1\nn",
                ])
                #expect(asOwner.stdout == "1\n", "\(asOwner)")
                let forced = try await fixture.cli(["exec", "--holder", "theirs", "--force", "n += 1\nn"])
                #expect(forced.stdout == "2\n", "\(forced)")
                let byToken = try await fixture.cli(["exec", "--token", String(lease.token), "n += 1\nn"])
                #expect(byToken.stdout == "3\n", "\(byToken)")

                let settled = try await fixture.snapshot()
                expectCleanFailure(
                    try await fixture.cli(["exec", "--token", String(lease.token + 100), "1"]),
                    status: 1,
                    mentioning: "no longer held"
                )
                expectCleanFailure(
                    try await fixture.cli(["exec", "--holder", "theirs", "--token", String(lease.token), "1"]),
                    status: 64,
                    mentioning: "exactly one of --holder or --token"
                )
                expectCleanFailure(
                    try await fixture.cli(["exec", "--token", "0", "1"]),
                    status: 64,
                    mentioning: "--token"
                )
                #expect(try await fixture.snapshot() == settled)
            }
        }
    }
}

/// Waits until `path` exists (the child signals an event through it); fails if the child exits first. The
/// deadline only keeps a broken test from hanging.
private func waitForFile(_ path: String, writtenBy child: ChildProcess) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    while !FileManager.default.fileExists(atPath: path) {
        guard child.isRunning else {
            throw ChildProcessError.exitedEarly(output: child.stdout, error: child.stderr)
        }
        guard ContinuousClock.now < deadline else {
            throw ChildProcessError.timedOut("waiting for \(path)", child.stderr)
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
