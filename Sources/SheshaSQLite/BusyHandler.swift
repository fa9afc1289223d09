internal import CSQLite
import Glibc

/// Installs a `BusyPolicy` on a connection. `.backoff` needs state per connection (when waiting began),
/// passed to SQLite's C callback through an unmanaged pointer that the connection keeps alive.
final class BusyHandler {
    private let timeoutNanoseconds: UInt64
    private var waitStartedAt: UInt64 = 0
    private var schedule = BackoffSchedule()

    private init(timeout: Duration) {
        self.timeoutNanoseconds = UInt64(max(0, timeout.components.seconds)) * 1_000_000_000
            + UInt64(max(0, timeout.components.attoseconds / 1_000_000_000))
    }

    /// Installs `policy`; returns the handler object the connection must keep alive, if there is one.
    static func install(_ policy: BusyPolicy, on db: OpaquePointer) -> BusyHandler? {
        let handler: BusyHandler? =
            if case .backoff(let timeout) = policy { BusyHandler(timeout: timeout) } else { nil }
        attach(policy, handler: handler, to: db)
        return handler
    }

    /// (Re)attaches `policy` to `db`, with the `handler` that `install` returned for it.
    static func attach(_ policy: BusyPolicy, handler: BusyHandler?, to db: OpaquePointer) {
        switch policy {
        case .fail:
            sqlite3_busy_handler(db, nil, nil)
        case .sqliteDefault(let timeout):
            let milliseconds = timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000
            sqlite3_busy_timeout(db, Int32(clamping: milliseconds))
        case .backoff:
            guard let handler else { return }
            // Unretained: the connection owns the handler and outlives every callback on its handle.
            let context = Unmanaged.passUnretained(handler).toOpaque()
            sqlite3_busy_handler(db, busyCallback, context)
        }
    }

    /// Removes any handler: a busy lock fails at once with SQLITE_BUSY.
    static func detach(from db: OpaquePointer) {
        sqlite3_busy_handler(db, nil, nil)
    }

    /// Returns true to retry, false to give up with SQLITE_BUSY.
    fileprivate func shouldRetry(attempt: Int32) -> Bool {
        let now = Self.monotonicNanoseconds()
        if attempt == 0 {
            waitStartedAt = now
            schedule = BackoffSchedule()
        }
        if now - waitStartedAt >= timeoutNanoseconds {
            return false
        }
        usleep(UInt32(schedule.nextSleepMicroseconds()))
        return true
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

private func busyCallback(context: UnsafeMutableRawPointer?, attempt: Int32) -> Int32 {
    guard let context else { return 0 }
    let handler = Unmanaged<BusyHandler>.fromOpaque(context).takeUnretainedValue()
    return handler.shouldRetry(attempt: attempt) ? 1 : 0
}
