/// The monotonic clock deadlines are read from: the real one, or in tests one that jumps.
struct DeadlineClock: Sendable {
    let now: @Sendable () -> ContinuousClock.Instant

    static let continuous = DeadlineClock { .now }
}

/// When a blocking call to the runner gives up, and what it then reports.
struct Deadline: Sendable {
    /// What the call was doing, for the error ("execute", "ping"...).
    let operation: String
    private(set) var timeout: Duration
    private(set) var instant: ContinuousClock.Instant
    private let clock: DeadlineClock

    init(_ operation: String, timeout: Duration, clock: DeadlineClock = .continuous) {
        self.operation = operation
        self.timeout = timeout
        self.clock = clock
        instant = clock.now() + timeout
    }

    /// Moves the deadline later, for time that must not count (the host's own llm_query handler).
    mutating func extend(by duration: Duration) {
        instant += duration
        timeout += duration
    }

    /// Milliseconds left for poll(2), rounded up so a poll never wakes just before the deadline; nil once
    /// it has passed.
    var pollMilliseconds: Int32? {
        let left = instant - clock.now()
        guard left > .zero else { return nil }
        let milliseconds = (left + .nanoseconds(999_999)) / .milliseconds(1)
        return Int32(clamping: Int(milliseconds))
    }

    var expired: SandboxProtocolError { .timedOut(operation: operation, after: timeout) }
}
