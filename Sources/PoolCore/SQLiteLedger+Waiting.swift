import Dispatch
import SheshaSQLite
import Synchronization

/// Waiting for a slot without polling the database: waiters sleep on the wake-up word of the database's
/// `WriteGate`, which the transactions that free or make a slot bump when they commit.
extension SQLiteLedger {
    public func changeMark() -> ChangeMark? {
        wakeUpGate.gate().map { ChangeMark(count: $0.changeCount) }
    }

    public func waitForChange(after mark: ChangeMark, timeout: Duration) async throws -> Bool {
        guard let gate = wakeUpGate.gate() else {
            try await Task.sleep(for: timeout)
            return false
        }
        let waiter = BlockingWait()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.start(continuation)
                // The futex wait blocks its thread, so it gets one of its own, not one of Swift's few
                // cooperative threads: a serial queue of its own runs on an overcommitting thread, where a
                // shared concurrent queue would run only as many waits at once as there are cores. A
                // cancelled wait resumes its caller at once; the thread ends at its timeout.
                DispatchQueue(label: "shesha-pool.wake-up").async {
                    waiter.finish(.success(gate.waitForChange(from: mark.count, timeout: timeout)))
                }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    public func couldServe(pool: String, holder: String) async throws -> Bool {
        try await read { db in
            let pool = try poolRow(db, pool)
            return try usage(db, pool: pool, holder: holder).isServable(in: pool.definition)
        }
    }
}

/// The gate the waits sleep on, opened at the first wait. It is a second mapping of the same `<db>-gate`
/// file the connection's writers use: the kernel keys a shared futex by file and offset, so a bump through
/// either mapping wakes sleepers on both.
final class WakeUpGate: Sendable {
    private enum State {
        case notOpened, opened(WriteGate), unavailable
    }

    private let state: Mutex<State>
    private let databasePath: String

    init(databasePath: String, isEnabled: Bool) {
        self.databasePath = databasePath
        self.state = Mutex(isEnabled ? .notOpened : .unavailable)
    }

    /// nil without a write gate (writers then announce nothing, so waiters must poll).
    func gate() -> WriteGate? {
        state.withLock { state in
            switch state {
            case .opened(let gate):
                return gate
            case .unavailable:
                return nil
            case .notOpened:
                let opened = try? WriteGate(databasePath: databasePath)
                state = opened.map(State.opened) ?? .unavailable
                return opened
            }
        }
    }
}

/// One continuation resumed exactly once: by the blocking wait's end or by cancellation, whichever comes
/// first.
private final class BlockingWait: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Bool, any Error>?
        var early: Result<Bool, any Error>?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Bool, any Error>) {
        let early: Result<Bool, any Error>? = state.withLock { state in
            if let early = state.early {
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(with: early)
        }
    }

    func finish(_ result: Result<Bool, any Error>) {
        let continuation: CheckedContinuation<Bool, any Error>? = state.withLock { state in
            guard let continuation = state.continuation else {
                if state.early == nil {
                    state.early = result
                }
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
