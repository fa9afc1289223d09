import Foundation
import PoolTesting
import Testing

/// Finding one's way: `path --holder H` and `which [PATH]`.
@Suite("path and which")
struct PathWhichTests {
    @Test("path --holder prints the lease's folder as one line")
    func pathOfHolder() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let lease = try await fixture.acquire("agent-3")
            let result = try await fixture.cli(["path", "--holder", "agent-3"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == lease.path + "\n")
        }
    }

    @Test("path for a holder without a lease, or in an unknown pool, exits 64 and changes nothing")
    func pathUnknownHolder() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.snapshot()
            let nobody = try await fixture.cli(["path", "--holder", "nobody"])
            expectCleanFailure(nobody, status: 64, mentioning: "holds no lease")
            let otherPool = try await fixture.cli(["path", "--holder", "nobody", "--pool", "other"])
            expectCleanFailure(otherPool, status: 64, mentioning: "no pool")
            expectCleanFailure(try await fixture.cli(["path", "--holder", "../x"]), status: 64, mentioning: "holder")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("which finds the slot from deep inside it, through a symlink, and from the current folder")
    func whichFindsSlot() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "2"])
            let lease = try await fixture.acquire("agent-3", ["--branch", "task/3"])
            let deep = URL(filePath: lease.path).appending(path: "src/deeper/still")
            try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
            let link = fixture.folder.appending(path: "link")
            let source = URL(filePath: lease.path).appending(path: "src")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: source)

            let throughLink = link.appending(path: "deeper").path(percentEncoded: false)
            for path in [lease.path, deep.path(percentEncoded: false), throughLink] {
                let result = try await fixture.cli(["which", path, "--json"])
                #expect(result.status == 0, "\(result)")
                let found = try JSONDecoder().decode(WhichInfo.self, from: Data(result.stdout.utf8))
                #expect(
                    found == WhichInfo(
                        pool: "default", slot: lease.slot, path: lease.path, state: "leased", holder: "agent-3",
                        token: lease.token, index: 0, branch: "task/3"
                    ),
                    "\(path): \(result)"
                )
            }

            let here = try await runCLI(fixture.withDatabase(["which"]), currentDirectory: deep)
            #expect(here.status == 0, "\(here)")
            let lines = here.stdout.split(separator: "\n")
                .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(lines.map { $0.first.map(String.init) ?? "" } == [
                "pool", "slot", "path", "state", "holder", "token", "index", "branch",
            ])
            #expect(lines.contains { $0 == ["holder", "agent-3"] } && lines.contains { $0 == ["branch", "task/3"] })

            let idle = try #require(try await fixture.slots().first { $0.holder == nil })
            let idleResult = try await fixture.cli(["which", idle.path, "--json"])
            let idleFound = try JSONDecoder().decode(WhichInfo.self, from: Data(idleResult.stdout.utf8))
            #expect(idleFound.slot == idle.name && idleFound.state == "idle" && idleFound.holder == nil)
        }
    }

    @Test("which outside every slot exits 1 with one line; a path that does not exist exits 64")
    func whichOutside() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let before = try await fixture.snapshot()
            let outsides = [
                fixture.repository.path(percentEncoded: false), fixture.slotFolder().path(percentEncoded: false), "/",
            ]
            for outside in outsides {
                expectCleanFailure(try await fixture.cli(["which", outside]), status: 1, mentioning: "is in no slot")
            }
            let missing = fixture.slotFolder().appending(path: "slot-0001/no/such/file").path(percentEncoded: false)
            expectCleanFailure(try await fixture.cli(["which", missing]), status: 64, mentioning: "does not exist")
            #expect(try await fixture.snapshot() == before)
        }
    }
}

/// `which --json`.
struct WhichInfo: Decodable, Equatable {
    var pool: String
    var slot: String
    var path: String
    var state: String
    var holder: String?
    var token: Int64?
    var index: Int?
    var branch: String?
}
