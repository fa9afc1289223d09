import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// Ignored files of the main working tree (`--copy` patterns and `.worktreeinclude`) copied into slots.
@Suite("Copying ignored files into slots")
struct CopyInTests {
    /// A repository that ignores `.env`, `build/`, `cache/` and `secret.txt`, tracks a `.worktreeinclude`
    /// naming `cache/`, and has in its main working tree: the ignored files, with modes and a symlink, and
    /// an untracked file that is not ignored.
    static let files = [
        ".gitignore": ".env\nbuild/\ncache/\nsecret.txt\n",
        ".worktreeinclude": "# warm caches\ncache/\n",
        "src/main.txt": "hello\n",
    ]

    static func makeSourceFiles(in repository: String) throws {
        try writeFile("TOKEN=1\n", to: repository + "/.env")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: repository + "/.env")
        try writeFile("#!/bin/sh\necho built\n", to: repository + "/build/out/tool")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: repository + "/build/out/tool")
        try FileManager.default.createSymbolicLink(atPath: repository + "/build/latest", withDestinationPath: "out/tool")
        try FileManager.default.createDirectory(atPath: repository + "/cache", withIntermediateDirectories: true)
        // Larger than one read buffer (1 MiB), so a plain copy takes several rounds.
        try Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            .write(to: URL(filePath: repository + "/cache/blob.bin"))
        try writeFile("not for slots\n", to: repository + "/secret.txt")
        try writeFile("mine\n", to: repository + "/notes.txt")
    }

    static func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("a new slot gets the ignored files the patterns and .worktreeinclude pick, with modes, symlinks and times")
    func newSlotGetsPickedIgnoredFiles() async throws {
        try await withWorktreeFixture(files: Self.files) { fixture in
            let repository = fixture.repositoryPath
            try Self.makeSourceFiles(in: repository)
            let pool = try await fixture.makePool(copyPatterns: [".env", "build/", "notes.txt"])
            let report = try await pool.pool.expand(by: 1)
            #expect(report.failures.isEmpty, "\(report.failures.map(\.message))")
            let slot = try #require(try await fixture.slots().first).path

            #expect(contents(of: slot + "/.env") == "TOKEN=1\n")
            #expect(try Self.mode(slot + "/.env") == 0o600)
            #expect(contents(of: slot + "/build/out/tool") == "#!/bin/sh\necho built\n")
            #expect(try Self.mode(slot + "/build/out/tool") == 0o755)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: slot + "/build/latest") == "out/tool")
            #expect(FileManager.default.contents(atPath: slot + "/cache/blob.bin")
                == FileManager.default.contents(atPath: repository + "/cache/blob.bin"))
            #expect(try modificationDate(slot + "/cache/blob.bin") == modificationDate(repository + "/cache/blob.bin"))
            // Ignored but picked by no pattern; picked but not ignored (a pattern never widens what git ignores).
            #expect(!exists(slot + "/secret.txt"))
            #expect(!exists(slot + "/notes.txt"))
            // Everything copied is ignored: the slot is as clean as a fresh checkout.
            #expect(try status(at: slot).isEmpty)
        }
    }

    @Test("a reset keeps copies the holder changed, copies back missing ones, and refresh brings source changes")
    func resetAndRefreshFollowTheSource() async throws {
        try await withWorktreeFixture(files: Self.files) { fixture in
            let repository = fixture.repositoryPath
            try Self.makeSourceFiles(in: repository)
            let pool = try await fixture.makePool(copyPatterns: [".env", "build/"])
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            // The holder's build grows the cache and it deletes .env.
            try writeFile("#!/bin/sh\necho rebuilt by the holder\n", to: lease.path + "/build/out/tool")
            try FileManager.default.removeItem(atPath: lease.path + "/.env")
            try await pool.pool.release(lease)

            #expect(contents(of: lease.path + "/build/out/tool") == "#!/bin/sh\necho rebuilt by the holder\n")
            #expect(contents(of: lease.path + "/.env") == "TOKEN=1\n")

            // The source changes: refresh (same base commit) copies the new version over the holder's.
            try writeFile("#!/bin/sh\necho new at the source\n", to: repository + "/build/out/tool")
            try writeFile("TOKEN=2\n", to: repository + "/.env")
            let refreshed = try await pool.refresh(fetch: false)
            #expect(refreshed.failures.isEmpty)
            #expect(contents(of: lease.path + "/build/out/tool") == "#!/bin/sh\necho new at the source\n")
            #expect(contents(of: lease.path + "/.env") == "TOKEN=2\n")
            #expect(try Self.mode(lease.path + "/build/out/tool") == 0o755)
        }
    }

    @Test("with --clean-ignored a reset removes the holder's ignored files and copies the pool's back as they are at the source")
    func cleanIgnoredCopiesAgain() async throws {
        try await withWorktreeFixture(files: Self.files) { fixture in
            let repository = fixture.repositoryPath
            try Self.makeSourceFiles(in: repository)
            let pool = try await fixture.makePool(cleanIgnored: true, copyPatterns: ["build/"])
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            try writeFile("junk\n", to: lease.path + "/build/junk.o")
            try writeFile("changed\n", to: lease.path + "/build/out/tool")
            try await pool.pool.release(lease)

            #expect(!exists(lease.path + "/build/junk.o"))
            #expect(contents(of: lease.path + "/build/out/tool") == "#!/bin/sh\necho built\n")
            #expect(FileManager.default.contents(atPath: lease.path + "/cache/blob.bin")?.count == 3 << 20)
        }
    }

    @Test("a pool without patterns or .worktreeinclude copies nothing")
    func nothingWithoutPatterns() async throws {
        try await withWorktreeFixture { fixture in
            try writeFile("x\n", to: fixture.repositoryPath + "/build/out.o")
            let pool = try await fixture.makePool()
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            #expect(!exists(lease.path + "/build"))
        }
    }

    @Test(
        "bad copy patterns are refused before anything is made",
        arguments: ["", "   ", "!", "#comment", "../outside", "build/../../x", "a\nb"]
    )
    func badPatternsAreRefused(pattern: String) async throws {
        try await withWorktreeFixture { fixture in
            await #expect {
                _ = try await fixture.makePool(copyPatterns: [".env", pattern])
            } throws: { error in
                guard case PoolError.invalidArgument(let message) = error else { return false }
                return message.contains("copy pattern") && !message.contains("\n")
            }
            let pools = try await fixture.ledger.poolNames()
            #expect(pools.isEmpty)
            #expect(!exists(fixture.slotFolder))
        }
    }

    @Test("a holder's symlink where a copied folder goes is cleaned away by the reset, never written through")
    func symlinkInTheWayIsNotFollowed() async throws {
        try await withWorktreeFixture(files: Self.files) { fixture in
            try Self.makeSourceFiles(in: fixture.repositoryPath)
            let pool = try await fixture.makePool(copyPatterns: ["build/"])
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            let outside = fixture.outside("elsewhere")
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try FileManager.default.removeItem(atPath: lease.path + "/build")
            try FileManager.default.createSymbolicLink(atPath: lease.path + "/build", withDestinationPath: outside)
            try await pool.pool.release(lease)

            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
            let slot = try #require(try await fixture.slot(named: lease.slotName))
            #expect(slot.state == .idle, "\(slot.error ?? "")")
            #expect(contents(of: lease.path + "/build/out/tool") == "#!/bin/sh\necho built\n")
        }
    }

    @Test("a copy that cannot be made breaks the slot with an error naming the path")
    func failureNamesThePath() async throws {
        // `conf` is ignored whether file or folder, so a holder's file of that name survives the reset.
        let files = [".gitignore": "conf\n", "src/main.txt": "hello\n"]
        try await withWorktreeFixture(files: files) { fixture in
            try writeFile("a=1\n", to: fixture.repositoryPath + "/conf/local.ini")
            let pool = try await fixture.makePool(copyPatterns: ["conf"])
            let lease = try await pool.pool.acquire(holder: "h", wait: .zero)
            try FileManager.default.removeItem(atPath: lease.path + "/conf")
            try writeFile("a file, not a folder\n", to: lease.path + "/conf")
            try await pool.pool.release(lease)

            let slot = try #require(try await fixture.slot(named: lease.slotName))
            #expect(slot.state == .broken)
            #expect(slot.error?.contains(lease.path + "/conf is not a folder") == true, "\(slot.error ?? "")")
            #expect(contents(of: lease.path + "/conf") == "a file, not a folder\n")
        }
    }

    @Test("the copy patterns are kept in the pool's settings and add their work to the slot deadlines")
    func patternsAreStored() async throws {
        try await withWorktreeFixture { fixture in
            _ = try await fixture.makePool(copyPatterns: [".env", "build/"])
            let config = try await fixture.config()
            #expect(config.copyPatterns == [".env", "build/"])
            let plain = WorktreeConfig(repository: "/r", baseRef: "main", baseCommit: "abc")
            var copying = plain
            copying.copyPatterns = [".env"]
            let git = plain.gitTimeout + CommandRunner.terminationGrace
            #expect(copying.workTimeouts.create == plain.workTimeouts.create + git * 4)
            #expect(copying.workTimeouts.reset == plain.workTimeouts.reset + git * 4)
            // Settings stored before copy patterns existed read as none.
            let old = #"{"baseCommit":"abc","baseRef":"main","cleanIgnored":false,"lockfiles":[],"repository":"/r","setup":[]}"#
            #expect(try WorktreeConfig(json: old).copyPatterns == [])
        }
    }

    @Test(
        "on xfs with reflink=1 every copy is a reflink of its source",
        .enabled(if: ReflinkImage.isPossible, "needs root, mkfs.xfs and loop devices")
    )
    func reflinksWhereTheFileSystemHasThem() async throws {
        try await withTemporaryFolder { folder in
            let image = try ReflinkImage(in: folder.path(percentEncoded: false))
            defer { image.unmount() }
            let repository = try makeGitRepository(
                in: URL(filePath: image.mountPoint), files: [".gitignore": "cache/\n", "src/main.txt": "hello\n"]
            ).path(percentEncoded: false)
            for name in ["a.bin", "b.bin"] {
                try FileManager.default.createDirectory(atPath: repository + "/cache", withIntermediateDirectories: true)
                try Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ name.count) })
                    .write(to: URL(filePath: repository + "/cache/" + name))
            }
            let slot = image.mountPoint + "/slot"
            try git(["worktree", "add", "--quiet", "--detach", slot], in: URL(filePath: repository))

            let report = try await IgnoredFileCopy(repository: repository, patterns: ["cache/"]).bringUpToDate(slot: slot)

            #expect(report.copied == [.reflink: 2])
            #expect(report.bytes == 2 << 20)
            for name in ["a.bin", "b.bin"] {
                #expect(FileManager.default.contents(atPath: slot + "/cache/" + name)
                    == FileManager.default.contents(atPath: repository + "/cache/" + name))
            }
        }
    }
}

/// An xfs image made with reflinks and loop-mounted for one test.
struct ReflinkImage {
    static let mkfs = "/usr/sbin/mkfs.xfs"

    static var isPossible: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: mkfs)
            && FileManager.default.fileExists(atPath: "/dev/loop-control")
    }

    let mountPoint: String

    init(in folder: String) throws {
        let image = folder + "/xfs.img"
        mountPoint = folder + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: image, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(filePath: image))
        try handle.truncate(atOffset: 512 << 20)
        try handle.close()
        try Self.run(Self.mkfs, ["-q", "-m", "reflink=1", image])
        try Self.run("/usr/bin/mount", ["-o", "loop", image, mountPoint])
    }

    /// Lazily, so a descriptor a failed test left open cannot keep the image mounted.
    func unmount() {
        try? Self.run("/usr/bin/umount", ["-l", mountPoint])
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        guard try runToCompletion(executable, arguments).status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments) failed"])
        }
    }
}
