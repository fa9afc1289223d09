import Sandbox

/// A cold sandbox per call, as a caller without warm sandboxes pays it: `ContainerPool.acquire` on a pool
/// with no slot at all, which makes one (the slot folder and runner file, the backend's start, waiting for
/// the runner's first ping) and connects; the probe; then `discard`, which stops the sandbox (with the
/// backend's search for unrecorded sandboxes of the slot) and removes its folder. The ledger's part is a
/// few short transactions, no more than a whole warm in-process cycle has, so the rest is the sandbox's.
enum ColdCycle {
    /// One cold cycle's time, in nanoseconds, and its phases.
    struct Phases {
        var start: Int64
        var execute: Int64
        var stop: Int64
        var total: Int64 { start + execute + stop }
    }

    static func run(_ pool: ContainerPool, holder: String) async throws -> Phases {
        let started = MonotonicTime.nanoseconds()
        let sandbox = try await pool.acquire(holder: holder)
        let running = MonotonicTime.nanoseconds()
        let result = await sandbox.executor.execute(code: SandboxProbe.code, timeout: SandboxProbe.timeout)
        let executed = MonotonicTime.nanoseconds()
        try await pool.discard(sandbox, reason: "the bench's cold cycle is over")
        let stopped = MonotonicTime.nanoseconds()
        try SandboxProbe.check(result, in: "cold sandbox cycle")
        return Phases(start: running - started, execute: executed - running, stop: stopped - executed)
    }
}
