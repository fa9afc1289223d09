import Foundation
import PoolTesting
import Testing

/// A lease ends when its owner dies, without a TTL; nothing the dead holder started lives on.
@Suite("killed holders")
struct KilledHolderTests {
    @Test("a run killed with SIGKILL: its command dies too, and the next acquire gets the slot back")
    func killedRun() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let pidFile = fixture.folder.appending(path: "victim.pid").path(percentEncoded: false)
            let victim = try fixture.start([
                "run", "--holder", "victim", "--", "sh", "-c", "echo $$ > \(pidFile); exec sleep 3600",
            ])
            defer {
                victim.kill(signal: SIGKILL)
            }

            let leased = try await eventually {
                let slots = try await fixture.slots()
                return slots.first?.holder == "victim" && FileManager.default.fileExists(atPath: pidFile)
            }
            try #require(leased, "the run never held the slot: \(victim.stderr)")
            let commandPID = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
            #expect(!processHasEnded(commandPID), "the command runs while run holds the slot")

            victim.kill(signal: SIGKILL)
            #expect(try await victim.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
            #expect(
                try await eventually(timeout: .seconds(5)) { processHasEnded(commandPID) },
                "the orphaned command was killed by the parent-death signal"
            )

            let next = try await fixture.cli(["acquire", "--holder", "next", "--owner-pid", CLIFixture.testPID])
            #expect(next.status == 0, "the dead run's slot is reclaimed: \(next)")
            let slot = try #require(try await fixture.slots().first)
            #expect(slot.holder == "next")
            #expect(next.stdout == slot.path + "\n")
        }
    }

    @Test("an acquire's lease ends when its --owner-pid process dies")
    func ownerDies() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let owner = try Sleeper()
            let first = try await fixture.cli(["acquire", "--holder", "first", "--owner-pid", String(owner.pid)])
            #expect(first.status == 0, "\(first)")

            let whileAlive = try await fixture.cli(["acquire", "--holder", "second", "--owner-pid", CLIFixture.testPID])
            expectCleanFailure(whileAlive, status: 75, mentioning: "exhausted")

            owner.stop()
            let afterDeath = try await fixture.cli(["acquire", "--holder", "second", "--owner-pid", CLIFixture.testPID])
            #expect(afterDeath.status == 0, "\(afterDeath)")
            #expect(afterDeath.stdout == first.stdout)
            #expect(try await fixture.slots().first?.holder == "second")
        }
    }

    @Test("a waiting acquire gets the slot as soon as the owner dies")
    func waiterGetsSlotOfDeadOwner() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            let owner = try Sleeper()
            defer { owner.stop() }
            #expect(
                try await fixture.cli(["acquire", "--holder", "first", "--owner-pid", String(owner.pid)]).status == 0
            )

            let waiter = try fixture.start([
                "acquire", "--holder", "waiter", "--owner-pid", CLIFixture.testPID, "--wait", "1m",
            ])
            defer {
                waiter.kill(signal: SIGKILL)
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(waiter.isRunning, "the waiter waits while the owner lives: \(waiter.stderr)")
            owner.stop()
            let status = try await waiter.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(waiter.stderr)")
            #expect(try await fixture.slots().first?.holder == "waiter")
        }
    }
}
