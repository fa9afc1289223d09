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
}
