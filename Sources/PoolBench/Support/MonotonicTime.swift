import Glibc

/// CLOCK_MONOTONIC in nanoseconds: one time line for every process on the machine, so the parent can
/// name a start instant and a deadline that all workers read the same way.
enum MonotonicTime {
    static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Sleeps until `instant`. One absolute sleep rather than a spin: on a machine with fewer CPUs than
    /// workers, spinning workers would delay each other's start.
    static func sleep(until instant: Int64) {
        var target = timespec(tv_sec: Int(instant / 1_000_000_000), tv_nsec: Int(instant % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
