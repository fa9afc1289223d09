/// Limits on a whole query, its sub-calls and child queries included. Each one reached ends the query
/// with `.noAnswer(reason)`, a reason that names the limit and what was spent; nil means no limit.
public struct QueryLimits: Hashable, Sendable {
    /// Tokens of all LLM calls: the main loop's, sub-calls' and child queries'.
    public var maxTokens: Int?
    /// US dollars, priced by `RLMEngineOptions.prices` for the client's model.
    public var maxCost: Double?
    /// Wall-clock time from the start of the query.
    public var maxTime: Duration?
    /// Code blocks in a row that end in an error, in one query's loop.
    public var maxErrors: Int?

    public init(maxTokens: Int? = nil, maxCost: Double? = nil, maxTime: Duration? = nil, maxErrors: Int? = nil) {
        self.maxTokens = maxTokens
        self.maxCost = maxCost
        self.maxTime = maxTime
        self.maxErrors = maxErrors
    }

    func validate() throws(RLMError) {
        if let maxTokens, maxTokens < 1 { throw .invalidOption("maxTokens must be at least 1 (got \(maxTokens))") }
        if let maxCost, !(maxCost > 0) { throw .invalidOption("maxCost must be more than 0 (got \(maxCost))") }
        if let maxTime, maxTime <= .zero { throw .invalidOption("maxTime must be longer than 0") }
        if let maxErrors, maxErrors < 1 { throw .invalidOption("maxErrors must be at least 1 (got \(maxErrors))") }
    }
}
