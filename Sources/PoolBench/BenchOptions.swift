/// The parent's settings, from the command line.
struct BenchOptions {
    var isQuick = false
    var jsonPath: String?
    var duration: Duration = .seconds(3)
    var repetitions = 3
    var processCounts = [8, 16]
    var singleProcessCycles = 2_000
    var warmUpCycles = 200
    var includesHalfSlots = true
    var workFolder: String?

    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var options = BenchOptions()
        var reader = ArgumentReader(arguments)
        // --quick changes the defaults; explicit flags win whatever their order.
        if arguments.contains("--quick") {
            options.isQuick = true
            options.duration = .milliseconds(1_500)
            options.repetitions = 2
        }
        while let flag = reader.next() {
            switch flag {
            case "--quick":
                break
            case "--json":
                options.jsonPath = try reader.value(for: flag)
            case "--duration":
                let seconds = try reader.double(for: flag)
                guard seconds > 0, seconds <= 600 else {
                    throw UsageError("--duration takes seconds between 0 and 600 (got \(seconds))")
                }
                options.duration = .milliseconds(Int64(seconds * 1_000))
            case "--repetitions":
                options.repetitions = try reader.integer(for: flag, in: 1...20)
            case "--processes":
                options.processCounts = try reader.integerList(for: flag, in: 2...256)
            case "--cycles":
                options.singleProcessCycles = try reader.integer(for: flag, in: 1...10_000_000)
            case "--no-half-slots":
                options.includesHalfSlots = false
            case "--work-dir":
                options.workFolder = try reader.value(for: flag)
            default:
                throw UsageError("unknown option '\(flag)'")
            }
        }
        return options
    }
}

/// Walks the arguments, turning missing or malformed values into usage errors that name the flag.
struct ArgumentReader {
    private var remaining: ArraySlice<String>

    init(_ arguments: [String]) {
        remaining = arguments[...]
    }

    mutating func next() -> String? {
        remaining.popFirst()
    }

    mutating func value(for flag: String) throws -> String {
        guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
            throw UsageError("\(flag) needs a value")
        }
        return value
    }

    mutating func integer(for flag: String, in range: ClosedRange<Int>) throws -> Int {
        let text = try value(for: flag)
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(flag) takes a whole number from \(range.lowerBound) to \(range.upperBound) (got '\(text)')")
        }
        return number
    }

    mutating func integerList(for flag: String, in range: ClosedRange<Int>) throws -> [Int] {
        let text = try value(for: flag)
        let numbers = text.split(separator: ",").map { Int($0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0.map(range.contains) == true }) else {
            throw UsageError(
                "\(flag) takes comma-separated whole numbers from \(range.lowerBound) to \(range.upperBound) (got '\(text)')"
            )
        }
        return numbers.compactMap { $0 }
    }

    mutating func double(for flag: String) throws -> Double {
        let text = try value(for: flag)
        guard let number = Double(text), number.isFinite else {
            throw UsageError("\(flag) takes a number (got '\(text)')")
        }
        return number
    }
}
