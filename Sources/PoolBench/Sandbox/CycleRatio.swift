/// One workload's percentiles over another's (p50 over p50, p90 over p90, max over max).
struct CycleRatio: Codable {
    var p50: Double
    var p90: Double
    var max: Double

    init(_ numerator: CycleLatencies, over denominator: CycleLatencies) {
        func ratio(_ top: Double, _ bottom: Double) -> Double { bottom == 0 ? 0 : top / bottom }
        p50 = ratio(numerator.p50Microseconds, denominator.p50Microseconds)
        p90 = ratio(numerator.p90Microseconds, denominator.p90Microseconds)
        max = ratio(numerator.maxMicroseconds, denominator.maxMicroseconds)
    }
}
