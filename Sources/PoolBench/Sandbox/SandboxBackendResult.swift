/// What one backend measured, or why it was skipped. Latencies are per cycle, in microseconds.
struct SandboxBackendResult: Codable {
    struct Measured: Codable {
        /// `ContainerPool.acquire` + execute + `release` (with the reset), in this process.
        var warmLibrary: CycleLatencies
        /// `shesha-pool acquire` + `exec` + `release`, three processes.
        var warmCLI: CycleLatencies
        /// A new sandbox per call: start + first ping, execute, stop (see `ColdCycle`).
        var cold: CycleLatencies
        var coldStart: CycleLatencies
        var coldExecute: CycleLatencies
        var coldStop: CycleLatencies
        var coldOverWarmLibrary: CycleRatio
        var coldOverWarmCLI: CycleRatio
        /// Seconds to start the warm pool's idle sandbox, before any timing.
        var warmPoolStartSeconds: Double
    }

    var backend: String
    /// Why the backend cannot run here (its tool or image is missing); nil when it ran.
    var skipped: String?
    var measured: Measured?
}
