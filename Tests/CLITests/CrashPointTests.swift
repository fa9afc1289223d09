import Foundation
import PoolCore
import PoolTesting
import Testing

/// A `shesha-pool` killed with SIGKILL at each crash point (`SHESHA_POOL_CRASH_AT`, compiled into the debug
/// build the tests run), then the next ordinary process and `doctor --fix` recovering: no slot stuck half-way,
/// no folder or worktree leaked, no slot lost, nothing of a half-done transaction visible.
@Suite("crash points")
struct CrashPointTests {
    /// Who cleans up first after the crash; the other runs next, and must find nothing left to do.
    enum Recovery: String, CaseIterable, CustomTestStringConvertible {
        case acquireFirst = "the next acquire, then doctor --fix"
        case doctorFirst = "doctor --fix, then the next acquire"

        var testDescription: String { rawValue }
    }

    @Test("after reserving a creating slot: the row without a folder is removed", arguments: Recovery.allCases)
    func afterReserve(recovery: Recovery) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--on-exhausted", "fail"])
            try await fixture.crash(at: "after-reserve", ["expand", "1"])

            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["creating"], "the process died with the row reserved: \(stuck)")
            #expect(!FileManager.default.fileExists(atPath: stuck[0].path), "and before the backend made anything")

            try await recover(fixture, by: recovery)
            try await expectConsistent(fixture, slots: ["slot-0002"])
        }
    }

    @Test("at its second hit: the slot created before the crash is kept, the reserved ones are removed")
    func afterReserveAtSecondHit() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "3", "--on-exhausted", "fail"])
            try await fixture.crash(at: "after-reserve:2", ["expand", "3", "--parallel", "1"])

            let states = try await fixture.slots().map { "\($0.name) \($0.state)" }
            #expect(states == ["slot-0001 idle", "slot-0002 creating", "slot-0003 creating"])

            try await recover(fixture, by: .doctorFirst)
            try await expectConsistent(fixture, slots: ["slot-0001"])
        }
    }

    @Test("mid-create, after git worktree add and before setup: the worktree is removed", arguments: Recovery.allCases)
    func midCreate(recovery: Recovery) async throws {
        try await withFixture { fixture in
            // Setup writes an ignored file, so a slot shows whether its setup ran.
            try await fixture.initPool([
                "--max-size", "1", "--on-exhausted", "fail", "--setup", "mkdir -p build && touch build/setup-done",
            ])
            try await fixture.crash(at: "mid-create", ["expand", "1"])

            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["creating"], "\(stuck)")
            let path = stuck[0].path
            #expect(FileManager.default.fileExists(atPath: path + "/README.md"), "the worktree was checked out")
            #expect(!FileManager.default.fileExists(atPath: path + "/build/setup-done"), "setup had not run")
            #expect(try registeredWorktrees(fixture).contains(stuck[0].name), "git had registered it")

            try await recover(fixture, by: recovery)
            let slots = try await expectConsistent(fixture, slots: ["slot-0002"])
            #expect(FileManager.default.fileExists(atPath: slots[0].path + "/build/setup-done"), "the new slot is set up")
        }
    }

    @Test("mid-reset in release --wait-reset, between checkout and clean: the slot is reset again before anyone gets it",
          arguments: Recovery.allCases)
    func midReset(recovery: Recovery) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            let lease = try await fixture.acquire("first")
            try Data("edited\n".utf8).write(to: URL(filePath: lease.path + "/README.md"))
            try Data("left behind\n".utf8).write(to: URL(filePath: lease.path + "/scratch.txt"))
            try await fixture.crash(
                at: "mid-reset", ["release", "--holder", "first", "--owner-pid", CLIFixture.testPID, "--wait-reset"]
            )

            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["resetting"], "\(stuck)")
            #expect(stuck.first?.holder == nil, "the lease had ended")
            let readme = try String(contentsOfFile: lease.path + "/README.md", encoding: .utf8)
            #expect(readme == "# test repository\n", "the checkout had run")
            #expect(FileManager.default.fileExists(atPath: lease.path + "/scratch.txt"), "git clean had not")

            try await recover(fixture, by: recovery)
            let slots = try await expectConsistent(fixture, slots: ["slot-0001"])
            #expect(slots[0].holder == "next")
            #expect(!FileManager.default.fileExists(atPath: lease.path + "/scratch.txt"), "the reset finished")
        }
    }

    @Test("mid-reset in the background resetter: run exits with its command's code, and the slot is recovered",
          arguments: Recovery.allCases)
    func midBackgroundReset(recovery: Recovery) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            // run does not reset: had it, the crash point would have killed it instead of its resetter.
            let run = try await fixture.cli(
                ["run", "--holder", "first", "--", "sh", "-c", "echo edited > README.md; touch scratch.txt; exit 7"],
                environment: ["SHESHA_POOL_CRASH_AT": "mid-reset"]
            )
            #expect(run.status == 7, "\(run)")

            let stuck = try await waitForSlot(fixture, "slot-0001") { $0.state == .resetting && $0.worker?.isRunning == false }
            #expect(stuck.worker?.pid != nil, "the resetter is recorded as the slot's worker")
            #expect(stuck.workDeadline != nil, "with its work deadline")
            #expect(FileManager.default.fileExists(atPath: stuck.path + "/scratch.txt"), "git clean had not run")

            try await recover(fixture, by: recovery)
            let slots = try await expectConsistent(fixture, slots: ["slot-0001"])
            #expect(slots[0].holder == "next")
            #expect(!FileManager.default.fileExists(atPath: stuck.path + "/scratch.txt"), "the reset finished")
        }
    }

    @Test("mid-destroy, after the folder is removed and before prune: the row is removed", arguments: Recovery.allCases)
    func midDestroy(recovery: Recovery) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            try await fixture.crash(at: "mid-destroy", ["shrink", "1"])

            let stuck = try await fixture.slots()
            #expect(stuck.map(\.state) == ["destroying"], "\(stuck)")
            #expect(!FileManager.default.fileExists(atPath: stuck[0].path), "the folder was already removed")

            try await recover(fixture, by: recovery)
            try await expectConsistent(fixture, slots: ["slot-0002"])
        }
    }

    @Test("mid-transaction in acquire: no lease, no event, the slot still idle and unused", arguments: Recovery.allCases)
    func midTransaction(recovery: Recovery) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            try await fixture.crash(at: "mid-transaction", ["acquire", "--holder", "first", "--owner-pid", CLIFixture.testPID])

            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == ["idle"], "\(slots)")
            #expect(slots.first?.holder == nil)
            #expect(slots.first?.uses == 0)
            #expect(try query(fixture, "SELECT count(*) FROM lease") == "0")
            #expect(try query(fixture, "SELECT count(*) FROM event WHERE kind = 'acquire'") == "0")
            #expect(try await fixture.cli(["doctor"]).status == 0, "there is nothing to repair")

            try await recover(fixture, by: recovery)
            let after = try await expectConsistent(fixture, slots: ["slot-0001"])
            #expect(after.first?.uses == 1)
            #expect(try query(fixture, "SELECT count(*) FROM event WHERE kind = 'acquire'") == "1")
        }
    }

    @Test("mid-transaction while inserting a new slot: no row, and its name is not used up")
    func midTransactionNewSlot() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--on-exhausted", "fail"])
            try await fixture.crash(at: "mid-transaction", ["acquire", "--holder", "first", "--owner-pid", CLIFixture.testPID])

            #expect(try await fixture.slots().isEmpty)
            #expect(try query(fixture, "SELECT next_slot_number FROM pool") == "1")

            try await recover(fixture, by: .acquireFirst)
            try await expectConsistent(fixture, slots: ["slot-0001"])
        }
    }

    @Test("a value that names no crash point is ignored, with a warning on stderr",
          arguments: ["mid-rest", "mid-reset:0", "after-reserve:two", "after-reserve:"])
    func unknownPoint(value: String) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1"])
            let result = try await fixture.cli(["expand", "1"], environment: ["SHESHA_POOL_CRASH_AT": value])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.contains("shesha-pool: ignoring SHESHA_POOL_CRASH_AT='\(value)': not a crash point"),
                "\(result)"
            )
            #expect(try await fixture.slots().map(\.state) == ["idle"])
        }
    }

    @Test("a point the command does not reach often enough changes nothing")
    func pointNotReached() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "2"])
            let result = try await fixture.cli(["expand", "2"], environment: ["SHESHA_POOL_CRASH_AT": "after-reserve:3"])
            #expect(result.status == 0, "\(result)")
            #expect(!result.stderr.contains("SHESHA_POOL_CRASH_AT"), "\(result)")
            try await expectConsistent(fixture, slots: ["slot-0001", "slot-0002"])
        }
    }

    // MARK: Helpers

    /// The next acquire and `doctor --fix`, in the order given; each must succeed.
    private func recover(
        _ fixture: CLIFixture,
        by recovery: Recovery,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        switch recovery {
        case .acquireFirst:
            _ = try await fixture.acquire("next", sourceLocation: sourceLocation)
            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)", sourceLocation: sourceLocation)
        case .doctorFirst:
            let found = try await fixture.cli(["doctor"])
            let fixed = try await fixture.cli(["doctor", "--fix"])
            #expect(fixed.status == 0, "\(fixed)", sourceLocation: sourceLocation)
            #expect(fixed.stdout == found.stdout.replacingOccurrences(of: "found  ", with: "fixed  "),
                    "--fix repairs what doctor found: \(found) \(fixed)", sourceLocation: sourceLocation)
            _ = try await fixture.acquire("next", sourceLocation: sourceLocation)
        }
    }

    /// `doctor` finds nothing; `status`, the slot folder, git's worktree list and the database agree on
    /// exactly `names`; every slot is a worktree clean at the base commit. Returns the slots.
    @discardableResult
    private func expectConsistent(
        _ fixture: CLIFixture,
        slots names: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [SlotStatus] {
        let doctor = try await fixture.cli(["doctor"])
        #expect(doctor.status == 0, "\(doctor)", sourceLocation: sourceLocation)
        #expect(doctor.stdout == "pool 'default': no problems found\n", sourceLocation: sourceLocation)

        let slots = try await fixture.slots()
        #expect(slots.map(\.name) == names, "status: \(slots)", sourceLocation: sourceLocation)
        for slot in slots {
            #expect(["idle", "leased"].contains(slot.state), "\(slot)", sourceLocation: sourceLocation)
        }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder().path())) ?? []
        #expect(folders.sorted() == names, "the slot folder holds exactly the slots", sourceLocation: sourceLocation)
        #expect(try registeredWorktrees(fixture) == names, "git lists exactly the slots", sourceLocation: sourceLocation)
        let worktrees = try git(["worktree", "list", "--porcelain"], in: fixture.repository)
        #expect(!worktrees.contains("prunable"), "\(worktrees)", sourceLocation: sourceLocation)

        let base = try fixture.head(of: fixture.repository)
        for slot in slots {
            let folder = URL(filePath: slot.path)
            #expect(try fixture.head(of: folder) == base, "\(slot.name) is at the base", sourceLocation: sourceLocation)
            let status = try git(["status", "--porcelain", "--untracked-files=all"], in: folder)
            #expect(status.isEmpty, "\(slot.name) is clean: \(status)", sourceLocation: sourceLocation)
        }
        #expect(try query(fixture, "PRAGMA integrity_check") == "ok", sourceLocation: sourceLocation)
        return slots
    }

    /// Names of the worktrees git lists in the pool's slot folder, sorted.
    private func registeredWorktrees(_ fixture: CLIFixture) throws -> [String] {
        let folder = fixture.slotFolder().resolvingSymlinksInPath().path(percentEncoded: false)
        let listing = try git(["worktree", "list", "--porcelain"], in: fixture.repository)
        return listing.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("worktree ") else { return nil }
            let path = URL(filePath: String(line.dropFirst("worktree ".count))).resolvingSymlinksInPath()
            guard path.path(percentEncoded: false).hasPrefix(folder) else { return nil }
            return path.lastPathComponent
        }.sorted()
    }
}

extension CrashPointTests {
    /// Read through a read-only connection, which never checkpoints or otherwise writes the database.
    func query(_ fixture: CLIFixture, _ sql: String) throws -> String {
        try sqliteQuery(fixture.databasePath, sql, readOnly: true)
    }
}
