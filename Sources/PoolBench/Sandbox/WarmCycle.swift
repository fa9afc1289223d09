import Sandbox

/// The warm cycle in process: lease the ready sandbox of a pool that keeps one idle and connect to it,
/// run the probe, and release, which resets the namespace (and pings) before the slot is idle again.
enum WarmCycle {
    /// Runs and times one cycle; returns its nanoseconds.
    static func run(_ pool: ContainerPool, holder: String) async throws -> Int64 {
        let started = MonotonicTime.nanoseconds()
        let sandbox = try await pool.acquire(holder: holder)
        let result = await sandbox.executor.execute(code: SandboxProbe.code, timeout: SandboxProbe.timeout)
        try await pool.release(sandbox)
        let elapsed = MonotonicTime.nanoseconds() - started
        try SandboxProbe.check(result, in: "warm ContainerPool cycle")
        return elapsed
    }
}
