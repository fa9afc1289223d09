import Testing

@testable import Worktrees

/// Reading `git status --porcelain=v2 --branch -z`: HEAD's commit and branch from the headers, changes and
/// ignored paths from the entries.
@Suite("Worktree status")
struct WorktreeStatusTests {
    private let commit = "0123456789abcdef0123456789abcdef01234567"

    @Test("a detached HEAD with nothing changed is a fresh checkout of its commit")
    func detachedAndClean() {
        let status = WorktreeStatus(porcelain: "# branch.oid \(commit)\0# branch.head (detached)\0")
        #expect(status == WorktreeStatus(head: commit, branch: nil, hasChanges: false, ignored: []))
        #expect(status.isFreshCheckout(of: commit, keepingIgnored: true))
        #expect(!status.isFreshCheckout(of: String(commit.reversed()), keepingIgnored: true))
    }

    @Test("a branch checked out is not a fresh detached checkout, even at the same commit")
    func onBranch() {
        let status = WorktreeStatus(porcelain: "# branch.oid \(commit)\0# branch.head topic\0")
        #expect(status.branch == "topic")
        #expect(!status.isFreshCheckout(of: commit, keepingIgnored: true))
    }

    @Test("ignored paths are listed apart, and count as changes only when ignored files go too")
    func ignoredPaths() {
        let status = WorktreeStatus(
            porcelain: "# branch.oid \(commit)\0# branch.head (detached)\0! build/\0! a b.log\0"
        )
        #expect(status.ignored == ["build/", "a b.log"])
        #expect(!status.hasChanges)
        #expect(status.isFreshCheckout(of: commit, keepingIgnored: true))
        #expect(!status.isFreshCheckout(of: commit, keepingIgnored: false))
    }

    @Test("a rename's original path is never read as an entry of its own")
    func renameOriginalPath() {
        let rename = "2 R. N... 100644 100644 100644 \(commit) \(commit) R100 new.txt\0! old.txt\0"
        let status = WorktreeStatus(porcelain: "# branch.oid \(commit)\0# branch.head (detached)\0" + rename)
        #expect(status.hasChanges)
        #expect(status.ignored.isEmpty)
    }

    @Test("untracked, changed and unmerged entries are changes; a repository without commits has no HEAD")
    func changes() {
        for entry in ["? notes.txt", "1 .M N... 100644 100644 100644 \(commit) \(commit) README.md", "u UU N... x"] {
            #expect(WorktreeStatus(porcelain: "# branch.oid (initial)\0# branch.head main\0\(entry)\0").hasChanges)
        }
        #expect(WorktreeStatus(porcelain: "# branch.oid (initial)\0# branch.head main\0").head == nil)
    }

    @Test("only untracked paths, or ignored ones that are to go, leave git clean something to remove")
    func pathsToClean() {
        let header = "# branch.oid \(commit)\0# branch.head (detached)\0"
        let edited = WorktreeStatus(
            porcelain: header + "1 .M N... 100644 100644 100644 \(commit) \(commit) a\0! build/\0"
        )
        #expect(!edited.hasPathsToClean(keepingIgnored: true))
        #expect(edited.hasPathsToClean(keepingIgnored: false))
        let untracked = WorktreeStatus(porcelain: header + "? notes.txt\0")
        #expect(untracked.hasUntracked)
        #expect(untracked.hasPathsToClean(keepingIgnored: true))
    }
}
