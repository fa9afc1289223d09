public import PoolCore
import Synchronization

/// A wall clock that moves only when a test says so, to test TTL expiry without sleeping. It counts its
/// reads, so a test can tell when the code under test looked at the time.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Timestamp>
    private let readCount = Atomic<Int>(0)

    /// How often `now()` has been called.
    public var reads: Int { readCount.load(ordering: .acquiring) }

    public init(start: Timestamp = Timestamp(microsecondsSince1970: 1_700_000_000_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Timestamp {
        readCount.add(1, ordering: .releasing)
        return current.withLock { $0 }
    }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }
}
