import Foundation
import PoolTesting
import Testing

/// `adopt` and `init worktree --copy` from the command line: results on stdout, refusals with their exit
/// code, one line, and nothing changed.
@Suite("adopt and --copy on the command line")
struct AdoptCopyCLITests {
    /// A worktree of the fixture's repository on a new branch, beside the repository.
    static func addWorktree(_ fixture: CLIFixture, _ name: String) throws -> String {
        let path = fixture.folder.appending(path: name).path(percentEncoded: false)
        try git(["worktree", "add", "--quiet", "-b", name, path], in: fixture.repository)
        return path
    }

    @Test("adopt prints the new slots' paths and the slots are idle")
    func adoptPrintsPaths() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "3"])
            let first = try Self.addWorktree(fixture, "one")
            let second = try Self.addWorktree(fixture, "two")
            let result = try await fixture.cli(["adopt", first, second])
            #expect(result.status == 0, "\(result)")
            let folder = fixture.slotFolder(of: "default")
            let printed = result.stdout.split(separator: "\n").map { canonicalPath(String($0)) }
            #expect(printed == ["slot-0001", "slot-0002"].map { canonicalPath(folder.appending(path: $0).path(percentEncoded: false)) })
            #expect(result.stderr.contains("adopted 2 worktrees"))
            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == ["slot-0001", "slot-0002"])
            #expect(slots.map(\.state) == ["idle", "idle"])
        }
    }

    @Test("adopt of several where one fails exits 1 and names what was adopted and what was not tried")
    func adoptStopsAtAFailure() async throws {
        try await withFixture { fixture in
            // A clean worktree whose ignored file `conf` stands where the pool copies the folder `conf/`.
            let repository = fixture.repository.path(percentEncoded: false)
            try Data("conf\n".utf8).write(to: URL(filePath: repository + "/.gitignore"))
            try git(["add", ".gitignore"], in: fixture.repository)
            try git(["commit", "--quiet", "-m", "ignore conf"], in: fixture.repository)
            try FileManager.default.createDirectory(atPath: repository + "/conf", withIntermediateDirectories: true)
            try Data("a=1\n".utf8).write(to: URL(filePath: repository + "/conf/local.ini"))
            try await fixture.initPool(["--max-size", "3", "--copy", "conf"])
            let first = try Self.addWorktree(fixture, "one")
            let failing = try Self.addWorktree(fixture, "two")
            try Data("a file\n".utf8).write(to: URL(filePath: failing + "/conf"))
            let last = try Self.addWorktree(fixture, "three")

            let result = try await fixture.cli(["adopt", first, failing, last])

            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("could not adopt \(failing)"), "\(result)")
            #expect(result.stderr.contains("now slots: \(first) as slot-0001"), "\(result)")
            #expect(result.stderr.contains("not tried, and left where they were: \(last)"), "\(result)")
            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == ["slot-0001"])
            #expect(slots.map(\.state) == ["idle"])
        }
    }

    @Test("adopt refuses with exit 64 or 75, one line, and changes nothing")
    func adoptRefusals() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--min-idle", "1"])
            let worktree = try Self.addWorktree(fixture, "extra")
            let plain = fixture.folder.appending(path: "plain").path(percentEncoded: false)
            try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
            let calls: [([String], Int32, String)] = [
                (["adopt", worktree], 75, "has 1 of at most 1 slots"),
                (["adopt", plain], 64, "is not a git worktree"),
                (["adopt", fixture.repository.path(percentEncoded: false)], 64, "main working tree"),
                (["adopt", fixture.folder.appending(path: "nowhere").path(percentEncoded: false)], 64, "does not exist"),
                (["adopt"], 64, "path"),
            ]
            for (arguments, status, message) in calls {
                let before = try await fixture.snapshot()
                let result = try await fixture.cli(arguments)
                #expect(result.status == status, "\(arguments): \(result)")
                #expect(result.stderr.contains(message), "\(arguments): \(result)")
                #expect(result.stdout.isEmpty)
                let after = try await fixture.snapshot()
                #expect(after == before, "\(arguments)")
            }
            // A dirty worktree in a pool with room.
            try await fixture.cli(["shrink", "1"])
            try Data("dirty\n".utf8).write(to: URL(filePath: worktree + "/dirty.txt"))
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(["adopt", worktree])
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("--reset"))
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("adopt without the database, or into a pool that does not exist, exits 64 and leaves the worktree")
    func adoptWithoutPool() async throws {
        try await withFixture { fixture in
            let worktree = try Self.addWorktree(fixture, "lonely")
            let missing = try await fixture.cli(["adopt", worktree])
            #expect(missing.status == 64, "\(missing)")
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
            try await fixture.initPool()
            let unknown = try await fixture.cli(["adopt", "--pool", "nope", worktree])
            #expect(unknown.status == 64, "\(unknown)")
            #expect(unknown.stderr.contains("nope"), "\(unknown)")
            #expect(FileManager.default.fileExists(atPath: worktree + "/.git"))
            #expect(try await fixture.slots().isEmpty)
        }
    }

    @Test("init worktree --copy refuses bad patterns with exit 64 and one line, creating nothing")
    func badCopyPatterns() async throws {
        try await withFixture { fixture in
            for pattern in ["", "../up", "#x", "!"] {
                let result = try await fixture.cli([
                    "init", "worktree", "--repo", fixture.repository.path(percentEncoded: false), "--copy", pattern,
                ])
                #expect(result.status == 64, "\(pattern): \(result)")
                #expect(result.stderr.contains("copy pattern"), "\(result)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
                #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))
            }
        }
    }

    @Test("init worktree --copy stores the patterns and new slots get the ignored files")
    func copyPatternsReachSlots() async throws {
        try await withFixture { fixture in
            let repository = fixture.repository.path(percentEncoded: false)
            try Data("KEY=1\n".utf8).write(to: URL(filePath: repository + "/.env"))
            try Data(".env\nbuild/\n".utf8).write(to: URL(filePath: repository + "/.gitignore"))
            try git(["commit", "--quiet", "-am", "ignore .env"], in: fixture.repository)
            let result = try await fixture.initPool(["--copy", ".env", "--min-idle", "1", "--json"])
            let settings = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let worktree = settings?["worktree"] as? [String: Any]
            #expect(worktree?["copyPatterns"] as? [String] == [".env"], "\(result)")
            let path = try await fixture.acquire("h").path
            #expect(try String(contentsOfFile: path + "/.env", encoding: .utf8) == "KEY=1\n")
        }
    }
}

/// The path with symlinks resolved (the test folder may sit under a symlinked /tmp).
func canonicalPath(_ path: String) -> String {
    var resolved = URL(filePath: path).resolvingSymlinksInPath().path(percentEncoded: false)
    while resolved.count > 1 && resolved.hasSuffix("/") { resolved.removeLast() }
    return resolved
}
