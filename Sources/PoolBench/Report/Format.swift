import Foundation

/// How figures read in the table: durations in the unit that suits them, ratios with a ×, counts grouped.
enum Format {
    private static let units: [(name: String, microseconds: Double)] = [("s", 1e6), ("ms", 1e3), ("µs", 1)]

    /// A duration given in microseconds: 85 µs, 4.71 ms, 132 ms, 1.14 s.
    static func time(microseconds: Double) -> String {
        let unit = unit(for: microseconds)
        return digits(microseconds / unit.microseconds) + " " + unit.name
    }

    /// "132 ms (109..1135)": the median, then the range in the median's unit.
    static func time(_ spread: Spread) -> String {
        let unit = unit(for: spread.median)
        let scaled = spread.map { $0 / unit.microseconds }
        return digits(scaled.median) + " " + unit.name + " " + range(scaled, digits)
    }

    /// "3.21×", "37.5×", "412×".
    static func ratio(_ value: Double) -> String {
        digits(value) + "×"
    }

    /// "5.3× (4.1..6.0)".
    static func ratio(_ spread: Spread) -> String {
        ratio(spread.median) + " " + range(spread, digits)
    }

    /// "1,163 (1,112..1,215)".
    static func count(_ spread: Spread) -> String {
        count(spread.median) + " " + range(spread, count)
    }

    /// A whole number with thousands separated: 10,000.
    static func count(_ value: Double) -> String {
        let text = String(Int(value.rounded()))
        var grouped = ""
        for (index, character) in text.reversed().enumerated() {
            if index > 0, index % 3 == 0, character != "-" { grouped.append(",") }
            grouped.append(character)
        }
        return String(grouped.reversed())
    }

    static func count(_ value: Int) -> String {
        count(Double(value))
    }

    /// "1 run", "3 runs".
    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// Three significant figures at most, none wasted on large values: 8.52, 47.1, 471, 4710.
    static func digits(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 100 || magnitude == 0 { return String(Int(value.rounded())) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 0.01 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    private static func range(_ spread: Spread, _ show: (Double) -> String) -> String {
        spread.values.count > 1 ? "(\(show(spread.min))..\(show(spread.max)))" : ""
    }

    private static func unit(for microseconds: Double) -> (name: String, microseconds: Double) {
        units.first { abs(microseconds) >= $0.microseconds } ?? units[units.count - 1]
    }
}
