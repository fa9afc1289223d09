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
    case invalidPriceFile(path: String, reason: String)
    /// A limit ended the query: which one, and what was spent. `query` turns it into `.noAnswer`.
    case limitReached(String)
    /// The code called `rlm_query` at the deepest level `maxDepth` allows; raised inside the sandbox.
    case depthExceeded(maxDepth: Int)
    /// A child query found the pool exhausted and `childSandbox` is `.fail`; raised inside the sandbox.
    case noSandboxForChild(pool: String)
    /// A child query ended without a final answer; raised inside the parent's sandbox.
    case childNoAnswer(reason: String)
    /// A session's sandbox no longer holds what the session put there (its code replaced `context`).
    case sessionBroken(String)
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
        case .invalidPriceFile(let path, let reason):
            return "the price file \(path) cannot be used: \(reason)"
        case .limitReached(let reason):
            return reason
        case .depthExceeded(let maxDepth):
            return "rlm_query is not allowed here: the query depth limit is \(maxDepth) (a query at depth "
                + "\(maxDepth) cannot start a child); use llm_query, or raise --max-depth"
        case .noSandboxForChild(let pool):
            return "rlm_query found no free sandbox in pool '\(pool)' and the engine may not start one of its own "
                + "(childSandbox is fail); use llm_query, or raise the pool's --max-size"
        case .childNoAnswer(let reason):
            return "the child query ended without an answer: \(reason)"
        case .sessionBroken(let reason):
            return "the session's sandbox cannot go on: \(reason); end the session and start a new one"
        }
    }

    public var errorDescription: String? { description }
}
