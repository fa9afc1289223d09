import PoolCore
import SheshaSQLite
import Worktrees

/// Maps errors to the documented sysexits codes. The libraries know nothing about exit codes.
enum ExitCodes {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let unavailable: Int32 = 69
    static let temporaryFailure: Int32 = 75
    static let failure: Int32 = 1

    /// The exit code for a domain error, or nil for argument-parser's own errors (which it handles).
    static func code(for error: any Error) -> Int32? {
        switch error {
        case let error as PoolError:
            switch error {
            case .noSuchPool, .poolExists, .invalidName, .invalidArgument, .noLease: return usage
            case .exhausted, .waitTimedOut, .workTakenOver: return temporaryFailure
            case .leaseLost, .backendFailed, .system: return failure
            }
        case let error as GitError:
            switch error {
            case .gitMissing: return unavailable
            case .notARepository, .unknownRef: return usage
            case .commandFailed, .setupFailed: return failure
            }
        case is MigrationError:
            return dataError
        case let error as SQLiteError:
            switch error.code.primaryResultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT: return dataError
            case .SQLITE_BUSY, .SQLITE_LOCKED: return temporaryFailure
            default: return failure
            }
        case let error as CLIError:
            switch error {
            case .noDatabase, .notOwner: return usage
            case .unsupportedKind: return unavailable
            case .commandNotFound: return 127
            }
        default:
            return nil
        }
    }

    static func message(for error: any Error) -> String {
        if let error = error as? SQLiteError {
            switch error.code.primaryResultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return "the database is not a SQLite database or is damaged (\(error.message)); "
                    + "point --db at a shesha-pool database or move the file away"
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
                return "cannot write the database (\(error.message)); check the file's and folder's permissions"
            case .SQLITE_BUSY:
                return "the database stayed locked by another process (\(error.message)); try again"
            default:
                return error.description
            }
        }
        return "\(error)"
    }
}
