import Foundation
import PoolTesting
import Testing

@Suite("init worktree")
struct InitTests {
    @Test("init creates the database and --min-idle idle slots checked out at the base commit")
    func createsSlots() async throws {
        try await withFixture { fixture in
            let result = try await fixture.initPool(["--min-idle", "2"])
            #expect(result.stdout.isEmpty, "without --json, init prints nothing on stdout: \(result)")
            #expect(result.stderr.contains("created worktree pool 'default'"))

            let slots = try await fixture.slots()
            #expect(slots.map(\.name) == ["slot-0001", "slot-0002"])
            #expect(slots.allSatisfy { $0.state == "idle" && $0.holder == nil })
            let base = try fixture.head(of: fixture.repository)
            for slot in slots {
                #expect(slot.path.hasPrefix(fixture.slotFolder().path(percentEncoded: false)))
                #expect(try fixture.head(of: URL(filePath: slot.path)) == base)
                #expect(FileManager.default.fileExists(atPath: slot.path + "/README.md"))
            }
            let worktrees = try git(["worktree", "list"], in: fixture.repository)
            #expect(slots.allSatisfy { worktrees.contains($0.path) })
        }
    }

    @Test("the database and its folder are created owner-only")
    func ownerOnlyPermissions() async throws {
        try await withFixture { fixture in
            try await fixture.initPool()
            let file = try FileManager.default.attributesOfItem(atPath: fixture.databasePath)
            let folder = try FileManager.default.attributesOfItem(
                atPath: fixture.folder.appending(path: "state").path(percentEncoded: false)
            )
            #expect((file[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
            #expect((folder[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
        }
    }

    @Test("init --json prints the pool's settings and nothing else on stdout")
    func json() async throws {
        try await withFixture { fixture in
            let result = try await fixture.initPool(["--max-size", "3", "--on-exhausted", "fail", "--json"])
            struct Settings: Decodable {
                struct Worktree: Decodable {
                    var repository: String
                    var baseRef: String
                    var baseCommit: String
                }
                var name: String
                var kind: String
                var slotFolder: String
                var maxSize: Int
                var minIdle: Int
                var onExhausted: String
                var worktree: Worktree
            }
            let settings = try JSONDecoder().decode(Settings.self, from: Data(result.stdout.utf8))
            #expect(settings.name == "default")
            #expect(settings.kind == "worktree")
            #expect(settings.maxSize == 3)
            #expect(settings.minIdle == 0)
            #expect(settings.onExhausted == "fail")
            #expect(settings.slotFolder == fixture.slotFolder().path(percentEncoded: false).trimmingSuffix("/"))
            #expect(settings.worktree.repository == fixture.repository.path(percentEncoded: false).trimmingSuffix("/"))
            #expect(settings.worktree.baseRef == "HEAD")
            #expect(settings.worktree.baseCommit == (try fixture.head(of: fixture.repository)))
        }
    }

    @Test("--setup commands run in every new slot, also in slots made later by expand")
    func setupRuns() async throws {
        try await withFixture { fixture in
            try await fixture.initPool([
                "--min-idle", "2", "--setup", "touch setup-ran", "--setup", "echo \"$PWD\" > setup-folder",
            ])
            #expect(try await fixture.cli(["expand", "1"]).status == 0)
            let slots = try await fixture.slots()
            #expect(slots.count == 3)
            for slot in slots {
                #expect(FileManager.default.fileExists(atPath: slot.path + "/setup-ran"), "\(slot.name)")
                let folder = try String(contentsOfFile: slot.path + "/setup-folder", encoding: .utf8)
                #expect(
                    folder.trimmingCharacters(in: .whitespacesAndNewlines) == slot.path,
                    "setup runs inside the slot"
                )
            }
        }
    }

    @Test("a failing --setup leaves no usable slot and says which one failed")
    func failingSetup() async throws {
        try await withFixture { fixture in
            let result = try await fixture.cli([
                "init", "worktree", "--repo", fixture.repository.path(), "--min-idle", "1", "--setup", "exit 3",
            ])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("slot-0001"), "\(result)")
            let slots = try await fixture.slots()
            #expect(!slots.contains { $0.state == "idle" }, "a slot whose setup failed is not handed out: \(slots)")
        }
    }

    @Test("--base checks out the given ref, --dir puts the slots there")
    func baseAndDir() async throws {
        try await withFixture { fixture in
            let first = try fixture.head(of: fixture.repository)
            try git(["tag", "v1"], in: fixture.repository)
            let second = try fixture.commit("later.txt")
            let dir = fixture.folder.appending(path: "elsewhere/slots")
            try await fixture.initPool(["--base", "v1", "--dir", dir.path(), "--min-idle", "1"])
            let slot = try #require(try await fixture.slots().first)
            #expect(slot.path == dir.appending(path: "slot-0001").path(percentEncoded: false))
            #expect(try fixture.head(of: URL(filePath: slot.path)) == first)
            #expect(first != second)
        }
    }

    @Test("several pools live in one database, chosen with --pool")
    func severalPools() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            try await fixture.initPool(["--pool", "second", "--min-idle", "2"])
            #expect(try await fixture.slots().count == 1)
            let second = try await fixture.slots(pool: "second")
            #expect(second.count == 2)
            #expect(
                second.allSatisfy { $0.path.hasPrefix(fixture.slotFolder(of: "second").path(percentEncoded: false)) }
            )
        }
    }

    @Test(
        "init where an earlier pool's files were deleted by hand still makes working slots"
    )
    func reinitAfterDeletingByHand() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            // The user throws the whole state folder away (database and slots) and starts over.
            try FileManager.default.removeItem(at: fixture.folder.appending(path: "state"))
            let again = try await fixture.initPool(["--min-idle", "1"])
            #expect(!again.stderr.contains("already registered worktree"), "\(again)")
            #expect(try await fixture.slots().map(\.state) == ["idle"])
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
