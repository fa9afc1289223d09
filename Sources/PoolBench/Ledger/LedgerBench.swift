/// The ledger section: every scenario with both busy strategies, interleaved (one run of each strategy
/// per repetition), each run on a fresh database.
struct LedgerBench {
    var options: BenchOptions
    /// Where the run folders go (on disk, where a real pool's database lives).
    var folder: WorkFolder

    struct Section: Codable {
        var fileSystem: String
        var repetitions: Int
        var multiProcessSeconds: Double
        var singleProcessCycles: Int
        var results: [LedgerResult]

        func result(processes: Int, slots: Int, strategy: Strategy) -> LedgerResult? {
            results.first { $0.processes == processes && $0.slots == slots && $0.strategy == strategy }
        }

        var table: String {
            var table = TextTable(LedgerResult.tableTitles, leftAligned: [2])
            var previous: Int?
            for result in results {
                if let previous, previous != result.processes { table.note("") }
                previous = result.processes
                table.add(result.tableRow)
            }
            return table.render()
        }

        var heading: String {
            """
            LEDGER: Pool.acquire + Pool.release (with reset) through PoolCore on a no-op backend, a fresh \
            database per run (\(fileSystem)); \(Format.plural(repetitions, "run")) per row, the two strategies \
            interleaved; 1 process: \(Format.count(singleProcessCycles)) cycles per run; more: \
            \(Format.digits(multiProcessSeconds)) s per run, one holder per process; latencies per cycle
            """
        }
    }

    func run() async throws -> Section {
        let executable = try currentExecutablePath()
        let scenarios = LedgerScenario.plan(options)
        let repetitions = options.ledgerRepetitions
        let totalRuns = scenarios.count * repetitions * Strategy.allCases.count

        var runs: [LedgerScenario: [Strategy: [RunResult]]] = [:]
        var runNumber = 0
        for scenario in scenarios {
            for repetition in 1...repetitions {
                for strategy in Strategy.allCases {
                    runNumber += 1
                    let runFolder = try RunFolder.make(in: folder.path, name: "ledger-\(runNumber)")
                    defer { runFolder.remove() }
                    let result: RunResult
                    if scenario.isSingleProcess {
                        result = try await SingleProcessRun(
                            folder: runFolder, strategy: strategy, cycles: options.singleProcessCycles
                        ).run()
                    } else {
                        result = try await MultiProcessRun(
                            folder: runFolder, processes: scenario.processes, slots: scenario.slots,
                            strategy: strategy, duration: options.duration, executable: executable
                        ).run()
                    }
                    runs[scenario, default: [:]][strategy, default: []].append(result)
                    reportProgress(result, run: runNumber, of: totalRuns, repetition: repetition)
                }
            }
        }

        return Section(
            fileSystem: MachineInfo.fileSystem(of: folder.path),
            repetitions: repetitions,
            multiProcessSeconds: Double(options.duration.nanoseconds) / 1e9,
            singleProcessCycles: options.singleProcessCycles,
            results: scenarios.flatMap { scenario in
                Strategy.allCases.map { strategy in
                    LedgerResult(scenario: scenario, strategy: strategy, runs: runs[scenario]?[strategy] ?? [])
                }
            }
        )
    }

    private func reportProgress(_ result: RunResult, run: Int, of total: Int, repetition: Int) {
        let latency = LatencySummary(nanoseconds: Array(result.latenciesPerProcess.joined()))
        let counts = result.cyclesPerProcess
        var line = "ledger [\(run)/\(total)] \(result.processes) proc, \(result.slots) slots, "
        line += "\(result.strategy.rawValue) #\(repetition): "
        line += "\(Format.count(result.throughput)) cycles/s, "
        line += "p50 \(Format.time(microseconds: latency.p50Microseconds)), "
        line += "p99 \(Format.time(microseconds: latency.p99Microseconds)), "
        line += "max \(Format.time(microseconds: latency.maxMicroseconds))"
        if counts.count > 1 {
            line += ", cycles/proc \(counts.min() ?? 0)..\(counts.max() ?? 0)"
        }
        printError(line)
        let lateMilliseconds = Double(result.latestStartNanoseconds) / 1e6
        if lateMilliseconds > 5 {
            printError("  warning: a worker started \(Format.digits(lateMilliseconds)) ms late")
        }
    }
}
