import Glibc
import Synchronization

/// Fault injection for the crash tests: places where dying leaves the most half-done work behind.
///
/// `SHESHA_POOL_CRASH_AT=mid-reset` kills this process with SIGKILL (no cleanup, no atexit, no unwinding)
/// the first time it reaches `CrashPoint.reached(.midReset)`; `mid-reset:3` at its third hit in this
/// process. Only debug builds compile the check in (the `SHESHA_POOL_CRASH_POINTS` define in
/// Package.swift), so a release build ignores the variable. A value that names no point is ignored, with
/// one warning on stderr when the first point is reached, so a misspelled test does not pass silently.
public enum CrashPoint: String, CaseIterable, Sendable {
    /// The ledger committed a `creating` row; the backend has made nothing yet.
    case afterReserve = "after-reserve"
    /// The backend made part of a new slot (a worktree: its folder and git's registration, before setup).
    case midCreate = "mid-create"
    /// The backend reset part of a slot (a worktree: checked out, not yet cleaned).
    case midReset = "mid-reset"
    /// The backend removed part of a slot (a worktree: its folder, before `git worktree prune`).
    case midDestroy = "mid-destroy"
    /// Inside acquire's write transaction, after it changed the slot and before it wrote the lease.
    case midTransaction = "mid-transaction"

    public static let environmentVariable = "SHESHA_POOL_CRASH_AT"

    /// Dies here if the environment chose this point and this is its chosen hit; otherwise returns.
    public static func reached(_ point: CrashPoint) {
        #if SHESHA_POOL_CRASH_POINTS
        guard let trigger = Trigger.fromEnvironment, trigger.point == point else { return }
        if trigger.hits.wrappingAdd(1, ordering: .relaxed).newValue == trigger.hit {
            // SIGKILL sent to oneself is delivered before kill returns.
            kill(getpid(), SIGKILL)
        }
        #endif
    }

    /// Reads `name` or `name:N` (N ≥ 1); nil for anything else.
    static func parse(_ value: String) -> (point: CrashPoint, hit: Int)? {
        let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let point = CrashPoint(rawValue: String(parts[0])) else { return nil }
        guard parts.count == 2 else { return (point, 1) }
        guard let hit = Int(parts[1]), hit >= 1 else { return nil }
        return (point, hit)
    }
}

#if SHESHA_POOL_CRASH_POINTS
extension CrashPoint {
    /// The point the environment chose, read once per process, and how often it has been reached.
    private final class Trigger: Sendable {
        let point: CrashPoint
        let hit: Int
        let hits = Atomic<Int>(0)

        init(point: CrashPoint, hit: Int) {
            self.point = point
            self.hit = hit
        }

        static let fromEnvironment: Trigger? = {
            guard let raw = getenv(CrashPoint.environmentVariable) else { return nil }
            let value = String(cString: raw)
            guard !value.isEmpty else { return nil }
            guard let (point, hit) = CrashPoint.parse(value) else {
                let known = CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")
                let warning = "shesha-pool: ignoring \(CrashPoint.environmentVariable)='\(value)': "
                    + "not a crash point; name one of \(known), optionally followed by :N for its N-th hit\n"
                _ = warning.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                return nil
            }
            return Trigger(point: point, hit: hit)
        }()
    }
}
#endif
