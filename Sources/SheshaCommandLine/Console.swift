import Foundation
import Glibc

/// stdout carries results only; messages and progress go to stderr.
public enum Console {
    public static func output(_ text: String) {
        write(text + "\n", to: STDOUT_FILENO)
    }

    public static func error(_ text: String) {
        write("shesha-pool: " + text + "\n", to: STDERR_FILENO)
    }

    public static func message(_ text: String) {
        write(text + "\n", to: STDERR_FILENO)
    }

    /// Passes on text as it is (a sandbox's own output), with no prefix and no added newline.
    public static func passOutput(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    public static func passError(_ text: String) {
        write(text, to: STDERR_FILENO)
    }

    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress reporter that redraws one line on a terminal and prints nothing on a pipe.
    public static func progress(_ label: String) -> @Sendable (Int, Int) -> Void {
        guard stderrIsTerminal else { return { _, _ in } }
        return { done, total in
            let end = done == total ? "\n" : ""
            write("\r\(label) \(done)/\(total)\(end)", to: STDERR_FILENO)
        }
    }

    /// Writes all of `text`. A stream that cannot take it (closed, or past a file size limit) loses the text
    /// but does not stop the command, whose exit status still tells what happened; FileHandle.write traps.
    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
