import ArgumentParser
import SheshaCommandLine

/// A size as people type it: `512m`, `2g`, `64k`, or a bare number of bytes.
struct ByteSize: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let bytes: Int64
    let description: String

    init?(argument: String) {
        let units: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]
        var number = Substring(argument.lowercased())
        if number.hasSuffix("b") { number = number.dropLast() }
        var scale: Int64 = 1
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Int64(number), value > 0, value <= Int64.max / scale else { return nil }
        bytes = value * scale
        description = argument
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
