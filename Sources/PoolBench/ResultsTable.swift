/// The results as a plain-text table, one row per scenario and strategy.
enum ResultsTable {
    private struct Column: Sendable {
        var title: String
        var width: Int
        var alignsLeft = false
        var value: @Sendable (ScenarioResult) -> String
    }

    private static let columns: [Column] = [
        Column(title: "procs", width: 5) { "\($0.processes)" },
        Column(title: "slots", width: 5) { "\($0.slots)" },
        Column(title: "strategy", width: 14, alignsLeft: true) { $0.strategy.rawValue },
        Column(title: "runs", width: 4) { "\($0.runs)" },
        Column(title: "cycles/s", width: 9) { format($0.throughputPerSecond, decimals: 0) },
        Column(title: "p50 µs", width: 8) { format($0.latency.p50Microseconds, decimals: 0) },
        Column(title: "p99 µs", width: 8) { format($0.latency.p99Microseconds, decimals: 0) },
        Column(title: "max µs", width: 9) { format($0.latency.maxMicroseconds, decimals: 0) },
        Column(title: "min/proc", width: 8) { $0.minCyclesPerProcess.map(String.init) ?? "-" },
        Column(title: "max/proc", width: 8) { $0.maxCyclesPerProcess.map(String.init) ?? "-" },
    ]

    static func render(_ results: [ScenarioResult]) -> String {
        var lines = [row(columns.map(\.title))]
        lines.append(String(repeating: "-", count: lines[0].count))
        for result in results {
            lines.append(row(columns.map { $0.value(result) }))
        }
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        zip(columns, cells).map { column, cell in
            let padding = String(repeating: " ", count: max(0, column.width - cell.count))
            return column.alignsLeft ? cell + padding : padding + cell
        }.joined(separator: "  ")
    }

    static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }
}
