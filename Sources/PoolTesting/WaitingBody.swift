import Synchronization

/// The body of a scoped lease (`withLease`, `withWorktree`, `withExecutor`) that announces it runs, then
/// waits for an event that never comes: only cancellation ends it. The test waits for `started` (an
/// event, not a delay), ends the lease from outside, and checks that the body was cancelled.
public final class WaitingBody: Sendable {
    private let startedStream: AsyncStream<Void>
    private let startedSignal: AsyncStream<Void>.Continuation
    private let neverStream: AsyncStream<Void>
    // Kept so that `neverStream` stays open: it is never yielded to nor finished.
    private let neverSignal: AsyncStream<Void>.Continuation
    private let cancelled = Mutex<Bool?>(nil)

    public init() {
        (startedStream, startedSignal) = AsyncStream.makeStream(of: Void.self)
        (neverStream, neverSignal) = AsyncStream.makeStream(of: Void.self)
    }

    /// Called by the body: says it started, then waits until its task is cancelled.
    public func run() async {
        startedSignal.yield()
        for await _ in neverStream {}
        cancelled.withLock { $0 = Task.isCancelled }
    }

    /// Called by the test: returns once the body has started.
    public func started() async {
        var iterator = startedStream.makeAsyncIterator()
        _ = await iterator.next()
    }

    /// Whether the body ended because its task was cancelled (nil while it still waits).
    public var endedByCancellation: Bool? { cancelled.withLock { $0 } }
}

/// Runs `body`, failing with `DeadlineExceeded` if it has not finished within `limit`: only for a test that
/// would otherwise hang when the code under test is broken. Choose a generous limit.
public func withDeadline<R: Sendable>(
    _ limit: Duration,
    _ body: @escaping @Sendable () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw DeadlineExceeded(limit: limit)
        }
        return result
    }
}

public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "did not finish within \(limit)" }
}
