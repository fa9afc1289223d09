/// One thing that happened during a query, in order: the model's replies, the code they ran and its
/// output, sub-calls, child queries, the final answer, errors, a limit reached.
public struct TraceStep: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        /// A reply of the model in the main loop (its tokens are on this step).
        case reply
        case code
        case output
        case subcallRequest = "subcall_request"
        /// A sub-call's answer (its tokens are on this step).
        case subcallResponse = "subcall_response"
        /// The code called `llm_query_batched`; its items follow as sub-call steps.
        case batch
        /// The code called `rlm_query`; the child's steps follow, one level deeper.
        case childQuery = "child_query"
        /// What a child query gave back to its parent's code.
        case childAnswer = "child_answer"
        case finalAnswer = "final_answer"
        case error
        /// A limit ended the query; the text names it and what was spent.
        case limit
    }

    /// How deep the query this step belongs to is: 1 for the top query, 2 for its child queries...
    public var depth: Int
    /// The loop's iteration in that query, from 1; 0 before the first.
    public var iteration: Int
    public var kind: Kind
    public var text: String
    /// The tokens the LLM call behind this step used.
    public var tokens: TokenUsage?
    /// What those tokens cost in US dollars, when the model has a price.
    public var cost: Double?
    /// Seconds from the start of the top query to the start of this step.
    public var started: Double
    /// Seconds the step took (an LLM call, a code block, a child query); 0 for a mere event.
    public var duration: Double

    public init(
        depth: Int = 1,
        iteration: Int,
        kind: Kind,
        text: String,
        tokens: TokenUsage? = nil,
        cost: Double? = nil,
        started: Double,
        duration: Double = 0
    ) {
        self.depth = depth
        self.iteration = iteration
        self.kind = kind
        self.text = text
        self.tokens = tokens
        self.cost = cost
        self.started = started
        self.duration = duration
    }
}
