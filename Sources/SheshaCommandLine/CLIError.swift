public import Foundation

/// Errors of the command line itself (not of the pool library).
public enum CLIError: Error, CustomStringConvertible, LocalizedError {
    case noDatabase(String)
    case emptyDatabase(String)
    case unsupportedKind(pool: String, kind: String)
    case notOwner(holder: String, owner: String)
    case commandNotFound(String)
    case sandboxDiscarded(holder: String, reason: String)

    public var description: String {
        switch self {
        case .noDatabase(let path):
            return "there is no database at \(path); create a pool with `shesha-pool init`, or pass --db"
        case .emptyDatabase(let path):
            return "\(path) is an empty file, not a shesha-pool database; create a pool in it with "
                + "`shesha-pool init`, or pass the right --db"
        case .sandboxDiscarded(let holder, let reason):
            return "\(holder)'s sandbox was discarded and its lease ended (\(reason)); acquire a new one"
        case .unsupportedKind(let pool, let kind):
            return "pool '\(pool)' holds \(kind) slots, which this command does not handle yet"
        case .notOwner(let holder, let owner):
            return "the lease of \(holder) belongs to \(owner), not to the calling process; "
                + "pass --force to use it anyway, or --token"
        case .commandNotFound(let name):
            return "command not found: \(name)"
        }
    }

    public var errorDescription: String? { description }
}
