public import Foundation
public import Sandbox

/// What stopped a query, or a sub-call, inside the engine. The LLM client's own errors pass through as they are.
public enum RLMError: Error, Hashable, Sendable {
    /// `llm_query` got more content than `maxSubcallContentChars`; raised inside the sandbox, not by `query`.
    case subcallContentTooLarge(characters: Int, limit: Int)
    /// The sandbox broke the protocol or did not answer in time; it was discarded, not given back.
    case sandboxFailed(SandboxProtocolError)
    case unreadablePrompt(path: String)
    case invalidOption(String)
}

extension RLMError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .subcallContentTooLarge(let characters, let limit):
            return "llm_query content is \(characters) characters, over the limit of \(limit); split it into "
                + "chunks of at most \(limit) characters, call llm_query on each chunk and combine the answers"
        case .sandboxFailed(let error):
            return "the query's sandbox failed and was discarded: \(error)"
        case .unreadablePrompt(let path):
            return "cannot read the prompt template \(path); check its permissions"
        case .invalidOption(let message):
            return message
        }
    }

    public var errorDescription: String? { description }
}
