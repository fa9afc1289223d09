import Glibc
import Synchronization

/// Says yes at most once per interval, and the first time it is asked: for work worth doing now and then on
/// a hot path, where reading the clock (a few tens of nanoseconds) is all the other calls may cost.
final class Throttle: Sendable {
    private let intervalNanoseconds: Int64
    /// Monotonic nanoseconds of the last yes; 0, so that the first call says yes.
    private let last = Atomic<Int64>(0)

    init(every interval: Duration) {
        intervalNanoseconds = interval.components.seconds * 1_000_000_000
            + interval.components.attoseconds / 1_000_000_000
    }

    func isDue() -> Bool {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        let now = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        guard now - last.load(ordering: .relaxed) >= intervalNanoseconds else { return false }
        last.store(now, ordering: .relaxed)
        return true
    }
}
