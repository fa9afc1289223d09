import Foundation
import PoolCore
import Sandbox

/// Answers questions about documents the way a recursive language model does: the model writes Python
/// that explores the documents (`context`) in a sandbox and asks sub-questions with `llm_query` (one at a
/// time), `llm_query_batched` (several at once) and `rlm_query` (a child query with a sandbox of its own),
/// until the code calls `FINAL` or `FINAL_VAR`.
///
/// With a pool, each query leases one warm sandbox and gives it back (reset) afterwards, whatever
/// happens; without one, each query starts and stops its own. Child queries lease from the same pool
/// without waiting, since their ancestors may hold every slot.
public struct RLMEngine: Sendable {
    public let options: RLMEngineOptions
    let client: any ChatCompleting
    let prompts: PromptTemplates
    /// The client's model's price, when the options have one.
    let price: ModelPrice?

    /// - Parameter client: what answers the chats; by default an `LLMClient` made from the options.
    public init(options: RLMEngineOptions, client: (any ChatCompleting)? = nil) throws {
        try options.validate()
        self.options = options
        self.prompts = try PromptTemplates(overrideFolder: options.promptsFolder)
        let client = try client ?? Self.defaultClient(options)
        self.client = client
        self.price = client.modelName.flatMap { options.prices?[$0] }
        if options.limits.maxCost != nil, price == nil {
            throw RLMError.invalidOption(
                "a cost limit needs the price of model '\(client.modelName ?? "unknown")'; add it to the prices "
                    + "(a price file: {\"\(client.modelName ?? "model")\": {\"input\": USD, \"output\": USD}} per "
                    + "million tokens)"
            )
        }
    }

    /// Runs the loop until executed code gives a final answer, or `maxIterations` replies have passed or a
    /// limit is reached (a `.noAnswer` outcome). Throws what the LLM client or the sandbox threw; the
    /// sandbox is given back (or stopped) first. `onProgress` hears each trace step as it happens.
    public func query(
        documents: [String],
        question: String,
        onProgress: (@Sendable (TraceStep) -> Void)? = nil
    ) async throws -> QueryResult {
        try await traced(onProgress: onProgress) { run in
            try await run.answer(documents: documents, question: question)
        }
    }

    /// Runs a top query's `body` with a fresh budget and trace, and collects its result.
    func traced(
        onProgress: (@Sendable (TraceStep) -> Void)?,
        _ body: (QueryRun) async throws -> QueryResult.Outcome
    ) async throws -> QueryResult {
        let started = ContinuousClock.now
        let file = try options.traceFolder.map { try TraceFile(folder: $0) }
        let recorder = TraceRecorder(file: file, onProgress: onProgress)
        let run = QueryRun(engine: self, budget: makeBudget(), recorder: recorder, depth: 1)
        let outcome: QueryResult.Outcome
        do {
            outcome = try await body(run)
        } catch {
            try? await recorder.record(.error, "\(error)", in: TraceScope(depth: 1))
            throw error
        }
        return QueryResult(
            outcome: outcome,
            trace: await recorder.steps,
            tokenUsage: await recorder.usage,
            executionTime: .now - started,
            traceFile: file?.path
        )
    }

    func makeBudget() -> QueryBudget {
        QueryBudget(limits: options.limits, price: price)
    }

    /// A holder name unique to this query: the process and a random part.
    public static func holderName() -> String {
        "rlm-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    private static func defaultClient(_ options: RLMEngineOptions) throws -> any ChatCompleting {
        try LLMClient(
            options: LLMClientOptions.fromEnvironment(
                baseURL: options.baseURL,
                model: options.model,
                apiKey: options.apiKey
            )
        )
    }
}
