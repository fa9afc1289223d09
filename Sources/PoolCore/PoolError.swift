public import FoundationEssentials
import Glibc

/// What can go wrong in pool operations, worded as what happened and what to do.
public enum PoolError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case noSuchPool(String)
    case poolExists(String)
    case invalidName(kind: String, name: String, reason: String)
    case invalidArgument(String)
    /// Every slot is taken and the pool may not grow.
    case exhausted(pool: String, leased: Int, size: Int, maxSize: Int)
    case waitTimedOut(pool: String, waited: Duration)
    /// The token is not (or no longer) a live lease: released, reclaimed, or expired.
    case leaseLost(FencingToken)
    case noLease(pool: String, holder: String)
    /// A task branch is checked out in another worktree (git allows one at a time).
    case branchInUse(branch: String, path: String)
    /// Another process recovered the slot while this one was working on it (it took this one for dead).
    case workTakenOver(slot: String)
    /// The backend could not make a slot ready.
    case backendFailed(slot: String, operation: String, message: String)
    /// The database holds what this build never writes (a row missing or out of range): damaged by hand,
    /// by a disk, or by another program.
    case damagedDatabase(String)

    public var description: String {
        switch self {
        case .noSuchPool(let name):
            return "there is no pool '\(name)'; create it with `shesha-pool init` or pick another with --pool"
        case .poolExists(let name):
            return "a pool named '\(name)' already exists; choose another --pool name"
        case .invalidName(let kind, let name, let reason):
            return "invalid \(kind) name \(quoted(name)): \(reason)"
        case .invalidArgument(let message):
            return message
        case .exhausted(let pool, let leased, let size, let maxSize):
            return "pool '\(pool)' is exhausted (\(leased) of \(size) slots leased, maximum \(maxSize)); "
                + "retry with --wait 5m, or raise --max-size"
        case .waitTimedOut(let pool, let waited):
            return "timed out after \(waited) waiting for a slot in pool '\(pool)'; wait longer or expand the pool"
        case .leaseLost(let token):
            return "lease \(token) is no longer held (released, expired, or reclaimed after its owner died); "
                + "acquire a new lease"
        case .noLease(let pool, let holder):
            return "holder \(quoted(holder)) holds no lease in pool '\(pool)'"
        case .branchInUse(let branch, let path):
            return "branch \(quoted(branch)) is checked out in \(path), and a branch can be checked out in one "
                + "worktree at a time; release that lease or switch that worktree away, or pass another --branch"
        case .workTakenOver(let slot):
            return "slot \(slot) was recovered by another process while this one worked on it; try again"
        case .backendFailed(let slot, let operation, let message):
            return "could not \(operation) slot \(slot): \(message)"
        case .damagedDatabase(let problem):
            return "the database is damaged: \(problem); restore it from a copy, or move it away and run "
                + "`shesha-pool init` again"
        }
    }

    public var errorDescription: String? { description }
}

/// Quotes a user-supplied name so that spaces and control characters are visible in messages.
public func quoted(_ text: String) -> String {
    var result = "'"
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F {
            result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result + "'"
}
