/// What a connection does when another process holds the lock it needs.
public enum BusyPolicy: Sendable, Hashable {
    /// Fail at once with `SQLITE_BUSY`.
    case fail
    /// SQLite's own handler (`sqlite3_busy_timeout`): sleeps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and
    /// then 100 ms. A waiter deep in its schedule sleeps 100 ms while others take the lock in between, so
    /// under steady contention one process can starve. Kept as the baseline for benchmarks.
    case sqliteDefault(timeout: Duration)
    /// Sleeps of a `BackoffSchedule` (jittered, exponential, capped) until `timeout`.
    case backoff(timeout: Duration)

    public static let `default` = BusyPolicy.backoff(timeout: .seconds(30))

    /// How long a connection waits for a lock before giving up with SQLITE_BUSY.
    public var timeout: Duration {
        switch self {
        case .fail: .zero
        case .sqliteDefault(let timeout), .backoff(let timeout): timeout
        }
    }
}
