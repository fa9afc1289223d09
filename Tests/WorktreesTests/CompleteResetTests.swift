import Foundation
import Glibc
import PoolCore
import PoolTesting
import Testing

@testable import Worktrees

/// After a reset a slot equals a fresh `git worktree add --detach` at the base, plus the ignored files it
/// keeps: one test per thing a holder can leave behind, each checking that the whole reset ran and that
/// the slot it left is proven fresh (a second reset leaves it alone).
@Suite("Complete resets")
struct CompleteResetTests {
    @Test("a slot nobody changed is proven fresh and left alone, its ignored folders kept")
    func untouchedSlotLeftAlone() async throws {
        try await withLeasedSlot { slot, backend, _ in
            try writeFile("warm\n", to: slot.path + "/build/cache.txt")
            // Empty folders inside an ignored folder are kept, like any ignored file.
            try makeFolder(slot.path + "/build/empty/deeper")

            #expect(try await backend.resetReporting(slot) == .leftAlone)
            #expect(exists(slot.path + "/build/empty/deeper"))
            #expect(contents(of: slot.path + "/build/cache.txt") == "warm\n")
        }
    }

    @Test("an empty folder goes, though git status cannot see it")
    func emptyFolder() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeFolder(slot.path + "/emptydir")
            try #require(try status(at: slot.path).isEmpty)

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(slot.path + "/emptydir"))
        }
    }

    @Test("nested empty folders go, also inside a tracked folder")
    func nestedEmptyFolders() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeFolder(slot.path + "/emptydir/sub/deeper")
            try makeFolder(slot.path + "/src/empty")

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(slot.path + "/emptydir"))
            #expect(!exists(slot.path + "/src/empty"))
            #expect(contents(of: slot.path + "/src/main.txt") == "hello\n")
        }
    }

    @Test("a tracked folder locked with chmod 000 is opened to its owner again")
    func lockedFolder() async throws {
        try await withLeasedSlot { slot, backend, base in
            #expect(chmod(slot.path + "/src", 0) == 0)
            // Root reads it all the same, so git sees nothing wrong: only the mode tells.
            try #require(try mode(of: slot.path + "/src") == 0)

            try await expectRestored(slot, by: backend, base: base)
            #expect(try mode(of: slot.path + "/src") & 0o700 == 0o700)
            #expect(contents(of: slot.path + "/src/main.txt") == "hello\n")
        }
    }

    @Test("the slot's own folder locked with chmod 000 is opened to its owner again")
    func lockedSlotFolder() async throws {
        try await withLeasedSlot { slot, backend, base in
            #expect(chmod(slot.path, 0) == 0)

            try await expectRestored(slot, by: backend, base: base)
            #expect(try mode(of: slot.path) & 0o700 == 0o700)
        }
    }

    @Test("an untracked folder locked with chmod 000 goes, with what is inside")
    func lockedUntrackedFolder() async throws {
        try await withLeasedSlot { slot, backend, base in
            try writeFile("holder's\n", to: slot.path + "/scratch/deeper/notes.txt")
            #expect(chmod(slot.path + "/scratch/deeper", 0) == 0)
            #expect(chmod(slot.path + "/scratch", 0) == 0)

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(slot.path + "/scratch"))
        }
    }

    @Test("edits to tracked files only are undone without git clean, which would find nothing to remove")
    func trackedEditsOnly() async throws {
        try await withLeasedSlot { slot, backend, base in
            try writeFile("# edited\n", to: slot.path + "/README.md")
            try writeFile("edited\n", to: slot.path + "/src/main.txt")
            try git(["add", "src/main.txt"], at: slot.path)
            try writeFile("warm\n", to: slot.path + "/build/cache.txt")

            #expect(try await expectRestored(slot, by: backend, base: base) == .restored(cleaned: false))
            #expect(contents(of: slot.path + "/src/main.txt") == "hello\n")
            #expect(contents(of: slot.path + "/build/cache.txt") == "warm\n")
        }
    }

    @Test("an edit beside a new file, or beside an empty folder, runs git clean too")
    func editsWithNewPaths() async throws {
        try await withLeasedSlot { slot, backend, base in
            try writeFile("# edited\n", to: slot.path + "/README.md")
            try writeFile("scratch\n", to: slot.path + "/notes.txt")

            #expect(try await expectRestored(slot, by: backend, base: base) == .restored(cleaned: true))
            #expect(!exists(slot.path + "/notes.txt"))

            try writeFile("# edited again\n", to: slot.path + "/README.md")
            try makeFolder(slot.path + "/src/empty")

            #expect(try await expectRestored(slot, by: backend, base: base) == .restored(cleaned: true))
            #expect(!exists(slot.path + "/src/empty"))
        }
    }

    @Test("a commit of new files in new folders is undone without git clean: the checkout removes them")
    func committedNewFolders() async throws {
        try await withLeasedSlot { slot, backend, base in
            try commit(["newdir/deeper/file.txt": "committed\n"], at: slot.path)

            #expect(try await expectRestored(slot, by: backend, base: base) == .restored(cleaned: false))
            #expect(!exists(slot.path + "/newdir"))
        }
    }

    @Test("a tracked file's mode change is undone")
    func fileModeChange() async throws {
        try await withLeasedSlot { slot, backend, base in
            let readme = slot.path + "/README.md"
            let before = try mode(of: readme)
            #expect(chmod(readme, before | 0o111) == 0)

            try await expectRestored(slot, by: backend, base: base)
            #expect(try mode(of: readme) == before)
        }
    }

    @Test("a merge stopped by a conflict is forgotten")
    func mergeInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeConflictingBranch(at: slot.path)
            _ = try? git(["merge", "--quiet", "side"], at: slot.path)
            try #require(exists(try gitPath("MERGE_HEAD", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("MERGE_HEAD", at: slot.path)))
        }
    }

    @Test("a rebase stopped by a conflict is forgotten, and the branch it was rebasing is kept")
    func rebaseInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeConflictingBranch(at: slot.path)
            try git(["checkout", "--quiet", "-b", "topic"], at: slot.path)
            let topic = try head(at: slot.path)
            _ = try? git(["rebase", "--quiet", "side"], at: slot.path)
            try #require(exists(try gitPath("rebase-merge", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("rebase-merge", at: slot.path)))
            #expect(try git(["rev-parse", "topic"], at: slot.path).trimmed == topic)
        }
    }

    @Test("a rebase of mailed patches (rebase-apply) stopped by a conflict is forgotten")
    func applyRebaseInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeConflictingBranch(at: slot.path)
            _ = try? git(["rebase", "--apply", "--quiet", "side"], at: slot.path)
            try #require(exists(try gitPath("rebase-apply", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("rebase-apply", at: slot.path)))
        }
    }

    @Test("a cherry-pick stopped by a conflict is forgotten")
    func cherryPickInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            try makeConflictingBranch(at: slot.path)
            _ = try? git(["cherry-pick", "side"], at: slot.path)
            try #require(exists(try gitPath("CHERRY_PICK_HEAD", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("CHERRY_PICK_HEAD", at: slot.path)))
        }
    }

    @Test("a revert stopped by a conflict is forgotten")
    func revertInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            try commit(["README.md": "# one\n"], at: slot.path)
            try commit(["README.md": "# two\n"], at: slot.path)
            _ = try? git(["revert", "--no-edit", "HEAD~1"], at: slot.path)
            try #require(exists(try gitPath("REVERT_HEAD", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("REVERT_HEAD", at: slot.path)))
        }
    }

    @Test("a bisect in progress is forgotten, its marks too")
    func bisectInProgress() async throws {
        try await withLeasedSlot { slot, backend, base in
            for step in 1...3 {
                try commit(["README.md": "# step \(step)\n"], at: slot.path)
            }
            try git(["bisect", "start", "HEAD", base], at: slot.path)
            try #require(exists(try gitPath("BISECT_LOG", at: slot.path)))
            try #require(exists(try gitPath("refs/bisect", at: slot.path)))

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(try gitPath("BISECT_LOG", at: slot.path)))
            #expect(!exists(try gitPath("refs/bisect", at: slot.path)))
        }
    }

    @Test("a stale index.lock left by a killed git goes, even when nothing else changed")
    func staleIndexLock() async throws {
        try await withLeasedSlot { slot, backend, base in
            let lock = try gitPath("index.lock", at: slot.path)
            try writeFile("", to: lock)

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(lock))
        }
    }

    @Test("a branch the holder made and checked out is left where it was, and HEAD is detached at the base")
    func branchCheckedOut() async throws {
        try await withLeasedSlot { slot, backend, base in
            try git(["checkout", "--quiet", "-b", "holder-branch"], at: slot.path)
            try commit(["README.md": "# holder's\n"], at: slot.path)
            let tip = try head(at: slot.path)

            try await expectRestored(slot, by: backend, base: base)
            #expect(try git(["rev-parse", "holder-branch"], at: slot.path).trimmed == tip)
        }
    }

    @Test("with cleanIgnored, ignored files and empty ignored folders go too")
    func ignoredFilesCleaned() async throws {
        try await withLeasedSlot(cleanIgnored: true) { slot, backend, base in
            try writeFile("warm\n", to: slot.path + "/build/cache.txt")
            try makeFolder(slot.path + "/build/empty")

            try await expectRestored(slot, by: backend, base: base)
            #expect(!exists(slot.path + "/build"))
        }
    }

    @Test("without cleanIgnored, ignored files stay while the rest is reset")
    func ignoredFilesKept() async throws {
        try await withLeasedSlot { slot, backend, base in
            try writeFile("warm\n", to: slot.path + "/build/cache.txt")
            try makeFolder(slot.path + "/build/empty")
            try makeFolder(slot.path + "/emptydir")

            try await expectRestored(slot, by: backend, base: base)
            #expect(contents(of: slot.path + "/build/cache.txt") == "warm\n")
            #expect(exists(slot.path + "/build/empty"))
            #expect(!exists(slot.path + "/emptydir"))
        }
    }

    @Test("a populated submodule that was moved and dirtied is back at its recorded commit, clean")
    func submoduleRestored() async throws {
        try await withWorktreeFixture { fixture in
            let recorded = try addSubmodule(to: fixture)
            let pool = try await fixture.makePool()
            let backend = try #require(pool.pool.backend as? GitBackend)
            let base = try await fixture.config().baseCommit
            let lease = try await pool.pool.acquire(holder: "h")
            let slot = try #require(try await fixture.slot(named: lease.slotName))
            // A fresh worktree leaves the submodule unpopulated: its empty folder is no flaw.
            #expect(try await backend.resetReporting(slot) == .leftAlone)

            let lib = slot.path + "/lib"
            try git(["-c", "protocol.file.allow=always", "submodule", "--quiet", "update", "--init"], at: slot.path)
            try #require(try head(at: lib) == recorded)
            try git(["checkout", "--quiet", "--detach", "HEAD~1"], at: lib)
            try writeFile("edited\n", to: lib + "/lib.txt")
            try writeFile("new\n", to: lib + "/new.txt")
            try makeFolder(lib + "/emptydir")

            try await expectRestored(slot, by: backend, base: base)
            #expect(try head(at: lib) == recorded)
            #expect(try status(at: lib).isEmpty)
            #expect(contents(of: lib + "/lib.txt") == "v2\n")
            #expect(!exists(lib + "/new.txt"))
            #expect(!exists(lib + "/emptydir"))
        }
    }
}

// MARK: Helpers

/// A pool over a fresh fixture repository, with slot "h" leased; `body` gets the slot, the pool's git
/// backend and the base commit.
private func withLeasedSlot(
    cleanIgnored: Bool = false,
    _ body: (Slot, GitBackend, String) async throws -> Void
) async throws {
    try await withWorktreeFixture { fixture in
        let pool = try await fixture.makePool(cleanIgnored: cleanIgnored)
        let backend = try #require(pool.pool.backend as? GitBackend)
        let lease = try await pool.pool.acquire(holder: "h")
        let slot = try #require(try await fixture.slot(named: lease.slotName))
        try await body(slot, backend, try await fixture.config().baseCommit)
    }
}

/// Resets `slot`, expecting the whole reset to run, and returns what it did; checks that the slot is then a
/// fresh detached checkout of `base` as far as git sees, and that a second reset proves it so and leaves it
/// alone.
@discardableResult
private func expectRestored(
    _ slot: Slot,
    by backend: GitBackend,
    base: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> GitBackend.ResetOutcome {
    let outcome = try await backend.resetReporting(slot)
    #expect(outcome != .leftAlone, sourceLocation: sourceLocation)
    #expect(try head(at: slot.path) == base, sourceLocation: sourceLocation)
    #expect(
        try git(["rev-parse", "--abbrev-ref", "HEAD"], at: slot.path).trimmed == "HEAD",
        sourceLocation: sourceLocation
    )
    #expect(try status(at: slot.path).isEmpty, sourceLocation: sourceLocation)
    #expect(contents(of: slot.path + "/README.md") == "# test repository\n", sourceLocation: sourceLocation)
    #expect(try await backend.resetReporting(slot) == .leftAlone, sourceLocation: sourceLocation)
    return outcome
}

/// Commits `files` at HEAD in the worktree at `path`.
private func commit(_ files: [String: String], at path: String) throws {
    for (name, text) in files {
        try writeFile(text, to: path + "/" + name)
    }
    try git(["add", "--all"], at: path)
    try git(["commit", "--quiet", "--message", "holder's change"], at: path)
}

/// Makes branch `side` with one README.md, and a detached commit with another, and leaves HEAD at the
/// latter: merging, rebasing or cherry-picking `side` then stops on a conflict.
private func makeConflictingBranch(at path: String) throws {
    try git(["checkout", "--quiet", "-b", "side"], at: path)
    try commit(["README.md": "# side\n"], at: path)
    try git(["checkout", "--quiet", "--detach", "HEAD~1"], at: path)
    try commit(["README.md": "# detached\n"], at: path)
}

/// Adds a submodule `lib` (a local repository with two commits) to the fixture's repository on main;
/// returns the commit it records.
private func addSubmodule(to fixture: WorktreeFixture) throws -> String {
    let library = try makeGitRepository(in: fixture.folder, name: "lib", files: ["lib.txt": "v1\n"])
    try writeFile("v2\n", to: library.path(percentEncoded: false) + "/lib.txt")
    try git(["commit", "--quiet", "--all", "--message", "v2"], in: library)
    try git(
        [
            "-c", "protocol.file.allow=always", "submodule", "--quiet", "add", library.path(percentEncoded: false),
            "lib",
        ],
        in: fixture.repository
    )
    try git(["commit", "--quiet", "--message", "add lib"], in: fixture.repository)
    return try git(["rev-parse", "HEAD:lib"], in: fixture.repository).trimmed
}

private func makeFolder(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}

/// The permission bits of `path` (lstat), read directly: root passes any permission check.
private func mode(of path: String) throws -> mode_t {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw SystemCallFailed(path: path) }
    return info.st_mode & 0o7777
}

private struct SystemCallFailed: Error {
    var path: String
}
