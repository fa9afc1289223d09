import FoundationEssentials
import SheshaSystem

/// A linked worktree's own git folder (`.git/worktrees/<name>` in the repository), where git keeps the
/// worktree's HEAD and index, the state of a merge, rebase, cherry-pick, revert or bisect in progress,
/// and the locks of a git command at work. Found by reading the worktree's `.git` file, without running git.
struct WorktreeGitFolder {
    let path: String

    /// What git leaves here while an operation is in progress, or after one stopped half-way, and the
    /// locks of a git command that was killed. A fresh `git worktree add` has none of them (it has `HEAD`,
    /// `ORIG_HEAD`, `commondir`, `gitdir`, `index` and `logs`). `refs/bisect` holds the bisect's marks.
    static let leftovers = [
        "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_RR", "AUTO_MERGE", "SQUASH_MSG",
        "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "sequencer", "rebase-merge", "rebase-apply",
        "BISECT_LOG", "BISECT_START", "BISECT_TERMS", "BISECT_NAMES", "BISECT_EXPECTED_REV",
        "BISECT_ANCESTORS_OK", "BISECT_HEAD", "BISECT_RUN", "BISECT_FIRST_PARENT", "refs/bisect",
        "index.lock", "HEAD.lock",
    ]

    /// Reads `worktree/.git` ("gitdir: PATH"); a missing or damaged file, or one that points at no folder,
    /// throws `damagedWorktree`.
    init(worktree: String) throws {
        let file = worktree + "/.git"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw GitError.damagedWorktree(path: worktree, reason: "\(file) is missing or unreadable")
        }
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        guard line.hasPrefix("gitdir: ") else {
            throw GitError.damagedWorktree(path: worktree, reason: "\(file) does not name a git folder")
        }
        var folder = String(line.dropFirst("gitdir: ".count))
        if !folder.hasPrefix("/") {
            folder = worktree + "/" + folder
        }
        guard isFolder(folder) else {
            throw GitError.damagedWorktree(path: worktree, reason: "its git folder \(folder) is missing")
        }
        path = folder
    }

    /// The leftovers present, by name.
    func presentLeftovers() -> [String] {
        Self.leftovers.filter { FileManager.default.fileExists(atPath: path + "/" + $0) }
    }

    /// Forgets any operation in progress and removes stale locks, so the checkout that follows starts
    /// as in a fresh worktree. A lock here is stale: the slot is being reset, so no lease is live and no
    /// git command of a holder's may still run in it (a `run` command's group is stopped when it ends).
    func removeLeftovers() throws {
        for name in presentLeftovers() {
            try FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }
}
