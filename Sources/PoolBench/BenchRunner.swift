/// The parent: runs every scenario with both strategies, interleaved, each run on a fresh database,
/// then prints the table (and writes the JSON).
struct BenchRunner {
    var options: BenchOptions

    func run() async throws {
        let work = try WorkFolder.make(given: options.workFolder)
        defer { work.removeIfTemporary() }
        let executable = try currentExecutablePath()
        let scenarios = Scenario.plan(options)
        let totalRuns = scenarios.count * options.repetitions * Strategy.allCases.count
        let loadBefore = MachineInfo.loadAverage

        var runsByScenario: [Scenario: [Strategy: [RunResult]]] = [:]
        var runNumber = 0
        for scenario in scenarios {
            for repetition in 1...options.repetitions {
                for strategy in Strategy.allCases {
                    runNumber += 1
                    let folder = try RunFolder.make(in: work.path, name: "run-\(runNumber)")
                    defer { folder.remove() }
                    let result = try await run(scenario, strategy: strategy, folder: folder, executable: executable)
                    runsByScenario[scenario, default: [:]][strategy, default: []].append(result)
                    reportProgress(result, run: runNumber, of: totalRuns, repetition: repetition)
                }
            }
        }

        let results = scenarios.flatMap { scenario in
            Strategy.allCases.map { strategy in
                ScenarioResult(scenario: scenario, strategy: strategy, runs: runsByScenario[scenario]?[strategy] ?? [])
            }
        }
        let report = BenchReport(
            mode: options.isQuick ? "quick" : "full",
            cpus: MachineInfo.cpuCount,
            sqliteVersion: MachineInfo.sqliteVersion,
            loadAverageBefore: loadBefore,
            loadAverageAfter: MachineInfo.loadAverage,
            durationSeconds: Double(options.duration.nanoseconds) / 1e9,
            repetitions: options.repetitions,
            singleProcessCycles: options.singleProcessCycles,
            results: results
        )
        print(report.heading)
        print()
        print(ResultsTable.render(results))
        if let jsonPath = options.jsonPath {
            try report.writeJSON(to: jsonPath)
            printError("wrote \(jsonPath)")
        }
    }

    private func run(
        _ scenario: Scenario, strategy: Strategy, folder: RunFolder, executable: String
    ) async throws -> RunResult {
        if scenario.isSingleProcess {
            return try await SingleProcessRun(
                folder: folder, strategy: strategy, warmUpCycles: options.warmUpCycles,
                cycles: options.singleProcessCycles
            ).run()
        }
        return try await MultiProcessRun(
            folder: folder, processes: scenario.processes, slots: scenario.slots, strategy: strategy,
            duration: options.duration, executable: executable
        ).run()
    }

    private func reportProgress(_ result: RunResult, run: Int, of total: Int, repetition: Int) {
        let latency = LatencySummary(nanoseconds: Array(result.latenciesPerProcess.joined()))
        let counts = result.cyclesPerProcess
        var line = "[\(run)/\(total)] \(result.processes) proc, \(result.slots) slots, "
        line += "\(result.strategy.rawValue) #\(repetition): "
        line += "\(ResultsTable.format(result.throughput, decimals: 0)) cycles/s, "
        line += "p50 \(ResultsTable.format(latency.p50Microseconds, decimals: 0)) µs, "
        line += "p99 \(ResultsTable.format(latency.p99Microseconds, decimals: 0)) µs, "
        line += "max \(ResultsTable.format(latency.maxMicroseconds, decimals: 0)) µs"
        if counts.count > 1 {
            line += ", cycles/proc \(counts.min() ?? 0)..\(counts.max() ?? 0)"
        }
        printError(line)
        let lateMilliseconds = Double(result.latestStartNanoseconds) / 1e6
        if lateMilliseconds > 5 {
            printError("  warning: a worker started \(ResultsTable.format(lateMilliseconds, decimals: 1)) ms late")
        }
    }
}
