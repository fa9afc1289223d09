public import Sandbox

/// How an `RLMEngine` answers: which model, the loop's limits, where prompts and traces live, and where
/// its code runs.
public struct RLMEngineOptions: Sendable {
    /// The LLM client's settings; nil falls back to `SHESHA_LLM_MODEL`, `OPENAI_API_KEY`, `SHESHA_LLM_BASE_URL`.
    public var model: String?
    public var apiKey: String?
    public var baseURL: String?
    /// Model replies per query before it ends with no answer.
    public var maxIterations: Int
    /// The most characters of code output the model sees per reply.
    public var maxOutputChars: Int
    /// How long one code block may run (not counting the sub-calls it waits for).
    public var executionTimeout: Duration
    /// The longest `content` one `llm_query` may send; longer content is refused inside the sandbox.
    public var maxSubcallContentChars: Int
    /// A folder whose `system.md`, `first_turn.md`, `execution_output.md` or `subcall.md` replace the
    /// embedded templates.
    public var promptsFolder: String?
    /// The warm sandboxes to lease one from per query; nil starts and stops a sandbox per query.
    public var pool: ContainerPool?
    /// A folder to write each query's trace to, as JSON Lines, while it runs.
    public var traceFolder: String?
    /// The isolation of the sandbox started per query when there is no pool.
    public var sandboxIsolation: any SandboxIsolation
    /// The limits of the sandbox started per query when there is no pool.
    public var sandboxLimits: SandboxLimits
    /// Where the per-query sandbox's folder is made; it must be enterable by other users when running as
    /// root (the sandbox runs unprivileged). Default: the system's temporary folder.
    public var sandboxParentFolder: String?
    /// How many calls of one `llm_query_batched` run at once.
    public var maxConcurrentSubcalls: Int
    /// How deep queries may nest: 1 (the default) makes `rlm_query` raise an error; 2 lets the top query
    /// start child queries, and so on.
    public var maxDepth: Int
    /// What a child query does when the pool has no free sandbox (it never waits for one: its ancestors
    /// may hold them all).
    public var childSandbox: ChildSandboxPolicy
    /// Tokens, cost, time and consecutive errors; none by default.
    public var limits: QueryLimits
    /// Prices per model, for the trace's costs and `limits.maxCost`.
    public var prices: ModelPrices?

    public init(
        model: String? = nil,
        apiKey: String? = nil,
        baseURL: String? = nil,
        maxIterations: Int = 20,
        maxOutputChars: Int = 50_000,
        executionTimeout: Duration = .seconds(30),
        maxSubcallContentChars: Int = 500_000,
        promptsFolder: String? = nil,
        pool: ContainerPool? = nil,
        traceFolder: String? = nil,
        sandboxIsolation: any SandboxIsolation = BwrapIsolation(),
        sandboxLimits: SandboxLimits = ContainerConfig.defaultLimits,
        sandboxParentFolder: String? = nil,
        maxConcurrentSubcalls: Int = 4,
        maxDepth: Int = 1,
        childSandbox: ChildSandboxPolicy = .throwaway,
        limits: QueryLimits = QueryLimits(),
        prices: ModelPrices? = nil
    ) {
        self.model = model
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.maxIterations = maxIterations
        self.maxOutputChars = maxOutputChars
        self.executionTimeout = executionTimeout
        self.maxSubcallContentChars = maxSubcallContentChars
        self.promptsFolder = promptsFolder
        self.pool = pool
        self.traceFolder = traceFolder
        self.sandboxIsolation = sandboxIsolation
        self.sandboxLimits = sandboxLimits
        self.sandboxParentFolder = sandboxParentFolder
        self.maxConcurrentSubcalls = maxConcurrentSubcalls
        self.maxDepth = maxDepth
        self.childSandbox = childSandbox
        self.limits = limits
        self.prices = prices
    }

    func validate() throws(RLMError) {
        guard maxIterations >= 1 else {
            throw .invalidOption("maxIterations must be at least 1 (got \(maxIterations))")
        }
        guard maxOutputChars >= 1 else {
            throw .invalidOption("maxOutputChars must be at least 1 (got \(maxOutputChars))")
        }
        guard maxSubcallContentChars >= 1 else {
            throw .invalidOption("maxSubcallContentChars must be at least 1 (got \(maxSubcallContentChars))")
        }
        guard executionTimeout > .zero else { throw .invalidOption("executionTimeout must be longer than 0") }
        guard maxConcurrentSubcalls >= 1 else {
            throw .invalidOption("maxConcurrentSubcalls must be at least 1 (got \(maxConcurrentSubcalls))")
        }
        guard maxDepth >= 1 else { throw .invalidOption("maxDepth must be at least 1 (got \(maxDepth))") }
        try limits.validate()
    }
}

/// Where a child query's sandbox comes from when the pool has none free.
public enum ChildSandboxPolicy: String, CaseIterable, Sendable {
    /// Start a sandbox for the child and stop it afterwards.
    case throwaway
    /// Raise an error in the parent's code.
    case fail
}
