/// One process cycling alone on a one-slot pool: the ledger's cost without contention.
struct SingleProcessRun {
    var folder: RunFolder
    var strategy: Strategy
    var warmUpCycles: Int
    var cycles: Int

    func run() async throws -> RunResult {
        try await BenchPool.create(database: folder.database, slotFolder: folder.slots, slots: 1, strategy: strategy)
        let loop = CycleLoop(pool: try BenchPool.open(database: folder.database, strategy: strategy), holder: "solo")
        _ = try await loop.run(count: warmUpCycles)
        let started = MonotonicTime.nanoseconds()
        let latencies = try await loop.run(count: cycles)
        let elapsed = MonotonicTime.nanoseconds() - started
        return RunResult(
            processes: 1, slots: 1, strategy: strategy, latenciesPerProcess: [latencies],
            elapsedNanoseconds: elapsed, latestStartNanoseconds: 0
        )
    }
}
