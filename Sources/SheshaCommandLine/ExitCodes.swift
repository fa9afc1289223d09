import Glibc
import PoolCore
import Sandbox
import SheshaSQLite
import SheshaSystem
import Worktrees

/// Maps errors to the documented sysexits codes. The libraries know nothing about exit codes.
public enum ExitCodes {
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let unavailable: Int32 = 69
    public static let temporaryFailure: Int32 = 75
    public static let failure: Int32 = 1

    /// The exit code for a domain error, or nil for argument-parser's own errors (which it handles).
    public static func code(for error: any Error) -> Int32? {
        switch error {
        case let error as PoolError:
            switch error {
            case .noSuchPool, .poolExists, .invalidName, .invalidArgument, .noLease, .branchInUse: return usage
            case .exhausted, .waitTimedOut, .workTakenOver: return temporaryFailure
            case .leaseLost, .backendFailed: return failure
            case .damagedDatabase: return dataError
            }
        case let error as GitError:
            switch error {
            case .gitMissing: return unavailable
            case .notARepository, .unknownRef: return usage
            case .commandFailed, .setupFailed, .timedOut, .setupTimedOut, .damagedWorktree, .noSpace: return failure
            }
        case let error as AdoptionError:
            switch error {
            case .refused: return usage
            case .full: return temporaryFailure
            case .moveFailed, .stopped: return failure
            }
        case is MigrationError:
            return dataError
        case is SystemError:
            return failure
        case let error as SQLiteError:
            if error.code == .SQLITE_CANTOPEN_DIRTYWAL { return dataError }
            switch error.code.primaryResultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT: return dataError
            case .SQLITE_BUSY, .SQLITE_LOCKED: return temporaryFailure
            default: return failure
            }
        case let error as CLIError:
            switch error {
            case .noDatabase, .notOwner: return usage
            case .emptyDatabase: return dataError
            case .unsupportedKind: return unavailable
            case .commandNotFound: return 127
            case .sandboxDiscarded: return failure
            }
        case is SandboxUnavailable:
            return unavailable
        case SandboxProtocolError.leaseEnded:
            return temporaryFailure
        case is SandboxStartFailed, is SandboxProtocolError:
            return failure
        default:
            return nil
        }
    }

    public static func message(for error: any Error) -> String {
        if let error = error as? SystemError {
            if error.isPermissionDenied {
                return "\(error); check the permissions of \(error.path ?? "the file") and of its folder"
            }
            if error.isOutOfSpace {
                return "\(error); " + spaceAdvice
            }
            if error.code == ENOTDIR {
                return "\(error); part of that path is a file, not a folder: pass another path"
            }
            return error.description
        }
        if let error = error as? SQLiteError {
            switch error.code {
            case .SQLITE_READONLY_DBMOVED:
                return "\(error.message), so this process stopped using it; put the file back, or create a new "
                    + "database with `shesha-pool init`"
            case .SQLITE_CANTOPEN_DIRTYWAL:
                return error.message
            case .SQLITE_NOTADB:
                return "the database is not a SQLite database (\(error.message)); "
                    + "point --db at a shesha-pool database or move the file away"
            case .SQLITE_CORRUPT, .SQLITE_FORMAT:
                return "the database is damaged (\(error.message)); restore it from a copy, or move it away "
                    + "and run `shesha-pool init` again"
            case .SQLITE_FULL:
                return "cannot write the database: no space left (\(error.message)); "
                    + spaceAdvice
            case .SQLITE_IOERR:
                return "reading or writing the database or its -wal/-shm files failed (\(error.code)); "
                    + spaceAdvice + ", check the disk for errors, then run `shesha-pool doctor`"
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

    /// What to do when a write failed for want of room: a file size limit (`ulimit -f`, which makes writes
    /// past it fail like a full disk) is named when this process has one, since it is easy to overlook.
    /// (RLIM_INFINITY is all ones, which Swift does not import.)
    static var spaceAdvice: String {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            return "this process may not write files past \(limit.rlim_cur) bytes: raise that limit "
                + "(ulimit -f unlimited), or free space on the database's disk"
        }
        return "free space on the database's disk"
    }
}
