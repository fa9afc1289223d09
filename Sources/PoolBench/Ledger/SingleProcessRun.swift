/// One process cycling alone on a one-slot pool: the ledger's cost without contention.
struct SingleProcessRun {
    var folder: RunFolder
    var strategy: Strategy
    var cycles: Int

    /// Cycles before the clock starts: statements prepared, pages cached.
    static let warmUpCycles = 200

    func run() async throws -> RunResult {
        try await LedgerPool.create(database: folder.database, slotFolder: folder.slots, slots: 1, strategy: strategy)
        let loop = CycleLoop(pool: try LedgerPool.open(database: folder.database, strategy: strategy), holder: "solo")
        _ = try await loop.run(count: Self.warmUpCycles)
        let started = MonotonicTime.nanoseconds()
        let latencies = try await loop.run(count: cycles)
        let elapsed = MonotonicTime.nanoseconds() - started
        return RunResult(
            processes: 1, slots: 1, strategy: strategy, latenciesPerProcess: [latencies],
            elapsedNanoseconds: elapsed, latestStartNanoseconds: 0
        )
    }
}
