import Dispatch

/// A serial executor backed by its own dispatch queue, so that an actor's blocking work (SQLite steps
/// that sleep in the busy handler) runs on that queue's thread instead of the shared cooperative pool.
final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: UnownedJob) {
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}

// Safe: the only stored property is a DispatchQueue, which is thread-safe; Linux's Dispatch lacks the
// Sendable annotation that Apple platforms have.
extension DispatchQueueExecutor: @unchecked Sendable {}
