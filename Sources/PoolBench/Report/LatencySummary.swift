/// Percentiles of a set of latencies (nearest rank), in microseconds.
struct LatencySummary: Codable {
    var count: Int
    var p50Microseconds: Double
    var p99Microseconds: Double
    var p999Microseconds: Double
    var maxMicroseconds: Double

    init(nanoseconds latencies: [Int64]) {
        let sorted = latencies.sorted()
        func percentile(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((fraction * Double(sorted.count)).rounded(.up))
            return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1_000
        }
        count = sorted.count
        p50Microseconds = percentile(0.50)
        p99Microseconds = percentile(0.99)
        p999Microseconds = percentile(0.999)
        maxMicroseconds = Double(sorted.last ?? 0) / 1_000
    }
}
