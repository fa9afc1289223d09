import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// `adopt`: existing worktrees of the pool's repository become idle slots; anything else is refused
/// before anything changes.
@Suite("Adopting existing worktrees")
struct AdoptTests {
    /// A worktree of the fixture's repository outside the slot folder, on a new branch `name`.
    static func addWorktree(_ fixture: WorktreeFixture, _ name: String) throws -> String {
        let path = fixture.outside(name)
        try git(["worktree", "add", "--quiet", "-b", name, path], in: fixture.repository)
        return path
    }

    /// What adoption must not change when it refuses: slots, git's worktree list, and the paths given.
    static func observe(_ fixture: WorktreeFixture, _ paths: [String]) async throws -> [String] {
        let slots = try await fixture.slots().map { "\($0.name) \($0.state) \($0.path)" }
        let files = try paths.map { path in
            exists(path) ? "\(path): \(try FileManager.default.contentsOfDirectory(atPath: path).sorted())" : "\(path): -"
        }
        return slots + (try fixture.registeredWorktrees()) + files
    }

    @Test("a clean worktree moves into the slot folder under the next name, detached at the base, its branch kept")
    func adoptsCleanWorktree() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            _ = try await pool.pool.expand(by: 1)
            let path = try Self.addWorktree(fixture, "feature")
            try writeFile("work\n", to: path + "/work.txt")
            try git(["add", "work.txt"], at: path)
            try git(["commit", "--quiet", "-m", "work"], at: path)
            let featureCommit = try head(at: path)

            let adopted = try await pool.adopt([path], reset: false)

            #expect(adopted.map(\.name) == ["slot-0002"])
            #expect(adopted.map(\.state) == [.idle])
            let slotPath = fixture.slotFolder + "/slot-0002"
            #expect(canonical(adopted[0].path) == canonical(slotPath))
            #expect(!exists(path))
            #expect(try head(at: slotPath) == (try await fixture.config().baseCommit))
            #expect(try git(["rev-parse", "--abbrev-ref", "HEAD"], at: slotPath).trimmed == "HEAD")
            #expect(try status(at: slotPath).isEmpty)
            #expect(try git(["rev-parse", "feature"], in: fixture.repository).trimmed == featureCommit)
            #expect(try fixture.registeredWorktrees().contains(canonical(slotPath)))
            // An ordinary slot from now on: handed out, reset, reported healthy.
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            #expect(lease.slotName == "slot-0002")
            #expect(await pool.pool.backend.checkHealth(adopted[0]).isEmpty)
        }
    }

    @Test("a worktree with changes is refused unless --reset, which discards them")
    func dirtyNeedsReset() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            let path = try Self.addWorktree(fixture, "dirty")
            try writeFile("changed\n", to: path + "/src/main.txt")
            try writeFile("new\n", to: path + "/untracked.txt")
            let before = try await Self.observe(fixture, [path])

            await #expect {
                _ = try await pool.adopt([path], reset: false)
            } throws: { error in
                "\(error)".contains("uncommitted changes") && "\(error)".contains("--reset")
            }
            #expect(try await Self.observe(fixture, [path]) == before)
            #expect(contents(of: path + "/src/main.txt") == "changed\n")

            let adopted = try await pool.adopt([path], reset: true)
            #expect(adopted.map(\.name) == ["slot-0001"])
            #expect(try status(at: adopted[0].path).isEmpty)
            #expect(contents(of: adopted[0].path + "/src/main.txt") == "hello\n")
        }
    }

    @Test("what is not a worktree of this repository, outside every pool, is refused and nothing changes")
    func refusals() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool()
            _ = try await pool.pool.expand(by: 1)
            let good = try Self.addWorktree(fixture, "good")
            let plain = fixture.outside("plain")
            try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
            let other = try makeGitRepository(in: fixture.folder, name: "other")
            let otherWorktree = fixture.outside("other-wt")
            try git(["worktree", "add", "--quiet", "--detach", otherWorktree], in: other)
            let locked = try Self.addWorktree(fixture, "locked")
            try git(["worktree", "lock", locked], in: fixture.repository)
            let slot = try #require(try await fixture.slots().first).path
            let cases: [(String, String)] = [
                (fixture.outside("missing"), "does not exist"),
                (plain, "is not a git worktree"),
                (fixture.repositoryPath, "main working tree"),
                (good + "/src", "inside a worktree"),
                (otherWorktree, "another repository"),
                (other.path(percentEncoded: false), "another repository"),
                (slot, "already in pool 'wt'"),
                (locked, "is locked"),
                (good, "named twice"),
            ]
            let watched = [good, plain, otherWorktree, locked, slot]
            let before = try await Self.observe(fixture, watched)
            for (path, reason) in cases {
                // The good worktree first: one refusal refuses the whole call.
                await #expect {
                    _ = try await pool.adopt([good, path], reset: true)
                } throws: { error in
                    guard case AdoptionError.refused = error else { return false }
                    return "\(error)".contains(reason) && !"\(error)".contains("\n")
                }
                #expect(try await Self.observe(fixture, watched) == before, "\(path)")
            }
            // The sequence was not used: the next slot is slot-0002.
            #expect(try await pool.adopt([good], reset: false).map(\.name) == ["slot-0002"])
        }
    }

    @Test("adopting beyond the pool's maximum size is refused and nothing changes")
    func respectsMaximumSize() async throws {
        try await withWorktreeFixture { fixture in
            let pool = try await fixture.makePool(maxSize: 2)
            _ = try await pool.pool.expand(by: 1)
            let first = try Self.addWorktree(fixture, "one")
            let second = try Self.addWorktree(fixture, "two")
            let before = try await Self.observe(fixture, [first, second])
            await #expect {
                _ = try await pool.adopt([first, second], reset: false)
            } throws: { error in
                guard case AdoptionError.full(_, 1, 2, 2) = error else { return false }
                return true
            }
            #expect(try await Self.observe(fixture, [first, second]) == before)
            #expect(try await pool.adopt([first], reset: false).map(\.name) == ["slot-0002"])
        }
    }

    @Test("an adopted worktree keeps its own copies of the pool's ignored files and gets the missing ones")
    func adoptionKeepsExistingIgnoredFiles() async throws {
        try await withWorktreeFixture(files: [".gitignore": ".env\nbuild/\n", "src/main.txt": "hello\n"]) { fixture in
            try writeFile("SOURCE=1\n", to: fixture.repositoryPath + "/.env")
            try writeFile("cache\n", to: fixture.repositoryPath + "/build/cache.bin")
            let pool = try await fixture.makePool(copyPatterns: [".env", "build/"])
            let path = try Self.addWorktree(fixture, "own")
            try writeFile("MINE=1\n", to: path + "/.env")
            let adopted = try await pool.adopt([path], reset: false)
            #expect(contents(of: adopted[0].path + "/.env") == "MINE=1\n")
            #expect(contents(of: adopted[0].path + "/build/cache.bin") == "cache\n")
        }
    }

    @Test("when one of several fails while moved in, those before it stay slots, it and those after it stay where they were, and the error names each")
    func failureStopsTheRest() async throws {
        // `conf` is ignored whether file or folder: the pool copies the folder, and a worktree holding a
        // file of that name is clean but cannot take the copy.
        try await withWorktreeFixture(files: [".gitignore": "conf\n", "src/main.txt": "hello\n"]) { fixture in
            try writeFile("a=1\n", to: fixture.repositoryPath + "/conf/local.ini")
            let pool = try await fixture.makePool(copyPatterns: ["conf"])
            let first = try Self.addWorktree(fixture, "one")
            let failing = try Self.addWorktree(fixture, "two")
            try writeFile("a file, not a folder\n", to: failing + "/conf")
            let last = try Self.addWorktree(fixture, "three")

            await #expect {
                _ = try await pool.adopt([first, failing, last], reset: false)
            } throws: { error in
                guard case AdoptionError.stopped(let adopted, let failure, let untried) = error else { return false }
                return adopted.map(\.from) == [first] && adopted.map(\.slot) == ["slot-0001"]
                    && failure.contains("could not adopt \(failing)") && failure.contains("is not a folder")
                    && untried == [last] && "\(error)".contains("not tried, and left where they were: \(last)")
            }
            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == ["slot-0001"])
            #expect(slots.map(\.state) == [.idle])
            #expect(!exists(first))
            #expect(contents(of: failing + "/conf") == "a file, not a folder\n")
            #expect(exists(last + "/src/main.txt"))
            let registered = try fixture.registeredWorktrees()
            #expect(registered.contains(canonical(failing)) && registered.contains(canonical(last)))

            // Fixed, the rest is adopted.
            try FileManager.default.removeItem(atPath: failing + "/conf")
            let rest = try await pool.adopt([failing, last], reset: false)
            #expect(rest.map(\.state) == [.idle, .idle])
            #expect(try await fixture.slots().count == 3)
        }
    }
}
