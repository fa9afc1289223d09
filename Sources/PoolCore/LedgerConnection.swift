import CLinux
import Dispatch
import Glibc
import SheshaSQLite
import Synchronization

/// The ledger's connection, and where its transactions run.
///
/// A transaction first runs on the caller's thread, with no busy handler: when no other process holds the
/// lock, that is the whole cost, with no thread switch. When the lock is taken (SQLITE_BUSY at once), the
/// transaction runs again on this connection's own serial queue, whose thread may sleep in the busy handler;
/// so does a transaction that finds the connection in use by another task. Checkpoints, which fsync, run on a
/// second connection on another queue, so they hold up neither the caller nor the next transaction. So
/// nothing that sleeps or waits for the disk runs on Swift's cooperative threads.
///
/// Write transactions also take the database's `WriteGate`, so that writers of all processes wait their turn
/// asleep in the kernel, woken one at a time, rather than polling SQLite's lock. A write that frees or makes a
/// slot also bumps the gate's wake-up word after its commit, waking the processes that wait for a slot.
final class LedgerConnection: Sendable {
    private let lock: Mutex<Void> = Mutex(())
    private let queue = DispatchQueue(label: "shesha-pool.ledger")
    // Safe: used only inside `lock`, on the caller's thread or on `queue`.
    private nonisolated(unsafe) let connection: Connection
    private nonisolated(unsafe) var gate: GateState
    private let checkpointer: Checkpointer
    /// Whether the database file was moved is checked at a connection's first transaction and then at most
    /// every 100 ms: its `stat` costs about 3 µs, some 6% of a short write transaction.
    private let moveChecks = Throttle(every: .milliseconds(100))
    /// A call that never suspends would let a task that loops over ledger calls keep its thread for as long
    /// as it likes and starve the others, a lease's renewal timer among them (seen: a TTL lapsed on a loaded
    /// machine). So inline calls on Swift's threads give way to other tasks once a millisecond. Calls on the
    /// main thread do not: they hold up none of Swift's threads, and for a command, which never leaves the main
    /// thread otherwise, a yield would start Swift's thread pool (three threads and Dispatch's event loop, 0.9 ms).
    private let givingWay = Throttle(every: .milliseconds(1))
    /// Write transactions that found the lock or the connection taken and had to wait their turn.
    private let waitedWrites = Atomic<Int>(0)

    var writesThatWaited: Int { waitedWrites.load(ordering: .acquiring) }

    /// Opened at the first write, so that a command that only reads (or fails first) leaves no gate file.
    private enum GateState {
        case notOpened, opened(WriteGate), unavailable
    }

    init(_ connection: Connection, usesWriteGate: Bool) {
        connection.deferCheckpoints()
        self.connection = connection
        self.gate = usesWriteGate ? .notOpened : .unavailable
        self.checkpointer = Checkpointer(path: connection.path)
    }

    /// Runs `body` in a write transaction. If `announces` says so of its result, the commit is announced
    /// on the gate's wake-up word, to wake processes waiting for a slot.
    func write<T: Sendable>(
        announces: @escaping @Sendable (T) -> Bool = { _ in false },
        _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await run(.write, announces, body)
    }

    func read<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T {
        try await run(.read, { _ in false }, body)
    }

    private enum Transaction {
        case write, read
    }

    private enum Attempt<T: Sendable>: Sendable {
        case done(T)
        case wait
    }

    private func run<T: Sendable>(
        _ transaction: Transaction,
        _ announces: @escaping @Sendable (T) -> Bool,
        _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        if case .done(let result) = try attemptInline(transaction, announces, body) {
            if !Self.isOnMainThread(), givingWay.isDue() {
                await Task.yield()
            }
            return result
        }
        if transaction == .write {
            waitedWrites.add(1, ordering: .releasing)
        }
        // The caller stays suspended until the queue has run the body, and the queue lets go of the body
        // before it resumes the caller, so the body does not outlive this call.
        return try await withoutActuallyEscaping(body) { body in
            let handOff = HandOff(body)
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                queue.async {
                    let result = Result {
                        try self.lock.withLock { _ in
                            let gate = transaction == .write ? self.openedGate() : nil
                            let holdsGate = gate?.lock(timeout: self.connection.busyPolicy.timeout) ?? false
                            // A gate not taken in time is passed by: SQLite's lock still decides.
                            defer { if holdsGate { gate?.unlock() } }
                            let result = try self.runLocked(transaction, handOff.take())
                            if announces(result) {
                                gate?.announceChange()
                            }
                            return result
                        }
                    }
                    continuation.resume(with: result)
                }
            }
        }
    }

    /// Whether the calling thread is the process's first: its thread id is the process id.
    private static func isOnMainThread() -> Bool {
        clinux_gettid() == getpid()
    }

    /// Runs the transaction here if the connection is free and no other process holds the lock it needs.
    /// A transaction that met SQLITE_BUSY has been rolled back, and its body touched nothing but the
    /// database, so running it again on the queue is safe.
    private func attemptInline<T: Sendable>(
        _ transaction: Transaction,
        _ announces: (T) -> Bool,
        _ body: @Sendable (Connection) throws -> T
    ) throws -> Attempt<T> {
        let attempt: Attempt<T>? = try lock.withLockIfAvailable { _ in
            let gate = transaction == .write ? openedGate() : nil
            if let gate, !gate.tryLock() {
                return .wait
            }
            defer { gate?.unlock() }
            do {
                let result = try connection.withoutBusyWaiting { try runLocked(transaction, body) }
                if announces(result) {
                    gate?.announceChange()
                }
                return .done(result)
            } catch let error as SQLiteError where ResultCode.SQLITE_BUSY ~= error.code {
                return .wait
            }
        }
        return attempt ?? .wait
    }

    /// The gate, opened if this is the first write; nil if it is off or could not be opened (then writers
    /// only poll SQLite's lock, as without it).
    private func openedGate() -> WriteGate? {
        switch gate {
        case .opened(let gate):
            return gate
        case .unavailable:
            return nil
        case .notOpened:
            let opened = try? WriteGate(databasePath: connection.path)
            gate = opened.map(GateState.opened) ?? .unavailable
            return opened
        }
    }

    private func runLocked<T>(_ transaction: Transaction, _ body: (Connection) throws -> T) throws -> T {
        defer {
            if connection.takeDueCheckpoint() {
                checkpointer.request()
            }
        }
        // A database deleted or replaced under this process: stop rather than write where no one looks.
        if moveChecks.isDue() {
            try connection.checkFileIsInPlace()
        }
        switch transaction {
        case .write: return try connection.write(body)
        case .read: return try connection.read(body)
        }
    }

    /// Holds a transaction body for the queue until it runs, then forgets it.
    private final class HandOff<T>: Sendable {
        private let body: Mutex<(@Sendable (Connection) throws -> T)?>

        init(_ body: @escaping @Sendable (Connection) throws -> T) {
            self.body = Mutex(body)
        }

        func take() -> @Sendable (Connection) throws -> T {
            body.withLock { body in
                defer { body = nil }
                return body!
            }
        }
    }
}

/// Copies the write-ahead log back into the database, on its own connection and queue. A passive
/// checkpoint runs beside readers and writers; requests that come while one runs are merged into it. Under
/// a steady stream of writes the log did not start again after passive checkpoints alone (it passed 100 MiB
/// in a benchmark), so past `restartFrames` a restart checkpoint briefly holds the writers back and lets it.
private final class Checkpointer: Sendable {
    /// About 32 MiB of log with 4 KiB pages.
    static let restartFrames = 8_000

    private let path: String
    private let queue = DispatchQueue(label: "shesha-pool.ledger.checkpoint")
    private let isScheduled = Atomic<Bool>(false)
    // Safe: used only on `queue`.
    private nonisolated(unsafe) var connection: Connection?

    init(path: String) {
        self.path = path
    }

    func request() {
        guard !isScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async {
            self.isScheduled.store(false, ordering: .releasing)
            // A failed checkpoint only leaves the log longer; the next request tries again.
            if self.connection == nil {
                self.connection = try? Connection(
                    path: self.path, create: false, busyPolicy: .backoff(timeout: .seconds(1))
                )
            }
            guard let connection = self.connection,
                let result = try? connection.checkpoint(.passive),
                result.logFrames >= Self.restartFrames
            else { return }
            _ = try? connection.checkpoint(.restart)
        }
    }
}
