public import Foundation

/// A trace drawn for the terminal: each query's iterations indented under it, with the code, output
/// excerpts, sub-calls and child queries (one level deeper) beneath, each with its time, tokens and cost,
/// and the totals at the end.
public enum TraceTree {
    /// Reads a JSON Lines trace as the engine writes it; throws `TraceFileError` naming the line at fault.
    public static func read(contentsOfFile path: String) throws(TraceFileError) -> [TraceStep] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        var steps: [TraceStep] = []
        let decoder = JSONDecoder()
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let step = try? decoder.decode(TraceStep.self, from: Data(line.utf8)) else {
                throw .malformedLine(path: path, line: index + 1)
            }
            steps.append(step)
        }
        return steps
    }

    /// The tree, one line per step, excerpts cut to `width` characters.
    public static func render(_ steps: [TraceStep], width: Int = 100) -> String {
        var lines: [String] = []
        var shownIteration: [Int: Int] = [:]
        for step in steps {
            let indent = String(repeating: " ", count: 4 * (step.depth - 1))
            if step.iteration > 0, shownIteration[step.depth] != step.iteration {
                shownIteration[step.depth] = step.iteration
                lines.append(indent + "iteration \(step.iteration)" + (step.depth > 1 ? " (depth \(step.depth))" : ""))
            }
            if step.kind == .childQuery { shownIteration[step.depth + 1] = nil }
            let body = indent + (step.iteration > 0 ? "  " : "") + label(step) + excerpt(step.text, width: width)
            lines.append(body + measures(step))
        }
        lines.append(totals(steps))
        return lines.joined(separator: "\n")
    }

    private static func label(_ step: TraceStep) -> String {
        switch step.kind {
        case .reply: "reply: "
        case .code: "code: "
        case .output: "output: "
        case .subcallRequest: "llm_query: "
        case .subcallResponse: "llm_query answered: "
        case .batch: ""
        case .childQuery: "rlm_query: "
        case .childAnswer: "rlm_query answered: "
        case .finalAnswer: "FINAL: "
        case .error: "error: "
        case .limit: "limit: "
        }
    }

    /// The first line of `text`, cut to `width`, and how many lines follow.
    static func excerpt(_ text: String, width: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return "(empty)" }
        let cut = first.count > width ? first.prefix(width) + "…" : first
        return String(cut) + (lines.count > 1 ? " (+\(lines.count - 1) lines)" : "")
    }

    private static func measures(_ step: TraceStep) -> String {
        var parts: [String] = []
        if step.duration > 0 { parts.append(seconds(step.duration)) }
        if let tokens = step.tokens { parts.append("\(tokens.prompt)+\(tokens.completion) tokens") }
        if let cost = step.cost { parts.append(dollars(cost)) }
        return parts.isEmpty ? "" : "  [" + parts.joined(separator: ", ") + "]"
    }

    private static func totals(_ steps: [TraceStep]) -> String {
        let tokens = steps.compactMap(\.tokens).reduce(TokenUsage(), +)
        let costs = steps.compactMap(\.cost)
        let end = steps.map { $0.started + $0.duration }.max() ?? 0
        let iterations = steps.filter { $0.kind == .reply }.count
        let subcalls = steps.filter { $0.kind == .subcallResponse }.count
        let children = steps.filter { $0.kind == .childQuery }.count
        let errors = steps.filter { $0.kind == .error }.count
        return "total: \(iterations) model replies, \(subcalls) sub-calls, \(children) child queries, "
            + "\(errors) errors; \(tokens.total) tokens (\(tokens.prompt) prompt, \(tokens.completion) completion)"
            + (costs.isEmpty ? "" : ", \(dollars(costs.reduce(0, +)))") + ", \(seconds(end))"
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    static func dollars(_ value: Double) -> String { String(format: "$%.4g", value) }
}

/// Why a trace file cannot be shown.
public enum TraceFileError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedError {
    case unreadable(path: String)
    case malformedLine(path: String, line: Int)

    public var description: String {
        switch self {
        case .unreadable(let path):
            "cannot read the trace \(path); check the path and its permissions"
        case .malformedLine(let path, let line):
            "line \(line) of \(path) is not a trace step; pass a trace that `query --trace DIR` wrote"
        }
    }

    public var errorDescription: String? { description }
}
