import Foundation

/// Everything a bench run produced, as written with --json.
struct BenchReport: Codable {
    var mode: String
    var cpus: Int
    var sqliteVersion: String
    /// 1-minute load averages when the bench began and ended.
    var loadAverageBefore: Double?
    var loadAverageAfter: Double?
    var durationSeconds: Double
    var repetitions: Int
    var singleProcessCycles: Int
    var results: [ScenarioResult]

    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(filePath: path))
    }

    var heading: String {
        """
        shesha-pool ledger benchmark (\(mode)): \(cpus) CPUs, SQLite \(sqliteVersion), \
        load average \(show(loadAverageBefore)) before, \(show(loadAverageAfter)) after
        multi-process runs of \(durationSeconds) s, \(repetitions) per strategy, interleaved; \
        single process: \(singleProcessCycles) cycles
        one cycle = Pool.acquire + Pool.release (with reset) on a no-op backend; latencies per cycle
        """
    }

    private func show(_ load: Double?) -> String {
        load.map { ResultsTable.format($0, decimals: 2) } ?? "unknown"
    }
}
