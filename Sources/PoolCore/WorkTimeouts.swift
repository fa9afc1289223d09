/// How long each kind of slow work on one slot may take in a pool, all steps included. The ledger records
/// a deadline (`Slot.workDeadline`) when it claims a slot for the work, so `doctor` can tell work that is
/// slow but within its bound from work that is stuck, even when the worker process is alive.
public struct WorkTimeouts: Hashable, Sendable {
    public var create: Duration
    public var reset: Duration
    public var destroy: Duration

    public init(create: Duration, reset: Duration, destroy: Duration) {
        self.create = create
        self.reset = reset
        self.destroy = destroy
    }
}
