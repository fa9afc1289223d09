/// One thing that happened during a query, in order: the model's replies, the code they ran and its
/// output, sub-calls, the final answer, errors.
public struct TraceStep: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        /// A reply of the model in the main loop (its tokens are on this step).
        case reply
        case code
        case output
        case subcallRequest = "subcall_request"
        /// A sub-call's answer (its tokens are on this step).
        case subcallResponse = "subcall_response"
        case finalAnswer = "final_answer"
        case error
    }

    /// The loop's iteration, from 1; 0 before the first (setting up the sandbox).
    public var iteration: Int
    public var kind: Kind
    public var text: String
    /// The tokens the LLM call behind this step used.
    public var tokens: TokenUsage?
    /// Seconds since the query started.
    public var elapsed: Double

    public init(iteration: Int, kind: Kind, text: String, tokens: TokenUsage? = nil, elapsed: Double) {
        self.iteration = iteration
        self.kind = kind
        self.text = text
        self.tokens = tokens
        self.elapsed = elapsed
    }
}
