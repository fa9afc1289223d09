import Foundation
import Sandbox

/// What the model sees of one reply's executed code: each block's output, error and value, cut to a
/// length limit, with the untrusted-data markers of the templates made harmless inside it.
enum ExecutionOutput {
    static func describe(_ result: ExecutionResult) -> String {
        var parts: [String] = []
        if !result.stdout.isEmpty { parts.append(result.stdout) }
        if !result.stderr.isEmpty { parts.append("stderr:\n" + result.stderr) }
        if let value = result.value { parts.append("value: " + value) }
        if let error = result.error {
            parts.append(error.traceback.isEmpty ? "\(error.type): \(error.message)" : error.traceback)
        }
        if let answer = result.finalAnswer { parts.append("FINAL: " + answer) }
        return parts.isEmpty ? "(no output)" : parts.joined(separator: "\n")
    }

    /// The outputs of a reply's blocks, numbered when there are several, cut to `limit` characters.
    static func combine(_ outputs: [String], limit: Int) -> String {
        let text =
            outputs.count == 1
            ? outputs[0]
            : outputs.enumerated().map { "[block \($0.offset + 1) of \(outputs.count)]\n\($0.element)" }
                .joined(separator: "\n\n")
        return neutralizeMarkers(truncate(text, limit: limit))
    }

    static func truncate(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit))
            + "\n[output cut: \(text.count - limit) more characters; print less, or slices of it]"
    }

    /// A document cannot end the untrusted section early by containing its closing marker.
    static func neutralizeMarkers(_ text: String) -> String {
        text.replacingOccurrences(of: "</untrusted-", with: "<\\/untrusted-")
    }
}
