public import PoolCore
import Synchronization

/// A wall clock that moves only when a test says so, to test TTL expiry without sleeping.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Timestamp>

    public init(start: Timestamp = Timestamp(microsecondsSince1970: 1_700_000_000_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Timestamp {
        current.withLock { $0 }
    }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }
}
