/// Percentiles of one workload's cycles (nearest rank), in microseconds, with the cycles themselves in
/// the order they ran.
struct CycleLatencies: Codable {
    var count: Int
    var p50Microseconds: Double
    var p90Microseconds: Double
    var maxMicroseconds: Double
    var microseconds: [Double]

    init(microseconds: [Double]) {
        let sorted = microseconds.sorted()
        func percentile(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((fraction * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        count = sorted.count
        p50Microseconds = percentile(0.50)
        p90Microseconds = percentile(0.90)
        maxMicroseconds = sorted.last ?? 0
        self.microseconds = microseconds
    }
}
