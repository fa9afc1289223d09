import Glibc

/// CLOCK_MONOTONIC in nanoseconds: one time line shared by every process on the machine, so tenures
/// logged by different holders and kills logged by the orchestrator can be compared.
enum MonotonicClock {
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// `now()` as a tenure log writes it.
    static func stamp() -> String {
        "\(now())"
    }

    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        // A signal (SIGINT to stop the run) cuts the sleep short; sleep out the rest.
        while nanosleep(&request, &remaining) == -1 && errno == EINTR {
            request = remaining
        }
    }
}
