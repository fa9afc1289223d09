internal import CSQLite

extension Connection {
    /// Runs `body` with no busy handler: a lock held by another connection fails at once with SQLITE_BUSY
    /// instead of sleeping. Lets a caller try a transaction on a thread that must not sleep, and wait
    /// somewhere else only when the lock is actually taken.
    public func withoutBusyWaiting<T>(_ body: () throws -> T) rethrows -> T {
        BusyHandler.detach(from: handle.pointer)
        defer { BusyHandler.attach(busyPolicy, handler: busyHandler, to: handle.pointer) }
        return try body()
    }
}
