import FoundationEssentials
import PoolCore

/// The submodules of a slot's checkout. A fresh `git worktree add` leaves them unpopulated (empty
/// folders); a holder may populate them. A reset brings the populated ones back to the commits the base
/// records, clean, and leaves the others alone: it never clones, and fetches only a recorded commit a
/// populated submodule lacks (after a `refresh` moved the base).
enum WorktreeSubmodules {
    /// The submodule paths `.gitmodules` in `worktree` names (none without the file), as git reads them.
    static func paths(in worktree: String, git: Git) async throws -> [String] {
        guard FileManager.default.fileExists(atPath: worktree + "/.gitmodules") else { return [] }
        let result = try await git.runAllowingFailure(
            ["config", "--file", ".gitmodules", "--null", "--get-regexp", #"^submodule\..*\.path$"#],
            in: worktree
        )
        // Status 1: the file names no path.
        guard result.succeeded else {
            if result.status == 1 { return [] }
            throw git.failure(["config", "--file", ".gitmodules"], result, in: worktree)
        }
        // Each entry is "KEY\nVALUE\0".
        return result.stdout.split(separator: "\0").compactMap { entry in
            entry.firstIndex(of: "\n").map { String(entry[entry.index(after: $0)...]) }
        }
    }

    /// Checks out each populated submodule at the commit the worktree records, throwing away its changes,
    /// and cleans it (ignored files too when `cleanIgnored`), nested submodules included.
    static func restore(in worktree: String, git: Git, cleanIgnored: Bool) async throws {
        let populated = try await paths(in: worktree, git: git).filter {
            FileManager.default.fileExists(atPath: worktree + "/" + $0 + "/.git")
        }
        guard !populated.isEmpty else { return }
        try await git.run(["submodule", "--quiet", "update", "--recursive", "--force", "--"] + populated, in: worktree)
        let clean = "git clean -ffdq" + (cleanIgnored ? "x" : "")
        try await git.run(["submodule", "--quiet", "foreach", "--recursive", clean], in: worktree)
    }
}
