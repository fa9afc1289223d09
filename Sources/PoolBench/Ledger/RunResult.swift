/// One measured run: one database, one strategy, one or more processes.
struct RunResult {
    var processes: Int
    var slots: Int
    var strategy: Strategy
    /// Each process's cycle latencies in nanoseconds.
    var latenciesPerProcess: [[Int64]]
    /// From the common start to the end of the last cycle.
    var elapsedNanoseconds: Int64
    /// How late the latest process began its first cycle after the common start.
    var latestStartNanoseconds: Int64

    var totalCycles: Int { latenciesPerProcess.reduce(0) { $0 + $1.count } }
    var cyclesPerProcess: [Int] { latenciesPerProcess.map(\.count) }

    var throughput: Double {
        Double(totalCycles) / (Double(elapsedNanoseconds) / 1e9)
    }
}
