/// One item of a batched sub-call from the code, `llm_query_batched([(instruction, content), ...])`.
public struct LLMQueryPair: Hashable, Sendable {
    public var instruction: String
    public var content: String

    public init(instruction: String, content: String) {
        self.instruction = instruction
        self.content = content
    }
}

extension ContainerExecutor {
    /// Answers an `llm_query_batched(pairs)` from the code: one result per pair, in the pairs' order. A
    /// failed item becomes an `LLMQueryError` in its own place inside the code; the others stand.
    public typealias BatchedLLMQueryHandler = @Sendable ([LLMQueryPair]) async -> [Result<String, any Error>]

    /// Answers an `rlm_query(question, content)` from the code (a child query); a thrown error raises
    /// RuntimeError with its description inside the code.
    public typealias RLMQueryHandler = @Sendable (_ question: String, _ content: String) async throws -> String
}
