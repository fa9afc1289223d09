/// One message of a chat completion request.
public struct ChatMessage: Codable, Hashable, Sendable {
    public enum Role: String, Codable, Sendable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// Tokens one or more LLM calls used.
public struct TokenUsage: Codable, Hashable, Sendable {
    public var prompt: Int
    public var completion: Int
    public var total: Int

    public init(prompt: Int = 0, completion: Int = 0, total: Int? = nil) {
        self.prompt = prompt
        self.completion = completion
        self.total = total ?? prompt + completion
    }

    public static func + (left: TokenUsage, right: TokenUsage) -> TokenUsage {
        TokenUsage(prompt: left.prompt + right.prompt, completion: left.completion + right.completion,
                   total: left.total + right.total)
    }
}

/// A model's reply and what it cost.
public struct ChatCompletion: Hashable, Sendable {
    public var content: String
    public var usage: TokenUsage

    public init(content: String, usage: TokenUsage) {
        self.content = content
        self.usage = usage
    }
}

/// Anything that answers a chat: `LLMClient` over HTTP, in production and in the tests (against a scripted
/// server on 127.0.0.1).
public protocol ChatCompleting: Sendable {
    func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion
    /// The model the chats go to, for pricing; nil when unknown.
    var modelName: String? { get }
}

extension ChatCompleting {
    public var modelName: String? { nil }
}
