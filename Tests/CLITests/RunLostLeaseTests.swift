import Foundation
import PoolTesting
import Testing

/// `run --ttl`: the lease is renewed while the command runs, and a lease lost all the same stops it.
/// The TTLs are a few seconds, so that a loaded machine stalling `run` for a moment does not let its lease
/// lapse; a lost lease is noticed at the next renewal, within a third of the TTL.
@Suite("run --ttl")
struct RunLostLeaseTests {
    /// Waits until the command wrote `ready` (it writes a temporary file and renames it), and returns its
    /// words: the lease token, then pids.
    func waitForReady(_ path: String, of run: ChildProcess) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(120)
        while !FileManager.default.fileExists(atPath: path) {
            try #require(run.isRunning, "run ended early: \(run.stderr)")
            try #require(ContinuousClock.now < deadline, "the command never became ready: \(run.stderr)")
            try await Task.sleep(for: .milliseconds(20))
        }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// True once `pid` is no process, or a zombie nobody reaped (this container's init may not reap).
    func isGone(_ pid: String) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ")
        else { return true }
        return stat[afterName.upperBound...].hasPrefix("Z")
    }

    @Test("a lease released by force stops the command and its process group, and run exits 75 saying why")
    func forcedReleaseStopsTheCommand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let ready = fixture.folder.appending(path: "ready").path(percentEncoded: false)
            // setsid makes the shell lead a process group of its own, with a sleep in it.
            let script = "sleep 100000 & echo $SHESHA_POOL_TOKEN $$ $! > \(ready).tmp; mv \(ready).tmp \(ready); wait"
            let run = try fixture.start(["run", "--holder", "ci", "--ttl", "6s", "--", "setsid", "sh", "-c", script])
            let words = try await waitForReady(ready, of: run)
            try #require(words.count == 3, "\(words)")

            let released = try await fixture.cli(["release", "--token", words[0], "--force"])
            #expect(released.status == 0, "\(released)")

            #expect(try await run.waitForExit() == 75, "\(run.stderr)")
            #expect(
                run.stderr.contains("the lease \(words[0]) on slot-0001 was lost while the command ran"), "\(run.stderr)"
            )
            #expect(run.stderr.contains("run it again on a new lease"))
            #expect(isGone(words[1]), "the command")
            #expect(isGone(words[2]), "the rest of its process group")
        }
    }

    @Test("a command that ignores SIGTERM is killed after the grace period")
    func ignoredTermIsKilled() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let ready = fixture.folder.appending(path: "ready").path(percentEncoded: false)
            let program = """
                import os, signal, sys, time
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                with open(sys.argv[1] + '.tmp', 'w') as f:
                    f.write(os.environ['SHESHA_POOL_TOKEN'] + ' ' + str(os.getpid()))
                os.rename(sys.argv[1] + '.tmp', sys.argv[1])
                while True: time.sleep(1000)
                """
            let run = try fixture.start(["run", "--holder", "ci", "--ttl", "6s", "--", "python3", "-c", program, ready])
            let words = try await waitForReady(ready, of: run)
            try #require(words.count == 2, "\(words)")

            let released = try await fixture.cli(["release", "--token", words[0], "--force"])
            #expect(released.status == 0, "\(released)")

            #expect(try await run.waitForExit() == 75, "\(run.stderr)")
            #expect(run.stderr.contains("was lost while the command ran"), "\(run.stderr)")
            #expect(isGone(words[1]))
        }
    }

    @Test("a command that outlives its TTL keeps its lease, its exit code passes through, and the slot is released")
    func renewedWhileRunning() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            // The command runs past the TTL twice over; renewal comes every third of it, so only a process
            // stalled for 10 s or more would let the lease lapse.
            let result = try await fixture.cli(
                ["run", "--holder", "ci", "--ttl", "15s", "--", "sh", "-c", "sleep 31; exit 4"]
            )
            #expect(result.status == 4, "\(result)")
            #expect(!result.stderr.contains("lost"), "\(result)")
            // Released: the background reset makes it idle.
            let slots = try await fixture.slotsAfterResets()
            #expect(slots.map(\.state) == ["idle"], "\(slots)")
            #expect(slots.allSatisfy { $0.holder == nil })
        }
    }
}
