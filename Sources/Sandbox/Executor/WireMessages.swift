import Foundation
import PoolCore

/// What the host sends the runner: one JSON object per line (Runner/RunnerProtocol.md). Requests that act
/// carry the sender's lease token, which the runner checks against the highest it has seen; one without
/// (from an executor that only pings) is refused.
enum HostMessage: Encodable {
    case ping
    case setup(context: [String], token: FencingToken?)
    case reset(token: FencingToken?)
    case execute(code: String, token: FencingToken?)
    case llmAnswer(String)
    case llmError(String)
    /// The answers to an `llm_query_batched`, in order: each an answer or an error.
    case llmBatchAnswer([BatchItem])

    private enum Key: String, CodingKey {
        case type, context, code, answer, error, token, results
    }

    /// One answer of a batch: `answer`, or `error` when that item failed.
    struct BatchItem: Encodable {
        var answer: String?
        var error: String?
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .ping:
            try container.encode("ping", forKey: .type)
        case .setup(let context, let token):
            try container.encode("setup", forKey: .type)
            try container.encode(context, forKey: .context)
            try container.encodeIfPresent(token?.rawValue, forKey: .token)
        case .reset(let token):
            try container.encode("reset", forKey: .type)
            try container.encodeIfPresent(token?.rawValue, forKey: .token)
        case .execute(let code, let token):
            try container.encode("execute", forKey: .type)
            try container.encode(code, forKey: .code)
            try container.encodeIfPresent(token?.rawValue, forKey: .token)
        case .llmAnswer(let answer):
            try container.encode("llm_answer", forKey: .type)
            try container.encode(answer, forKey: .answer)
        case .llmError(let error):
            try container.encode("llm_answer", forKey: .type)
            try container.encode(error, forKey: .error)
        case .llmBatchAnswer(let results):
            try container.encode("llm_batch_answer", forKey: .type)
            try container.encode(results, forKey: .results)
        }
    }

    /// The message as one line, newline included.
    func line() throws(SandboxProtocolError) -> [UInt8] {
        // Encoding strings and arrays of strings does not fail; should it ever, the call fails, not the process.
        guard var bytes = (try? JSONEncoder().encode(self)).map({ [UInt8]($0) }) else {
            throw .malformedMessage("the host could not encode its own message")
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

/// What the runner sends the host.
enum RunnerMessage: Decodable {
    case pong
    case ok
    /// The runner found the host's request bad (code "bad_request").
    case error(message: String)
    /// The runner refused a request whose lease token is older than one it has seen, or missing (code
    /// "stale_lease"): the sender's lease has ended.
    case staleLease(message: String)
    case llmQuery(instruction: String, content: String)
    /// The code called `llm_query_batched`: `count` `llmQueryItem` lines follow, one per pair.
    case llmQueryBatched(count: Int)
    case llmQueryItem(instruction: String, content: String)
    /// The code called `rlm_query(question, content)`: a child query.
    case rlmQuery(question: String, content: String)
    case result(ExecutionResult)
    /// A type the protocol does not have.
    case other(type: String)

    var type: String {
        switch self {
        case .pong: "pong"
        case .ok: "ok"
        case .error, .staleLease: "error"
        case .llmQuery: "llm_query"
        case .llmQueryBatched: "llm_query_batched"
        case .llmQueryItem: "llm_query_item"
        case .rlmQuery: "rlm_query"
        case .result: "result"
        case .other(let type): type
        }
    }

    private enum Key: String, CodingKey {
        case type, code, message, instruction, content, count, question
        case status, stdout, stderr, value, error
        case finalAnswer = "final_answer"
        case finalVar = "final_var"
        case finalValue = "final_value"
        case limitHit = "limit_hit"
    }

    private enum ErrorKey: String, CodingKey {
        case type, message, traceback
    }

    /// Every field the protocol names must be present; `decode(String?.self, …)` (not `decodeIfPresent`)
    /// refuses a missing key and takes only null for "not applicable".
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "pong":
            self = .pong
        case "ok":
            self = .ok
        case "error":
            let message = try container.decode(String.self, forKey: .message)
            let code = try container.decode(String.self, forKey: .code)
            self = code == "stale_lease" ? .staleLease(message: message) : .error(message: message)
        case "llm_query":
            self = .llmQuery(
                instruction: try container.decode(String.self, forKey: .instruction),
                content: try container.decode(String.self, forKey: .content)
            )
        case "llm_query_batched":
            let count = try container.decode(Int.self, forKey: .count)
            guard count >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .count,
                    in: container,
                    debugDescription: "a negative count (\(count))"
                )
            }
            self = .llmQueryBatched(count: count)
        case "llm_query_item":
            self = .llmQueryItem(
                instruction: try container.decode(String.self, forKey: .instruction),
                content: try container.decode(String.self, forKey: .content)
            )
        case "rlm_query":
            self = .rlmQuery(
                question: try container.decode(String.self, forKey: .question),
                content: try container.decode(String.self, forKey: .content)
            )
        case "result":
            var exception: ExecutionResult.PythonException?
            if try !container.decodeNil(forKey: .error) {
                let error = try container.nestedContainer(keyedBy: ErrorKey.self, forKey: .error)
                exception = ExecutionResult.PythonException(
                    type: try error.decode(String.self, forKey: .type),
                    message: try error.decode(String.self, forKey: .message),
                    traceback: try error.decode(String.self, forKey: .traceback)
                )
            }
            self = .result(
                ExecutionResult(
                    status: try container.decode(ExecutionResult.Status.self, forKey: .status),
                    stdout: try container.decode(String.self, forKey: .stdout),
                    stderr: try container.decode(String.self, forKey: .stderr),
                    value: try container.decode(String?.self, forKey: .value),
                    error: exception,
                    finalAnswer: try container.decode(String?.self, forKey: .finalAnswer),
                    finalVar: try container.decode(String?.self, forKey: .finalVar),
                    finalValue: try container.decode(String?.self, forKey: .finalValue),
                    limitHit: try container.decode(Bool.self, forKey: .limitHit)
                )
            )
        default:
            self = .other(type: type)
        }
    }

    /// Reads one line (already checked to be UTF-8).
    static func parse(_ line: String) throws(SandboxProtocolError) -> RunnerMessage {
        do {
            return try JSONDecoder().decode(RunnerMessage.self, from: Data(line.utf8))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw .invalidJSON(context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        } catch let error as DecodingError {
            throw .malformedMessage(Self.explain(error))
        } catch {
            throw .malformedMessage("\(error)")
        }
    }

    /// "missing field 'stdout'" rather than DecodingError's dump.
    private static func explain(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the message" : "field '" + codingPath.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '"
                + (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
                + "'"
        case .typeMismatch(_, let context):
            return "\(path(context.codingPath)) has the wrong type: \(context.debugDescription)"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) is null: \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
