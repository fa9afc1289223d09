/// How a query ended and what it took.
public struct QueryResult: Sendable {
    public enum Outcome: Hashable, Sendable {
        /// Executed code called `FINAL` or `FINAL_VAR`.
        case answered(String)
        /// The loop ended without a final answer, for `reason`: the iteration count, or a limit (which
        /// the reason names, with what was spent).
        case noAnswer(reason: String)
    }

    public var outcome: Outcome
    public var trace: [TraceStep]
    /// All LLM calls of the query: the main loop's and the sub-calls'.
    public var tokenUsage: TokenUsage
    public var executionTime: Duration
    /// The JSON Lines file the trace was written to, when the options name a trace folder.
    public var traceFile: String?

    /// The final answer, or nil when there is none.
    public var answer: String? {
        if case .answered(let answer) = outcome { return answer }
        return nil
    }
}
