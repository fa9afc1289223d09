/// The `worker` subcommand: one child process of a multi-process run. Opens the pool with its own
/// connection, warms up, waits at the start barrier, cycles until the deadline, writes its latencies.
struct Worker {
    var database: String
    var strategy: Strategy
    var holder: String
    var barrier: StartBarrier
    var outputPath: String
    var warmUpCycles: Int

    /// How long a worker waits for the others to be ready before giving up.
    static let startTimeout: Duration = .seconds(120)

    /// The arguments `parse` reads, for the parent to spawn a worker with.
    static func arguments(
        database: String, strategy: Strategy, holder: String, barrier: StartBarrier, output: String, warmUp: Int
    ) -> [String] {
        [
            "worker", "--db", database, "--strategy", strategy.rawValue, "--holder", holder,
            "--barrier", barrier.folder, "--output", output, "--warm-up", String(warmUp),
        ]
    }

    static func parse(_ arguments: [String]) throws -> Worker {
        var values: [String: String] = [:]
        var reader = ArgumentReader(arguments)
        let known = ["--db", "--strategy", "--holder", "--barrier", "--output", "--warm-up"]
        while let flag = reader.next() {
            guard known.contains(flag) else { throw UsageError("worker: unknown option '\(flag)'") }
            values[flag] = try reader.value(for: flag)
        }
        func required(_ flag: String) throws -> String {
            guard let value = values[flag] else { throw UsageError("worker: \(flag) is required") }
            return value
        }
        let strategyName = try required("--strategy")
        guard let strategy = Strategy(rawValue: strategyName) else {
            let names = Strategy.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("worker: --strategy is one of \(names) (got '\(strategyName)')")
        }
        let warmUpText = values["--warm-up"] ?? "20"
        guard let warmUp = Int(warmUpText), warmUp >= 0 else {
            throw UsageError("worker: --warm-up takes a whole number (got '\(warmUpText)')")
        }
        return Worker(
            database: try required("--db"),
            strategy: strategy,
            holder: try required("--holder"),
            barrier: StartBarrier(folder: try required("--barrier")),
            outputPath: try required("--output"),
            warmUpCycles: warmUp
        )
    }

    func run() async throws {
        let loop = CycleLoop(pool: try LedgerPool.open(database: database, strategy: strategy), holder: holder)
        _ = try await loop.run(count: warmUpCycles)
        try barrier.announceReady(holder: holder)
        let (start, deadline) = try barrier.waitForStart(timeout: Self.startTimeout)
        MonotonicTime.sleep(until: start)
        let startedAt = MonotonicTime.nanoseconds()
        let latencies = try await loop.run(until: deadline)
        let endedAt = MonotonicTime.nanoseconds()
        try WorkerOutput(startedAt: startedAt, endedAt: endedAt, latencies: latencies).write(to: outputPath)
    }
}
