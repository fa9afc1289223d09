import Glibc

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
            let bounds = "\(range.lowerBound) to \(range.upperBound)"
            throw UsageError("\(flag) takes a whole number from \(bounds) (got '\(text)')")
        }
        return number
    }

    mutating func double(for flag: String) throws -> Double {
        let text = try value(for: flag)
        guard let number = Double(text), number.isFinite else {
            throw UsageError("\(flag) takes a number (got '\(text)')")
        }
        return number
    }

    /// A comma-separated list whose every item `convert` accepts.
    mutating func list<T>(for flag: String, _ convert: (String) -> T?) throws -> [T] {
        let text = try value(for: flag)
        let items = text.split(separator: ",").map { convert(String($0)) }
        guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else {
            throw UsageError("\(flag): cannot read the list '\(text)'; see the usage below")
        }
        return items.compactMap { $0 }
    }

    mutating func existingFolder(for flag: String) throws -> String {
        let path = try value(for: flag)
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw UsageError("\(flag): there is no folder \(path)")
        }
        return path
    }
}

func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}

func isExecutable(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
}
