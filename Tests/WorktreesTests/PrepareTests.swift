import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// `WorktreePool.prepare` checks the repository, base ref and slot folder before anything is made.
@Suite("Preparing a worktree pool")
struct PrepareTests {
    private func prepare(
        _ fixture: WorktreeFixture,
        repository: String? = nil,
        baseRef: String = "main",
        slotFolder: String? = nil
    ) async throws -> PoolDefinition {
        try await WorktreePool.prepare(
            name: "wt", repository: repository ?? fixture.repositoryPath, baseRef: baseRef,
            slotFolder: slotFolder ?? fixture.slotFolder, maxSize: 2
        )
    }

    /// A refused prepare leaves no pool, no slot folder, and no worktree behind.
    private func expectNothingMade(_ fixture: WorktreeFixture, slotFolder: String? = nil) async throws {
        #expect(!exists(slotFolder ?? fixture.slotFolder))
        #expect(try await fixture.ledger.poolNames().isEmpty)
        #expect(try fixture.registeredWorktrees() == [canonical(fixture.repositoryPath)])
        #expect(try status(at: fixture.repositoryPath).isEmpty)
    }

    @Test("a valid repository, ref and folder give a definition that records the base commit, and touch nothing")
    func preparesDefinition() async throws {
        try await withWorktreeFixture { fixture in
            let definition = try await prepare(fixture, baseRef: "main")
            #expect(definition.kind == WorktreePool.kind)
            #expect(canonical(definition.slotFolder) == canonical(fixture.slotFolder))
            let config = try WorktreeConfig(json: definition.config)
            #expect(config.baseRef == "main")
            #expect(config.baseCommit == (try git(["rev-parse", "main"], in: fixture.repository).trimmed))
            #expect(canonical(config.repository) == canonical(fixture.repositoryPath))
            try await expectNothingMade(fixture)
        }
    }

    @Test("a subfolder of the repository is taken as the repository's top level")
    func subfolderMeansTopLevel() async throws {
        try await withWorktreeFixture { fixture in
            let definition = try await prepare(fixture, repository: fixture.repositoryPath + "/src")
            let config = try WorktreeConfig(json: definition.config)
            #expect(canonical(config.repository) == canonical(fixture.repositoryPath))
        }
    }

    @Test("an empty existing slot folder is accepted")
    func emptyFolderAccepted() async throws {
        try await withWorktreeFixture { fixture in
            try FileManager.default.createDirectory(atPath: fixture.slotFolder, withIntermediateDirectories: false)
            let definition = try await prepare(fixture)
            #expect(canonical(definition.slotFolder) == canonical(fixture.slotFolder))
        }
    }

    @Test("a folder that is not a git repository is rejected", arguments: ["plain-folder", "no-such-folder"])
    func rejectsNonRepository(folderName: String) async throws {
        try await withWorktreeFixture { fixture in
            let notRepository = fixture.outside(folderName)
            if folderName == "plain-folder" {
                try writeFile("not git\n", to: notRepository + "/file.txt")
            }
            await #expect(throws: GitError.notARepository(notRepository)) {
                try await prepare(fixture, repository: notRepository)
            }
            try await expectNothingMade(fixture)
        }
    }

    @Test("an unknown base ref is rejected")
    func rejectsUnknownRef() async throws {
        try await withWorktreeFixture { fixture in
            let error = await #expect(throws: GitError.self) {
                try await prepare(fixture, baseRef: "no-such-branch")
            }
            guard case .unknownRef(_, let ref)? = error else {
                Issue.record("expected unknownRef, got \(String(describing: error))")
                return
            }
            #expect(ref == "no-such-branch")
            try await expectNothingMade(fixture)
        }
    }

    @Test(
        "a slot folder inside the repository's work tree is rejected",
        arguments: ["", "/slots", "/src/slots", "/src/../pool"]
    )
    func rejectsFolderInsideRepository(suffix: String) async throws {
        try await withWorktreeFixture { fixture in
            let inside = fixture.repositoryPath + suffix
            let error = await #expect(throws: PoolError.self) {
                try await prepare(fixture, slotFolder: inside)
            }
            guard case .invalidArgument(let message)? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                return
            }
            #expect(message.contains("inside the repository"))
            if !suffix.isEmpty {
                #expect(!exists(inside))
            }
            try await expectNothingMade(fixture)
        }
    }

    @Test("a slot folder reached through a symbolic link into the repository is rejected")
    func rejectsFolderInsideRepositoryThroughLink() async throws {
        try await withWorktreeFixture { fixture in
            let link = fixture.outside("link-to-repo")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixture.repositoryPath)
            let error = await #expect(throws: PoolError.self) {
                try await prepare(fixture, slotFolder: link + "/slots")
            }
            guard case .invalidArgument? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                return
            }
            #expect(!exists(fixture.repositoryPath + "/slots"))
        }
    }

    @Test("a non-empty existing slot folder is rejected and left as it was")
    func rejectsNonEmptyFolder() async throws {
        try await withWorktreeFixture { fixture in
            try writeFile("mine\n", to: fixture.slotFolder + "/someone-elses.txt")
            let error = await #expect(throws: PoolError.self) {
                try await prepare(fixture)
            }
            guard case .invalidArgument(let message)? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                return
            }
            #expect(message.contains("not empty"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.slotFolder) == ["someone-elses.txt"])
            #expect(contents(of: fixture.slotFolder + "/someone-elses.txt") == "mine\n")
            #expect(try await fixture.ledger.poolNames().isEmpty)
        }
    }

    @Test("opening a pool of another kind as a worktree pool is refused")
    func refusesOtherKind() async throws {
        try await withWorktreeFixture { fixture in
            try await fixture.ledger.createPool(
                PoolDefinition(name: "folders", kind: "folder", slotFolder: fixture.slotFolder, maxSize: 1)
            )
            await #expect(throws: PoolError.self) {
                try await WorktreePool(ledger: fixture.ledger, name: "folders")
            }
        }
    }
}
