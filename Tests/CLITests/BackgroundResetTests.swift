import Foundation
import PoolCore
import PoolTesting
import Testing

/// `release` and `run` return once the slot is dirty; a detached `shesha-pool __reset-slot` resets it.
@Suite("background resets")
struct BackgroundResetTests {
    @Test("release returns at once and a background resetter makes the slot idle and clean again")
    func releaseResetsInBackground() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            let lease = try await fixture.acquire("first")
            try Data("edited\n".utf8).write(to: URL(filePath: lease.path + "/README.md"))
            try Data("left behind\n".utf8).write(to: URL(filePath: lease.path + "/scratch.txt"))

            let release = try await fixture.cli(["release", "--holder", "first", "--owner-pid", CLIFixture.testPID])
            #expect(release.status == 0, "\(release)")
            #expect(release.stdout.isEmpty)
            #expect(release.stderr.contains("resetting in the background"), "\(release)")

            let idle = try await waitForSlot(fixture, "slot-0001") { $0.state == .idle }
            #expect(idle.worker == nil && idle.error == nil)
            #expect(try String(contentsOfFile: lease.path + "/README.md", encoding: .utf8) == "# test repository\n")
            #expect(!FileManager.default.fileExists(atPath: lease.path + "/scratch.txt"))
            let resets = try await ledgerEvents(fixture).filter { $0.kind == .reset }
            #expect(resets.count == 1, "one reset, by the background resetter: \(resets)")
        }
    }

    @Test("release --wait-reset returns with the slot idle and clean")
    func waitReset() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            let lease = try await fixture.acquire("first")
            try Data("left behind\n".utf8).write(to: URL(filePath: lease.path + "/scratch.txt"))

            let release = try await fixture.cli(
                ["release", "--holder", "first", "--owner-pid", CLIFixture.testPID, "--wait-reset"]
            )
            #expect(release.status == 0, "\(release)")
            #expect(release.stderr.contains("now idle"), "\(release)")
            #expect(try await fixture.slots().map(\.state) == ["idle"])
            #expect(!FileManager.default.fileExists(atPath: lease.path + "/scratch.txt"))
        }
    }

    @Test("run passes its command's exit code through; the slot is reset after it returned")
    func runReturnsBeforeReset() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let run = try await fixture.cli(["run", "--holder", "a", "--", "sh", "-c", "touch scratch.txt; exit 3"])
            #expect(run.status == 3, "\(run)")
            // A `fail` pool whose only slot is being reset waits for that reset instead of failing.
            let next = try await fixture.cli(["run", "--holder", "b", "--", "sh", "-c", "test ! -e scratch.txt"])
            #expect(next.status == 0, "the next holder found a clean slot: \(next)")
            let slot = try await waitForSlot(fixture, "slot-0001") { $0.state == .idle }
            #expect(slot.useCount == 2)
        }
    }

    @Test("acquirers racing the background resetters: each claim wins once, every holder gets a clean slot")
    func acquirerRacesResetter() async throws {
        try await withFixture { fixture in
            // One slot: each next holder finds it dirty (and claims it before the resetter does) or being
            // reset (and waits for that reset).
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let rounds = 6
            for round in 0..<rounds {
                // Each holder leaves a file behind, and checks that the one before it left none.
                let run = try await fixture.cli([
                    "run", "--holder", "h\(round)", "--", "sh", "-c",
                    "test -z \"$(ls | grep left-)\" && touch left-\(round)",
                ])
                #expect(run.status == 0, "round \(round): \(run)")
            }
            let slots = try await waitForSlots(fixture) { $0.allSatisfy { $0.state == .idle } }
            #expect(slots.map(\.useCount).reduce(0, +) == rounds)
            let events = try await ledgerEvents(fixture)
            // One reset per release, whoever won the claim (a background resetter or an acquirer).
            #expect(events.filter { $0.kind == .reset }.count == rounds)
            #expect(events.filter { $0.kind == .resetFailed }.isEmpty)
            #expect(try await fixture.cli(["doctor"]).status == 0)
        }
    }

    @Test("a background reset that fails leaves the slot broken, with the error in status and doctor")
    func failedBackgroundReset() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "2", "--min-idle", "1"])
            let lease = try await fixture.acquire("first")
            // Without its .git link the folder is no worktree: every git command in it fails.
            try FileManager.default.removeItem(atPath: lease.path + "/.git")
            let release = try await fixture.cli(["release", "--holder", "first", "--owner-pid", CLIFixture.testPID])
            #expect(release.status == 0, "\(release)")

            let broken = try await waitForSlot(fixture, lease.slot) { $0.state == .broken }
            let error = try #require(broken.error)
            let status = try await fixture.slots()
            #expect(status.first { $0.name == lease.slot }?.error == error)
            let doctor = try await fixture.cli(["doctor"])
            #expect(doctor.stdout.contains("broken-slot"), "\(doctor)")
            #expect(doctor.stdout.contains(lease.slot), "\(doctor)")
            #expect(try await ledgerEvents(fixture).contains { $0.kind == .resetFailed })
        }
    }
}

/// The pool's events, read through the library.
func ledgerEvents(_ fixture: CLIFixture, pool: String = "default") async throws -> [PoolEvent] {
    try await SQLiteLedger(path: fixture.databasePath).events(pool: pool, since: nil)
}

/// Waits until the slot `name` satisfies `condition`, woken by the ledger's commits (a finished reset
/// announces itself) and looking again every second for what announces nothing (a resetter's death). The
/// deadline only keeps a broken build from hanging the test.
@discardableResult
func waitForSlot(
    _ fixture: CLIFixture,
    _ name: String,
    pool: String = "default",
    sourceLocation: SourceLocation = #_sourceLocation,
    until condition: (Slot) -> Bool
) async throws -> Slot {
    let slots = try await waitForSlots(fixture, pool: pool, sourceLocation: sourceLocation) { slots in
        slots.first { $0.name == name }.map(condition) ?? false
    }
    return try #require(slots.first { $0.name == name }, sourceLocation: sourceLocation)
}

/// Waits until the pool's slots satisfy `condition` (see `waitForSlot`).
@discardableResult
func waitForSlots(
    _ fixture: CLIFixture,
    pool: String = "default",
    sourceLocation: SourceLocation = #_sourceLocation,
    until condition: ([Slot]) -> Bool
) async throws -> [Slot] {
    let ledger = try SQLiteLedger(path: fixture.databasePath)
    let deadline = ContinuousClock.now + .seconds(120)
    while true {
        let mark = ledger.changeMark()
        let slots = try await ledger.slots(pool: pool)
        if condition(slots) { return slots }
        try #require(ContinuousClock.now < deadline, "the slots never got there: \(slots)", sourceLocation: sourceLocation)
        if let mark {
            _ = try await ledger.waitForChange(after: mark, timeout: .seconds(1))
        } else {
            try await Task.sleep(for: .seconds(1))
        }
    }
}

extension CLIFixture {
    /// `status --json` once every background reset has ended: no slot dirty or being reset.
    func slotsAfterResets(pool: String? = nil) async throws -> [SlotStatus] {
        try await waitForSlots(self, pool: pool ?? "default") { slots in
            slots.allSatisfy { $0.state != .dirty && $0.state != .resetting }
        }
        return try await self.slots(pool: pool)
    }
}
