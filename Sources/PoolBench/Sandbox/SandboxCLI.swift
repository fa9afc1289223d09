/// The warm cycle a shell user pays: three `shesha-pool` processes, `acquire` (owned by this bench
/// process), `exec` of the probe in the leased sandbox, and `release` (which resets the namespace).
struct SandboxCLI {
    let cli: SheshaPoolCLI

    /// Runs and times one cycle for `holder`; returns its nanoseconds.
    func cycle(holder: String) throws -> Int64 {
        let started = MonotonicTime.nanoseconds()
        _ = try cli.acquire(holder: holder)
        let exec = ["exec", "--holder", holder, SandboxProbe.code, "--db", cli.database, "--pool", cli.pool]
        let executed = try cli.runner.run(cli.executable, exec, log: "exec")
        _ = try cli.release(holder: holder)
        let elapsed = MonotonicTime.nanoseconds() - started
        try SandboxProbe.check(stdout: executed.stdout, in: "shesha-pool exec")
        return elapsed
    }
}
