import PoolCore

/// The unit measured: acquire a slot, then release it (which resets it, as a real holder's release does).
struct CycleLoop {
    let pool: Pool
    let holder: String
    private let clock = ContinuousClock()

    init(pool: Pool, holder: String) {
        self.pool = pool
        self.holder = holder
    }

    /// One cycle; returns its latency in nanoseconds.
    func cycle() async throws -> Int64 {
        let started = clock.now
        let lease = try await pool.acquire(holder: holder, wait: LedgerPool.acquireWait)
        try await pool.release(lease)
        return (clock.now - started).nanoseconds
    }

    /// `count` cycles; their latencies in nanoseconds.
    func run(count: Int) async throws -> [Int64] {
        var latencies: [Int64] = []
        latencies.reserveCapacity(count)
        for _ in 0..<count {
            latencies.append(try await cycle())
        }
        return latencies
    }

    /// Cycles started before `deadline` (a `MonotonicTime`), each recorded even if it ends after it.
    func run(until deadline: Int64) async throws -> [Int64] {
        var latencies: [Int64] = []
        latencies.reserveCapacity(16_384)
        while MonotonicTime.nanoseconds() < deadline {
            latencies.append(try await cycle())
        }
        return latencies
    }
}
