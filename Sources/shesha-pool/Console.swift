import Foundation

/// stdout carries results only; messages and progress go to stderr.
enum Console {
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("shesha-pool: " + text + "\n").utf8))
    }

    static func message(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress reporter that redraws one line on a terminal and prints nothing on a pipe.
    static func progress(_ label: String) -> @Sendable (Int, Int) -> Void {
        guard stderrIsTerminal else { return { _, _ in } }
        return { done, total in
            let end = done == total ? "\n" : ""
            FileHandle.standardError.write(Data("\r\(label) \(done)/\(total)\(end)".utf8))
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
