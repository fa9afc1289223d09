/// The runs of one scenario with one strategy: throughput and latency percentiles per run (median and
/// range over the runs, in run order so that runs of the two strategies pair up), latencies pooled over
/// all runs, and fairness as the fewest and most cycles any one process did in a run.
struct LedgerResult: Codable {
    var processes: Int
    var slots: Int
    var strategy: Strategy
    var runs: Int
    var totalCycles: Int
    /// Cycles per second, all processes together.
    var throughput: Spread
    var p50Microseconds: Spread
    var p99Microseconds: Spread
    var maxMicroseconds: Spread
    /// Every cycle of every run together.
    var pooledLatency: LatencySummary
    /// Only for multi-process runs, whose processes all ran for the same time.
    var minCyclesPerProcess: Int?
    var maxCyclesPerProcess: Int?
    var cyclesPerProcessPerRun: [[Int]]

    init(scenario: LedgerScenario, strategy: Strategy, runs: [RunResult]) {
        processes = scenario.processes
        slots = scenario.slots
        self.strategy = strategy
        self.runs = runs.count
        totalCycles = runs.reduce(0) { $0 + $1.totalCycles }
        throughput = Spread(runs.map(\.throughput))
        let perRun = runs.map { LatencySummary(nanoseconds: Array($0.latenciesPerProcess.joined())) }
        p50Microseconds = Spread(perRun.map(\.p50Microseconds))
        p99Microseconds = Spread(perRun.map(\.p99Microseconds))
        maxMicroseconds = Spread(perRun.map(\.maxMicroseconds))
        pooledLatency = LatencySummary(nanoseconds: runs.flatMap { $0.latenciesPerProcess.joined() })
        cyclesPerProcessPerRun = runs.map(\.cyclesPerProcess)
        let counts = cyclesPerProcessPerRun.joined()
        minCyclesPerProcess = scenario.isSingleProcess ? nil : counts.min()
        maxCyclesPerProcess = scenario.isSingleProcess ? nil : counts.max()
    }

    var tableRow: [String] {
        [
            "\(processes)", "\(slots)", strategy.rawValue, Format.count(throughput), Format.time(p50Microseconds),
            Format.time(p99Microseconds), Format.time(maxMicroseconds),
            minCyclesPerProcess.map { "\($0)..\(maxCyclesPerProcess ?? $0)" } ?? "-",
        ]
    }

    static let tableTitles = ["procs", "slots", "busy strategy", "cycles/s", "p50", "p99", "max", "cycles/proc"]
}
