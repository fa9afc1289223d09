public import PoolCore
public import FoundationEssentials
import Glibc
import SheshaSystem

/// Failures of git operations, with what to do about them.
public enum GitError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// No `git` on PATH.
    case gitMissing
    case notARepository(String)
    case unknownRef(repository: String, ref: String)
    /// A git command failed; `stderr` is what git said.
    case commandFailed(arguments: [String], status: Int32, stderr: String)
    /// A setup command failed in a new slot; its output is kept for `status` and `doctor`.
    case setupFailed(command: String, status: Int32, output: String)
    /// A git command ran past the pool's git timeout and was stopped.
    case timedOut(arguments: [String], timeout: Duration, output: String)
    /// A setup command ran past the pool's setup timeout and was stopped; its last output is kept.
    case setupTimedOut(command: String, timeout: Duration, output: String)
    /// A slot's `.git` file no longer points at its own git folder in the repository.
    case damagedWorktree(path: String, reason: String)
    /// A git command failed while a file system it writes to was full; `said` is git's first line.
    case noSpace(arguments: [String], folder: String, freeBytes: Int64, said: String)

    public var description: String {
        switch self {
        case .gitMissing:
            return "git is not installed or not on PATH; install it (apt-get install git)"
        case .notARepository(let path):
            return "\(path) is not a git repository; pass --repo with the path of a git checkout"
        case .unknownRef(let repository, let ref):
            return "\(ref) is not a commit, branch or tag in \(repository); check --base (git rev-parse \(ref))"
        case .commandFailed(let arguments, let status, let stderr):
            let said = stderr.trimmingWhitespace()
            return "git \(arguments.joined(separator: " ")) failed with status \(status)"
                + (said.isEmpty ? "" : ": \(said)")
        case .setupFailed(let command, let status, let output):
            let tail = output.suffix(2_000)
            return "setup command `\(command)` failed with status \(status)" + (tail.isEmpty ? "" : ":\n\(tail)")
        case .timedOut(let arguments, let timeout, let output):
            let tail = output.trimmingWhitespace().suffix(2_000)
            return "git \(arguments.joined(separator: " ")) did not finish within \(CommandTimedOut.format(timeout)) "
                + "(the pool's git timeout) and was stopped; check the repository, or raise the limit with "
                + "`init worktree --git-timeout`" + (tail.isEmpty ? "" : "; its last output:\n\(tail)")
        case .setupTimedOut(let command, let timeout, let output):
            let tail = output.trimmingWhitespace().suffix(2_000)
            return "setup command `\(command)` did not finish within \(CommandTimedOut.format(timeout)) "
                + "(the pool's setup timeout) and was stopped"
                + (tail.isEmpty ? "" : "; its last output:\n\(tail)")
        case .noSpace(let arguments, let folder, let free, let said):
            return "git \(arguments.joined(separator: " ")) failed: the file system of \(folder) is full "
                + "(\(free) bytes free); free space there and try again" + (said.isEmpty ? "" : " (git: \(said))")
        case .damagedWorktree(let path, let reason):
            return "\(path) is no longer a worktree of the pool's repository (\(reason)); "
                + "remove the slot with `doctor --fix` or `cleanup`"
        }
    }

    public var errorDescription: String? { description }
}


extension GitError: KeepsFailedSlot {}
