import FoundationEssentials
import Glibc
import PoolCore
import SheshaSystem

/// Runs the git command line. Every call names its folder explicitly (`git -C`), and output is parsed
/// from porcelain formats only. Every call is bounded by `timeout` (see `CommandRunner`), and runs with
/// the repository's hooks off (`poolSettings`).
struct Git: Sendable {
    let executable: String
    /// How long one git command may run before it is stopped.
    var timeout: Duration = WorktreeConfig.defaultGitTimeout
    /// The slot path the commands work on, tagged on them for `doctor` (`SHESHA_POOL_WORK`).
    var work: String?

    /// Finds git on PATH, or throws `gitMissing`.
    init() throws {
        guard let executable = CommandRunner.find("git") else { throw GitError.gitMissing }
        self.executable = executable
    }

    /// This git with a pool's time limit, its commands tagged as work on `slot` when one is named.
    func bounded(by timeout: Duration, workingOn slot: String? = nil) -> Git {
        var git = self
        git.timeout = timeout
        git.work = slot
        return git
    }

    /// Runs `git -C folder arguments...` and returns its standard output; a non-zero status throws.
    @discardableResult
    func run(_ arguments: [String], in folder: String) async throws -> String {
        let result = try await runAllowingFailure(arguments, in: folder)
        guard result.succeeded else { throw failure(arguments, result, in: folder) }
        return result.stdout
    }

    /// The error for a git command that failed: `noSpace` when a file system it writes to (the folder it
    /// ran in, or the slot it works on) is full, since git's own words for that vary ("unable to write file
    /// X" names no cause); `commandFailed` otherwise.
    func failure(_ arguments: [String], _ result: CommandResult, in folder: String) -> GitError {
        for written in [work.map(parentFolder(of:)), folder].compactMap({ $0 }) {
            if let free = FileSystemSpace.nearlyFull(written) {
                let said = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
                return .noSpace(arguments: arguments, folder: written, freeBytes: free, said: said)
            }
        }
        return .commandFailed(arguments: arguments, status: result.status, stderr: result.stderr)
    }

    /// Settings every pool git command runs with, put here so no command can forget them.
    ///
    /// Hooks off: a repository's post-checkout hook (husky, pre-commit) would otherwise run at each slot's
    /// creation and reset, slowly and with side effects the pool cannot undo. `-c` settings reach the git
    /// commands git itself starts (a submodule's checkout) through `GIT_CONFIG_PARAMETERS`. A user's own
    /// steps belong in the pool's `--setup` commands.
    static let poolSettings = ["-c", "core.hooksPath=/dev/null"]

    /// Runs `git -C folder arguments...`; a git that runs past the time limit throws `timedOut`.
    func runAllowingFailure(_ arguments: [String], in folder: String) async throws -> CommandResult {
        // Keep git from prompting or paging, whatever the user's configuration says.
        var environment = ["GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"]
        environment[CommandRunner.workVariable] = work
        do {
            return try await CommandRunner.run(
                executable, Self.poolSettings + ["-C", folder] + arguments, environment: environment, timeout: timeout
            )
        } catch let timeout as CommandTimedOut {
            throw GitError.timedOut(arguments: arguments, timeout: timeout.timeout, output: timeout.lastOutput)
        }
    }

    /// The repository's top-level folder, or `notARepository`.
    func topLevel(of path: String) async throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw GitError.notARepository(path) }
        let result = try await runAllowingFailure(["rev-parse", "--show-toplevel"], in: path)
        let top = result.stdout.trimmingWhitespace()
        guard result.succeeded, !top.isEmpty else { throw GitError.notARepository(path) }
        return top
    }

    /// The commit `ref` names in `repository`, or `unknownRef`.
    func commit(of ref: String, in repository: String) async throws -> String {
        let result = try await runAllowingFailure(["rev-parse", "--verify", "--quiet", "\(ref)^{commit}"], in: repository)
        let commit = result.stdout.trimmingWhitespace()
        guard result.succeeded, !commit.isEmpty else { throw GitError.unknownRef(repository: repository, ref: ref) }
        return commit
    }

    /// The worktree paths git has registered for `repository`.
    func worktreePaths(in repository: String) async throws -> [String] {
        try await worktrees(in: repository).map(\.path)
    }

    /// The worktrees git has registered for `repository` (`git worktree list --porcelain`), the main working
    /// tree first, each with the branch checked out there (nil when detached).
    ///
    /// git 2.39 lists worktrees without a lock, so a `worktree add` or `remove` running at the same moment
    /// (another process's expand, a reset, a shrink) can make it die reading that worktree's half-written
    /// or half-removed `.git/worktrees/<name>/…` (seen: "failed to read '…/locked'"); it is asked again.
    func worktrees(in repository: String) async throws -> [(path: String, branch: String?)] {
        let arguments = ["worktree", "list", "--porcelain"]
        var attempt = 0
        while true {
            attempt += 1
            let result = try await runAllowingFailure(arguments, in: repository)
            if result.succeeded {
                var entries: [(path: String, branch: String?)] = []
                for line in result.stdout.split(separator: "\n") {
                    if line.hasPrefix("worktree ") {
                        entries.append((String(line.dropFirst("worktree ".count)), nil))
                    } else if line.hasPrefix("branch refs/heads/"), !entries.isEmpty {
                        entries[entries.count - 1].branch = String(line.dropFirst("branch refs/heads/".count))
                    }
                }
                return entries
            }
            guard result.stderr.contains("/worktrees/"), attempt < 8 else {
                throw failure(arguments, result, in: repository)
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...25) * attempt))
        }
    }
}
