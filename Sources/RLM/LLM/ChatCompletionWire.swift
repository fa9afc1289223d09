/// The request body of OpenAI's POST /chat/completions.
struct ChatCompletionRequestBody: Encodable {
    var model: String
    var messages: [ChatMessage]
}

/// The parts of OpenAI's chat.completion reply the client reads; everything else is ignored.
struct ChatCompletionResponseBody: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
        }

        var message: Message
    }

    struct Usage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?
        var totalTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
    }

    var choices: [Choice]
    var usage: Usage?

    /// Usage the server reported; a server that reports none (some local ones) costs zero.
    var tokenUsage: TokenUsage {
        guard let usage else { return TokenUsage() }
        return TokenUsage(
            prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0, total: usage.totalTokens)
    }
}
