public import ArgumentParser

/// A duration as people type it: `90s`, `5m`, `2h`, `7d`, `250ms`, or a bare number of seconds.
public struct HumanDuration: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let duration: Duration
    public let description: String

    public init?(argument: String) {
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800),
        ]
        var number = Substring(argument)
        var scale = 1.0
        for unit in units where argument.hasSuffix(unit.suffix) {
            // "ms" is checked before "s", so "250ms" is not read as 250 "m" + "s".
            number = argument.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite, value * scale < 100 * 365 * 86_400 else {
            return nil
        }
        duration = .milliseconds(Int64((value * scale * 1_000).rounded()))
        description = argument
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}
