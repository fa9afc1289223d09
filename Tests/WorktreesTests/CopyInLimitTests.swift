import Foundation
import PoolTesting
import Testing
@testable import Worktrees

/// The copying of ignored files into a slot is slow work like git's, and bounded like it.
@Suite("Copying ignored files: the time limit")
struct CopyInLimitTests {
    /// A repository whose ignored `cache/` holds a small file, one of several chunks, and another small one,
    /// copied in that order; and a worktree of it to copy them into.
    static func withRepositoryAndSlot(_ body: (_ repository: String, _ slot: String) async throws -> Void) async throws {
        try await withTemporaryFolder { folder in
            let repository = try makeGitRepository(
                in: folder, files: [".gitignore": "cache/\n", "src/main.txt": "hello\n"]
            ).path(percentEncoded: false)
            try writeFile("first\n", to: repository + "/cache/a.txt")
            // Sparse: three chunks long, and nothing written.
            let big = repository + "/cache/big.bin"
            #expect(FileManager.default.createFile(atPath: big, contents: nil))
            #expect(truncate(big, off_t(3 * FileCloner.chunkSize)) == 0)
            try writeFile("last\n", to: repository + "/cache/z.txt")
            let slot = folder.path(percentEncoded: false) + "/slot"
            try git(["worktree", "add", "--quiet", "--detach", slot], in: URL(filePath: repository))
            try await body(repository, slot)
        }
    }

    static func size(_ path: String) -> Int? {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    @Test("past its limit in the middle of a file, the copy stops: that file is removed, the ones before it are kept and not copied again, and the error says what to do")
    func stopsMidFile() async throws {
        try await Self.withRepositoryAndSlot { repository, slot in
            // The deadline passes once the first chunk of big.bin has arrived in the slot.
            let partial = slot + "/cache/big.bin"
            let copy = IgnoredFileCopy(
                git: try Git(), repository: repository, patterns: ["cache/"], limit: .seconds(60),
                isPastDeadline: { _ in (Self.size(partial) ?? 0) > 0 }
            )
            await #expect {
                try await copy.bringUpToDate(slot: slot)
            } throws: { error in
                guard case .timedOut(let to, let limit, let copied, let total, let file) = error as? IgnoredFileCopyError
                else { return false }
                let text = "\(error)"
                return to == slot && limit == .seconds(60) && copied == 1 && total == 3 && file == "cache/big.bin"
                    && text.contains("within 1m") && text.contains("--git-timeout") && text.contains("cache/big.bin")
            }
            #expect(contents(of: slot + "/cache/a.txt") == "first\n")
            #expect(Self.size(partial) == nil, "the partial copy is removed")
            #expect(Self.size(slot + "/cache/z.txt") == nil)

            // Given time, the next update copies only what is missing.
            let report = try await IgnoredFileCopy(repository: repository, patterns: ["cache/"]).bringUpToDate(slot: slot)
            #expect(report.kept == 1)
            #expect(report.files == 2)
            #expect(Self.size(partial) == 3 * FileCloner.chunkSize)
            #expect(contents(of: slot + "/cache/z.txt") == "last\n")
        }
    }

    @Test("with no time left nothing is copied; a pool's copy is allowed the pool's git timeout")
    func noTimeLeft() async throws {
        try await Self.withRepositoryAndSlot { repository, slot in
            let copy = IgnoredFileCopy(git: try Git(), repository: repository, patterns: ["cache/"], limit: .zero)
            await #expect {
                try await copy.bringUpToDate(slot: slot)
            } throws: { error in
                guard case .timedOut(_, _, let copied, let total, let file) = error as? IgnoredFileCopyError
                else { return false }
                return copied == 0 && total == 3 && file == "cache/a.txt"
            }
            #expect(Self.size(slot + "/cache") == nil)

            var settings = WorktreeConfig(repository: repository, baseRef: "HEAD", baseCommit: "abc")
            settings.gitTimeout = .seconds(42)
            #expect(IgnoredFileCopy(settings: settings, git: try Git()).limit == .seconds(42))
        }
    }
}
