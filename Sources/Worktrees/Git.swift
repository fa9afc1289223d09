import Foundation
import PoolCore

/// Runs the git command line. Every call names its folder explicitly (`git -C`), and output is parsed
/// from porcelain formats only.
struct Git: Sendable {
    let executable: String

    /// Finds git on PATH, or throws `gitMissing`.
    init() throws {
        guard let executable = CommandRunner.find("git") else { throw GitError.gitMissing }
        self.executable = executable
    }

    /// Runs `git -C folder arguments...` and returns its standard output; a non-zero status throws.
    @discardableResult
    func run(_ arguments: [String], in folder: String) async throws -> String {
        let result = try await runAllowingFailure(arguments, in: folder)
        guard result.succeeded else {
            throw GitError.commandFailed(arguments: arguments, status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    func runAllowingFailure(_ arguments: [String], in folder: String) async throws -> CommandResult {
        // Keep git from prompting or paging, whatever the user's configuration says.
        try await CommandRunner.run(
            executable,
            ["-C", folder] + arguments,
            environment: ["GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"]
        )
    }

    /// The repository's top-level folder, or `notARepository`.
    func topLevel(of path: String) async throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw GitError.notARepository(path) }
        let result = try await runAllowingFailure(["rev-parse", "--show-toplevel"], in: path)
        let top = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, !top.isEmpty else { throw GitError.notARepository(path) }
        return top
    }

    /// The commit `ref` names in `repository`, or `unknownRef`.
    func commit(of ref: String, in repository: String) async throws -> String {
        let result = try await runAllowingFailure(["rev-parse", "--verify", "--quiet", "\(ref)^{commit}"], in: repository)
        let commit = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, !commit.isEmpty else { throw GitError.unknownRef(repository: repository, ref: ref) }
        return commit
    }

    /// The worktree paths git has registered for `repository` (`git worktree list --porcelain`).
    func worktreePaths(in repository: String) async throws -> [String] {
        let output = try await run(["worktree", "list", "--porcelain"], in: repository)
        return output.split(separator: "\n").compactMap { line in
            line.hasPrefix("worktree ") ? String(line.dropFirst("worktree ".count)) : nil
        }
    }
}
