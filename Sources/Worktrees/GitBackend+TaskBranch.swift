import FoundationEssentials
public import PoolCore
import SheshaSystem

extension GitBackend: TaskBranchBackend {
    public func checkTaskBranch(_ branch: TaskBranch, ownSlot: String?) async throws {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout)
        try await Self.checkName(branch.name, git: git, repository: settings.repository)
        if let startPoint = branch.startPoint {
            do {
                _ = try await git.commit(of: startPoint, in: settings.repository)
            } catch GitError.unknownRef {
                throw PoolError.invalidArgument(
                    "--from \(quoted(startPoint)) is not a commit, branch or tag in \(settings.repository); "
                        + "check it with `git rev-parse \(startPoint)`"
                )
            }
        }
        let own = ownSlot.map(Self.canonical)
        for worktree in try await git.worktrees(in: settings.repository)
        where worktree.branch == branch.name && Self.canonical(worktree.path) != own {
            throw PoolError.branchInUse(branch: branch.name, path: worktree.path)
        }
    }

    public func checkOutTaskBranch(_ branch: TaskBranch, in slotPath: String) async throws {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout, workingOn: slotPath)
        let branchExists = {
            try await git.runAllowingFailure(
                ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch.name], in: slotPath
            ).succeeded
        }
        let exists = try await branchExists()
        var arguments = ["switch", "--quiet", "--no-guess", branch.name]
        if !exists {
            let startPoint = branch.startPoint ?? settings.baseCommit
            arguments = ["switch", "--quiet", "--create", branch.name, startPoint]
        }
        var result = try await git.runAllowingFailure(arguments, in: slotPath)
        // Another process created the branch since we looked (git says it exists, or could not lock its
        // ref while the other wrote it): check out the one it made.
        if !exists, !result.succeeded, try await branchExists() {
            arguments = ["switch", "--quiet", "--no-guess", branch.name]
            result = try await git.runAllowingFailure(arguments, in: slotPath)
        }
        guard result.succeeded else {
            // Checked out in another worktree since the check (git 2.39 says "already checked out at").
            let inUse = result.stderr.firstRange(of: "already checked out at '")
                ?? result.stderr.firstRange(of: "used by worktree at '")
            if let range = inUse {
                let path = result.stderr[range.upperBound...].prefix { $0 != "'" }
                throw PoolError.branchInUse(branch: branch.name, path: String(path))
            }
            throw git.failure(arguments, result, in: slotPath)
        }
    }

    /// A branch name git accepts for a new branch (`git check-ref-format --branch`), taken literally:
    /// `@{-1}` and the like, which git would expand to another branch, are refused too.
    static func checkName(_ name: String, git: Git, repository: String) async throws {
        let refused = PoolError.invalidArgument(
            "\(quoted(name)) is not a valid branch name (see `git check-ref-format --branch`); "
                + "pass another --branch, e.g. task/42"
        )
        guard !name.isEmpty, !name.hasPrefix("-"), name != "HEAD", !name.contains("@{") else { throw refused }
        let result = try await git.runAllowingFailure(["check-ref-format", "--branch", name], in: repository)
        guard result.succeeded, result.stdout.trimmingWhitespace() == name else { throw refused }
    }
}
