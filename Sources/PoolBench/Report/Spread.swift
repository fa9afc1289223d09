/// One figure measured once per repetition: the median and the range over the repetitions, with the
/// values themselves (in the order the repetitions ran).
struct Spread: Codable {
    var median: Double
    var min: Double
    var max: Double
    var values: [Double]

    init(_ values: [Double]) {
        let sorted = values.sorted()
        self.values = values
        min = sorted.first ?? 0
        max = sorted.last ?? 0
        if sorted.isEmpty {
            median = 0
        } else if sorted.count % 2 == 1 {
            median = sorted[sorted.count / 2]
        } else {
            median = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    /// Ratios of values measured in the same repetition (`numerators[i] / denominators[i]`), so a slow
    /// moment of a shared machine weighs on both sides of each ratio alike.
    static func ratios(_ numerators: [Double], _ denominators: [Double]) -> Spread {
        Spread(zip(numerators, denominators).map { $1 == 0 ? 0 : $0 / $1 })
    }

    func map(_ transform: (Double) -> Double) -> Spread {
        Spread(values.map(transform))
    }
}
