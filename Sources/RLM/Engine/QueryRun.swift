import Foundation
import Sandbox

/// One query of a query tree (the top query, or a child started by `rlm_query`): its loop, its sub-calls
/// and its sandbox. All queries of a tree share one budget and one trace.
struct QueryRun: Sendable {
    let engine: RLMEngine
    let budget: QueryBudget
    let recorder: TraceRecorder
    /// 1 for the top query, 2 for its children...
    let depth: Int
    let position = LoopPosition()

    var options: RLMEngineOptions { engine.options }
    var scope: TraceScope { TraceScope(depth: depth, iteration: position.iteration) }

    /// Answers in a sandbox of its own, given back on every path.
    func answer(documents: [String], question: String) async throws -> QueryResult.Outcome {
        try await withSandbox { executor in
            try await setUp(documents, in: executor)
            return try await loop(
                question: question,
                lengths: documents.map(\.unicodeScalars.count),
                executor: executor
            )
        }
    }

    func setUp(_ documents: [String], in executor: ContainerExecutor) async throws {
        do {
            try await executor.setupContext(documents)
        } catch {
            throw RLMError.sandboxFailed(error)
        }
    }

    // MARK: The loop

    /// Asks the model about the documents already in the sandbox as `context` (their `lengths` in
    /// characters) until code gives a final answer; a limit or the iteration count ends it with no answer.
    func loop(question: String, lengths: [Int], executor: ContainerExecutor) async throws -> QueryResult.Outcome {
        do {
            return try await iterate(question: question, lengths: lengths, executor: executor)
        } catch RLMError.limitReached(let reason) {
            try await recorder.record(.limit, reason, in: scope)
            return .noAnswer(reason: reason)
        }
    }

    private func iterate(
        question: String,
        lengths: [Int],
        executor: ContainerExecutor
    ) async throws
        -> QueryResult.Outcome
    {
        let prompts = engine.prompts
        var messages = [
            ChatMessage(role: .system, content: prompts.render(.system, systemValues(lengths))),
            ChatMessage(role: .user, content: prompts.render(.firstTurn, firstTurnValues(lengths, question))),
        ]
        var errorsInARow = 0
        for iteration in 1...options.maxIterations {
            try Task.checkCancellation()
            position.begin(iteration: iteration)
            let asked = ContinuousClock.now
            let (reply, cost) = try await complete(messages)
            try await recorder.record(.reply, reply.content, in: scope, since: asked, tokens: reply.usage, cost: cost)
            // A reply that passed a limit ends the query before its code runs.
            try await budget.check()
            messages.append(ChatMessage(role: .assistant, content: reply.content))
            let blocks = CodeBlocks.extract(from: reply.content)
            guard !blocks.isEmpty else {
                messages.append(ChatMessage(role: .user, content: Self.noCodeNudge))
                continue
            }
            var outputs: [String] = []
            for code in blocks {
                try await recorder.record(.code, code, in: scope)
                let ran = ContinuousClock.now
                let result = await executor.execute(code: code, timeout: await executionTimeout())
                if result.failure != nil, await budget.isTimeUp { throw await budget.timeUp() }
                if let failure = result.failure { throw RLMError.sandboxFailed(failure) }
                let output = ExecutionOutput.describe(result)
                try await recorder.record(.output, output, in: scope, since: ran)
                if let answer = result.finalAnswer ?? result.finalValue {
                    try await recorder.record(.finalAnswer, answer, in: scope)
                    return .answered(answer)
                }
                errorsInARow = result.status == .error ? errorsInARow + 1 : 0
                if let maxErrors = options.limits.maxErrors, errorsInARow >= maxErrors {
                    throw await budget.reach("the limit of \(maxErrors) code errors in a row was reached")
                }
                try await budget.check()
                outputs.append(output)
            }
            let shown = ExecutionOutput.combine(outputs, limit: options.maxOutputChars)
            messages.append(
                ChatMessage(
                    role: .user,
                    content: prompts.render(
                        .executionOutput,
                        ["iteration": "\(iteration)", "max_iterations": "\(options.maxIterations)", "output": shown]
                    )
                )
            )
        }
        return .noAnswer(reason: "no code called FINAL or FINAL_VAR within \(options.maxIterations) iterations")
    }

    /// The code's time: `executionTimeout`, or less when the time limit is nearer.
    private func executionTimeout() async -> Duration {
        guard let remaining = await budget.remainingTime else { return options.executionTimeout }
        return max(.milliseconds(1), min(options.executionTimeout, remaining))
    }

    /// One LLM call within the budget: refused once a limit is reached, cut off when the time limit
    /// passes during it, and counted afterwards. Returns the reply and its cost when priced.
    func complete(_ messages: [ChatMessage]) async throws -> (ChatCompletion, Double?) {
        try await budget.check()
        let client = engine.client
        let completion: ChatCompletion
        if let remaining = await budget.remainingTime {
            let reply = try await withThrowingTaskGroup(of: ChatCompletion?.self) { group in
                group.addTask { try await client.complete(messages) }
                group.addTask {
                    try await Task.sleep(for: remaining)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let reply else { throw await budget.timeUp() }
            completion = reply
        } else {
            completion = try await client.complete(messages)
        }
        return (completion, await budget.charge(completion.usage))
    }

    static let noCodeNudge = """
        Your reply had no code block, so nothing ran. Write Python in a ```repl block to explore `context`, \
        and call FINAL(answer) or FINAL_VAR(name) in code when you know the answer.
        """

    private func systemValues(_ lengths: [Int]) -> [String: String] {
        [
            "document_count": "\(lengths.count)",
            "total_chars": "\(lengths.reduce(0, +))",
            "max_subcall_chars": "\(options.maxSubcallContentChars)",
            "max_output_chars": "\(options.maxOutputChars)",
            "max_concurrent_subcalls": "\(options.maxConcurrentSubcalls)",
            "rlm_query": depth < options.maxDepth ? Self.childQueriesAllowed : Self.childQueriesRefused,
        ]
    }

    static let childQueriesAllowed = """
        `rlm_query(question, content)` starts a child query: another model that explores `content` with code \
        of its own, in a sandbox of its own, and returns its final answer as a string. It costs a whole loop: \
        use it for sub-problems that need code, and `llm_query` for everything else.
        """

    static let childQueriesRefused = """
        `rlm_query` (child queries) is not available at this depth: it raises an error. Use `llm_query`.
        """

    private func firstTurnValues(_ lengths: [Int], _ question: String) -> [String: String] {
        [
            "question": question,
            "document_count": "\(lengths.count)",
            "document_lengths": Self.shown(lengths),
        ]
    }

    /// The documents' lengths in characters, the first `shownLengths` of them: enough to plan chunks
    /// without a first turn as long as a document list.
    static func shown(_ lengths: [Int]) -> String {
        let shown = lengths.prefix(shownLengths).map { "\($0)" }.joined(separator: ", ")
        return lengths.count > shownLengths ? shown + ", … (\(lengths.count - shownLengths) more)" : shown
    }

    static let shownLengths = 50
}
