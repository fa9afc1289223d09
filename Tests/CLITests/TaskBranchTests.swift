import Foundation
import PoolCore
import PoolTesting
import Testing

/// `acquire --branch` and `run --branch`: a task branch per lease, kept with its commits after release.
@Suite("task branches")
struct TaskBranchTests {
    @Test("acquire --branch makes the branch at the base and shows it; release keeps its commits, detaches the slot")
    func branchLifeCycle() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let base = try fixture.head(of: fixture.repository)
            let lease = try await fixture.acquire("agent-7", ["--branch", "task/7"])
            #expect(lease.branch == "task/7")
            let slot = URL(filePath: lease.path)
            #expect(try currentBranch(of: slot) == "task/7")
            #expect(try fixture.head(of: slot) == base, "a new branch starts at the pool's base commit")
            let shown = try #require(try await fixture.slots().first { $0.name == lease.slot })
            #expect(shown.branch == "task/7" && shown.index == 0, "\(shown)")
            let table = try await fixture.cli(["status"])
            let rows = table.stdout.split(separator: "\n")
            #expect(rows.contains { $0.hasPrefix(lease.slot) && $0.contains(" task/7 ") }, "\(table)")

            try Data("work\n".utf8).write(to: slot.appending(path: "work.txt"))
            try git(["add", "work.txt"], in: slot)
            try git(["commit", "--quiet", "--message", "work on task 7"], in: slot)
            let work = try fixture.head(of: slot)

            let released = try await fixture.cli(["release", "--holder", "agent-7", "--owner-pid", CLIFixture.testPID])
            #expect(released.status == 0, "\(released)")
            // Release returns at once; the slot's reset, in the background, detaches it.
            try await waitForSlot(fixture, lease.slot) { $0.state == .idle }
            #expect(try currentBranch(of: slot) == nil, "release detaches the slot")
            #expect(try fixture.head(of: slot) == base)
            #expect(!FileManager.default.fileExists(atPath: slot.appending(path: "work.txt").path()))
            let kept = try git(["rev-parse", "refs/heads/task/7"], in: fixture.repository)
            #expect(kept.trimmingCharacters(in: .whitespacesAndNewlines) == work, "the branch keeps its commit")
            #expect(try await fixture.slots().allSatisfy { $0.branch == nil && $0.state == "idle" })

            // The branch goes on where it was left.
            let again = try await fixture.acquire("agent-8", ["--branch", "task/7"])
            #expect(try fixture.head(of: URL(filePath: again.path)) == work)
        }
    }

    @Test("a branch at the base with no commits is detached on release too")
    func untouchedBranchDetached() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1", "--max-size", "1"])
            let lease = try await fixture.acquire("a", ["--branch", "task/empty"])
            let released = try await fixture.cli(["release", "--holder", "a", "--owner-pid", CLIFixture.testPID])
            #expect(released.status == 0, "\(released)")
            try await waitForSlot(fixture, lease.slot) { $0.state == .idle }
            #expect(try currentBranch(of: URL(filePath: lease.path)) == nil)
            // Free for another slot or holder at once.
            let other = try await fixture.acquire("b", ["--branch", "task/empty"])
            #expect(try currentBranch(of: URL(filePath: other.path)) == "task/empty")
        }
    }

    @Test("--from makes a new branch at that ref; an existing branch is checked out as it is")
    func fromRef() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let base = try fixture.head(of: fixture.repository)
            let later = try fixture.commit("later.txt")
            let lease = try await fixture.acquire("a", ["--branch", "feature", "--from", "main"])
            #expect(try fixture.head(of: URL(filePath: lease.path)) == later)
            #expect(later != base)
            try git(["branch", "old", base], in: fixture.repository)
            let existing = try await fixture.acquire("b", ["--branch", "old", "--from", "main"])
            #expect(try fixture.head(of: URL(filePath: existing.path)) == base)
        }
    }

    @Test("the same holder and branch again returns the same lease; another branch for it is refused")
    func sameHolderAgain() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let first = try await fixture.acquire("a", ["--branch", "task/1"])
            let again = try await fixture.acquire("a", ["--branch", "task/1"])
            #expect(again.token == first.token && again.path == first.path)
            let before = try await fixture.snapshot()
            let other = try await fixture.cli(
                ["acquire", "--holder", "a", "--owner-pid", CLIFixture.testPID, "--branch", "task/2"]
            )
            expectCleanFailure(other, status: 64, mentioning: "already holds")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("run --branch runs the command on the branch with SHESHA_POOL_BRANCH and SHESHA_POOL_INDEX set")
    func runOnBranch() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli([
                "run", "--holder", "ci", "--branch", "task/run", "--",
                "sh", "-c",
                "git rev-parse --abbrev-ref HEAD; echo \"$SHESHA_POOL_BRANCH\"; echo \"$SHESHA_POOL_INDEX\"; "
                    + "echo done > done.txt && git add done.txt && git -c user.name=T -c user.email=t@example.invalid "
                    + "commit --quiet -m done",
            ])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "task/run\ntask/run\n0\n")
            let slot = try await waitForSlot(fixture, "slot-0001") { $0.state == .idle }
            #expect(try currentBranch(of: URL(filePath: slot.path)) == nil, "released and detached")
            let log = try git(["log", "--format=%s", "-1", "task/run"], in: fixture.repository)
            #expect(log == "done\n")

            let plain = try await fixture.cli(
                ["run", "--holder", "ci", "--", "sh", "-c", "echo \"[$SHESHA_POOL_BRANCH]\""]
            )
            #expect(plain.stdout == "[]\n", "\(plain)")
        }
    }

    /// Bad requests: exit 64 with one line, and nothing changed (no lease, no branch, no slot state).
    static let refusals: [(arguments: [String], fragment: String)] = [
        (["--branch", "a..b"], "not a valid branch name"),
        (["--branch=-x"], "not a valid branch name"),
        (["--branch", "HEAD"], "not a valid branch name"),
        (["--branch", "@{-1}"], "not a valid branch name"),
        (["--branch", "with space"], "not a valid branch name"),
        (["--branch", "ends.lock"], "not a valid branch name"),
        (["--branch", "trailing/"], "not a valid branch name"),
        (["--branch", "main"], "is checked out in"),
        (["--branch", "task/held"], "is checked out in"),
        (["--branch", "new", "--from", "no-such-ref"], "--from 'no-such-ref' is not a commit"),
        (["--from", "main"], "--from names where a new --branch starts"),
        (["--branch", "new", "--from", ""], "--from is empty"),
    ]

    @Test("bad branch requests exit 64 with one line and change nothing", arguments: [false, true])
    func refused(usingRun: Bool) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            _ = try await fixture.acquire("holder-1", ["--branch", "task/held"])
            let before = try await fixture.snapshot()
            let branches = try git(["branch", "--list"], in: fixture.repository)
            for (arguments, fragment) in Self.refusals {
                let command = usingRun
                    ? ["run", "--holder", "b"] + arguments + ["--", "touch", "ran"]
                    : ["acquire", "--holder", "b", "--owner-pid", CLIFixture.testPID] + arguments
                let result = try await fixture.cli(command)
                expectCleanFailure(result, status: 64, mentioning: fragment)
                #expect(try await fixture.snapshot() == before, "\(arguments) changed something")
                #expect(try git(["branch", "--list"], in: fixture.repository) == branches, "\(arguments)")
            }
        }
    }

    @Test("--branch on a container pool exits 64 and changes nothing")
    func containerPoolRefused() async throws {
        try await withFixture { fixture in
            let folder = fixture.folder.appending(path: "sandboxes").path(percentEncoded: false)
            let created = try await fixture.cli(
                ["init", "container", "--pool", "py", "--backend", "process", "--dir", folder, "--max-size", "1"]
            )
            try #require(created.status == 0, "\(created)")
            let before = try await fixture.snapshot()
            for command in [["acquire", "--owner-pid", CLIFixture.testPID], ["run"]] {
                var arguments = command + ["--pool", "py", "--holder", "a", "--branch", "task/1"]
                if command == ["run"] { arguments += ["--", "true"] }
                let result = try await fixture.cli(arguments)
                expectCleanFailure(result, status: 64, mentioning: "pool 'py'")
                #expect(try await fixture.snapshot() == before)
            }
        }
    }
}

/// The branch checked out in `folder`, or nil when its HEAD is detached.
func currentBranch(of folder: URL) throws -> String? {
    let name = try git(["rev-parse", "--abbrev-ref", "HEAD"], in: folder)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return name == "HEAD" ? nil : name
}

@Suite("task branches left by dead owners")
struct AbandonedTaskBranchTests {
    @Test("a branch left checked out by a dead owner's lease is freed: its slot is reset, and the branch taken")
    func deadOwnersBranchFreed() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let sleeper = try Sleeper()
            let doomed = try await fixture.cli(
                ["acquire", "--holder", "doomed", "--owner-pid", String(sleeper.pid), "--branch", "task/9", "--json"]
            )
            try #require(doomed.status == 0, "\(doomed)")
            let old = try JSONDecoder().decode(LeaseInfo.self, from: Data(doomed.stdout.utf8))
            sleeper.stop()

            let taken = try await fixture.acquire("heir", ["--branch", "task/9"])
            #expect(try currentBranch(of: URL(filePath: taken.path)) == "task/9")
            if taken.path != old.path {
                #expect(try currentBranch(of: URL(filePath: old.path)) == nil, "the old slot was reset")
            }
            let slots = try await fixture.slots()
            #expect(slots.filter { $0.holder != nil }.map(\.holder) == ["heir"], "\(slots)")
        }
    }

    @Test("the same holder, its owner dead, gets the branch back on a new lease")
    func sameHolderAfterDeath() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let sleeper = try Sleeper()
            let first = try await fixture.cli(
                ["acquire", "--holder", "agent", "--owner-pid", String(sleeper.pid), "--branch", "task/5"]
            )
            try #require(first.status == 0, "\(first)")
            sleeper.stop()
            let again = try await fixture.acquire("agent", ["--branch", "task/5"])
            #expect(again.ownerPid == Int32(CLIFixture.testPID))
            #expect(try currentBranch(of: URL(filePath: again.path)) == "task/5")
        }
    }
}

@Suite("task branches under contention")
struct ContendedTaskBranchTests {
    @Test("holders asking for one new branch at once: exactly one gets it, the others exit 64 holding nothing")
    func oneWinner() async throws {
        try await withFixture { fixture in
            let count = 4
            try await fixture.initPool(["--min-idle", "\(count)", "--max-size", "\(count)"])
            let racers = try (0..<count).map { number in
                try fixture.start([
                    "acquire", "--holder", "racer-\(number)", "--owner-pid", CLIFixture.testPID,
                    "--branch", "task/race",
                ])
            }
            var statuses: [Int32] = []
            for racer in racers {
                statuses.append(try await racer.waitForExit(timeout: .seconds(300)))
                if (racer.exitCode ?? -1) != 0 {
                    expectCleanFailure(
                        CLIOutput(status: (racer.exitCode ?? -1), stdout: racer.stdout, stderr: racer.stderr),
                        status: 64, mentioning: "branch 'task/race' is checked out in"
                    )
                }
            }
            #expect(statuses.filter { $0 == 0 }.count == 1, "\(statuses)")
            let slots = try await fixture.slots()
            let held = slots.filter { $0.holder != nil }
            #expect(held.count == 1 && held.first?.branch == "task/race", "\(slots)")
            let onBranch = try slots.filter { try currentBranch(of: URL(filePath: $0.path)) == "task/race" }
            #expect(onBranch.map(\.name) == held.map(\.name), "only the winner's slot has the branch")
        }
    }
}
