import Foundation
import PoolTesting
import Testing

@Suite("acquire and release")
struct AcquireReleaseTests {
    @Test("acquire prints only the slot's path on stdout, and the slot is leased to the holder")
    func printsPath() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await fixture.cli(["acquire", "--holder", "job-1", "--owner-pid", CLIFixture.testPID])
            #expect(result.status == 0, "\(result)")
            let slot = try #require(try await fixture.slots().first)
            #expect(result.stdout == slot.path + "\n", "stdout is the path and nothing else: \(result)")
            #expect(slot.state == "leased")
            #expect(slot.holder == "job-1")
            var isFolder: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: slot.path, isDirectory: &isFolder) && isFolder.boolValue)
        }
    }

    @Test("acquire --json has the slot, path, token and owner")
    func json() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let lease = try await fixture.acquire("job-1")
            let slot = try #require(try await fixture.slots().first)
            #expect(lease.slot == slot.name)
            #expect(lease.path == slot.path)
            #expect(lease.token >= 1)
            #expect(lease.token == slot.token)
            #expect(lease.holder == "job-1")
            #expect(lease.pool == "default")
            #expect(lease.ownerPid == ProcessInfo.processInfo.processIdentifier)
        }
    }

    @Test("the same holder twice gets the same lease; another holder gets another slot")
    func sameHolderSameLease() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let first = try await fixture.acquire("job-1")
            let again = try await fixture.acquire("job-1")
            #expect(again.path == first.path)
            #expect(again.token == first.token)
            let other = try await fixture.acquire("job-2")
            #expect(other.path != first.path)
            #expect(other.token > first.token, "fencing tokens only grow")
            let leased = try await fixture.slots().filter { $0.state == "leased" }
            #expect(Set(leased.compactMap(\.holder)) == ["job-1", "job-2"])
        }
    }

    @Test("acquire creates a slot when none is idle and the pool is below its maximum")
    func createsOnDemand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "2"])
            #expect(try await fixture.slots().isEmpty)
            let lease = try await fixture.acquire("job-1")
            #expect(FileManager.default.fileExists(atPath: lease.path + "/README.md"))
            #expect(try await fixture.slots().map(\.state) == ["leased"])
        }
    }

    @Test("release --holder returns the slot clean: the holder's changes are gone")
    func releaseByHolder() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let lease = try await fixture.acquire("job-1")
            try Data("scribbled\n".utf8).write(to: URL(filePath: lease.path + "/README.md"))
            try Data("new\n".utf8).write(to: URL(filePath: lease.path + "/untracked.txt"))

            let result = try await fixture.cli(["release", "--holder", "job-1"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.isEmpty, "release prints its message on stderr: \(result)")
            let slot = try #require(try await fixture.slotsAfterResets().first)
            #expect(slot.state == "idle" && slot.holder == nil, "\(slot)")

            let next = try await fixture.acquire("job-2")
            #expect(next.path == lease.path)
            #expect(try String(contentsOfFile: next.path + "/README.md", encoding: .utf8) == "# test repository\n")
            #expect(!FileManager.default.fileExists(atPath: next.path + "/untracked.txt"))
        }
    }

    @Test("release --token ends the lease; the same token again is stale: exit 1 and a clear message")
    func releaseByToken() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let lease = try await fixture.acquire("job-1")
            let released = try await fixture.cli(["release", "--token", String(lease.token)])
            #expect(released.status == 0, "\(released)")
            #expect(try await fixture.slotsAfterResets().first?.state == "idle")

            let before = try await fixture.snapshot()
            let stale = try await fixture.cli(["release", "--token", String(lease.token)])
            expectCleanFailure(stale, status: 1, mentioning: "lease \(lease.token) is no longer held")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a token from an older lease cannot release the slot's current lease")
    func oldTokenCannotReleaseNewLease() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            let old = try await fixture.acquire("job-1")
            #expect(try await fixture.cli(["release", "--token", String(old.token)]).status == 0)
            let current = try await fixture.acquire("job-2")
            #expect(current.path == old.path)

            let result = try await fixture.cli(["release", "--token", String(old.token)])
            expectCleanFailure(result, status: 1, mentioning: "no longer held")
            let slot = try #require(try await fixture.slots().first)
            #expect(slot.holder == "job-2" && slot.token == current.token)
        }
    }

    @Test("release --holder of a lease owned by another live process is refused (64) unless --force")
    func releaseOthersLease() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            try await withSleeper { owner in
                let acquired = try await fixture.cli(["acquire", "--holder", "theirs", "--owner-pid", String(owner)])
                #expect(acquired.status == 0, "\(acquired)")

                let before = try await fixture.snapshot()
                // The caller (by default its parent, this test process) does not own the lease.
                let refused = try await fixture.cli(["release", "--holder", "theirs"])
                expectCleanFailure(refused, status: 64, mentioning: "--force")
                #expect(try await fixture.snapshot() == before, "a refused release changes nothing")

                let forced = try await fixture.cli(["release", "--holder", "theirs", "--force"])
                #expect(forced.status == 0, "\(forced)")
                #expect(try await fixture.slots().first?.holder == nil)
            }
        }
    }

    @Test("release --holder with --owner-pid of the owner needs no --force")
    func releaseAsOwner() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            try await withSleeper { owner in
                #expect(
                    try await fixture.cli(["acquire", "--holder", "theirs", "--owner-pid", String(owner)]).status == 0
                )
                let result = try await fixture.cli(["release", "--holder", "theirs", "--owner-pid", String(owner)])
                #expect(result.status == 0, "\(result)")
                #expect(try await fixture.slotsAfterResets().first?.state == "idle")
            }
        }
    }

    @Test("release --holder for a holder without a lease fails and changes nothing")
    func releaseWithoutLease() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(["release", "--holder", "nobody"])
            expectCleanFailure(result, status: 64, mentioning: "holds no lease")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("a lease with --ttl ends by itself, and its slot goes to the next holder")
    func ttlExpires() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1", "--on-exhausted", "fail"])
            // Within its TTL a lease holds its slot: an hour is beyond any machine's delay.
            let long = try await fixture.acquire("long", ["--ttl", "1h"])
            let refused = try await fixture.cli(["acquire", "--holder", "next", "--owner-pid", CLIFixture.testPID])
            #expect(refused.status == 75, "still leased within the TTL: \(refused)")
            let released = try await fixture.cli(["release", "--holder", "long", "--owner-pid", CLIFixture.testPID])
            try #require(released.status == 0, "\(released)")

            // Past its TTL it ends by itself: the next holder, waiting, gets the slot once it has expired.
            let short = try await fixture.acquire("short", ["--ttl", "1s"])
            let next = try await fixture.acquire("next", ["--wait", "2m"])
            #expect(next.path == short.path && short.path == long.path)
            #expect(next.token > short.token)
        }
    }
}
