/// The runs of one scenario with one strategy, combined: latencies pooled over all runs, throughput
/// averaged over runs, fairness as the fewest and most cycles any one process did in a run.
struct ScenarioResult: Codable {
    var processes: Int
    var slots: Int
    var strategy: Strategy
    var runs: Int
    var totalCycles: Int
    /// Mean over runs of cycles per second, all processes together.
    var throughputPerSecond: Double
    var throughputPerRun: [Double]
    var latency: LatencySummary
    /// Only for multi-process runs, whose processes all ran for the same time.
    var minCyclesPerProcess: Int?
    var maxCyclesPerProcess: Int?
    var cyclesPerProcessPerRun: [[Int]]

    init(scenario: Scenario, strategy: Strategy, runs: [RunResult]) {
        processes = scenario.processes
        slots = scenario.slots
        self.strategy = strategy
        self.runs = runs.count
        totalCycles = runs.reduce(0) { $0 + $1.totalCycles }
        throughputPerRun = runs.map(\.throughput)
        throughputPerSecond = throughputPerRun.reduce(0, +) / Double(max(1, runs.count))
        latency = LatencySummary(nanoseconds: runs.flatMap { $0.latenciesPerProcess.joined() })
        cyclesPerProcessPerRun = runs.map(\.cyclesPerProcess)
        let counts = cyclesPerProcessPerRun.joined()
        minCyclesPerProcess = scenario.isSingleProcess ? nil : counts.min()
        maxCyclesPerProcess = scenario.isSingleProcess ? nil : counts.max()
    }
}
