import Synchronization

/// The iteration a query's loop is in, read by the sub-call handlers (which run on other tasks) to place
/// their trace steps.
final class LoopPosition: Sendable {
    private let current = Atomic<Int>(0)

    var iteration: Int { current.load(ordering: .relaxed) }

    func begin(iteration: Int) {
        current.store(iteration, ordering: .relaxed)
    }
}
