import Foundation
import Sandbox

/// The code's calls out of the sandbox: `llm_query`, `llm_query_batched` and `rlm_query`.
extension QueryRun {
    /// Sets this query's handlers on the executor.
    func install(on executor: ContainerExecutor) async {
        await executor.setLLMQueryHandler { instruction, content in
            try await subcall(LLMQueryPair(instruction: instruction, content: content), label: "")
        }
        await executor.setSubcallHandlers(
            batched: { pairs in await batch(pairs) },
            recursive: { question, content in try await childQuery(question: question, content: content) }
        )
    }

    /// Clears the handlers, so nothing answers for this query once it is over.
    static func uninstall(from executor: ContainerExecutor) async {
        await executor.setLLMQueryHandler(nil)
        await executor.setSubcallHandlers(batched: nil, recursive: nil)
    }

    /// One LLM call, content wrapped as untrusted. Too much content is refused with an error that the
    /// sandbox raises in the code (or puts in the item's place), telling it to chunk.
    func subcall(_ pair: LLMQueryPair, label: String) async throws -> String {
        // Python's len(): code points, not grapheme clusters.
        let characters = pair.content.unicodeScalars.count
        let limit = options.maxSubcallContentChars
        guard characters <= limit else {
            let refusal = RLMError.subcallContentTooLarge(characters: characters, limit: limit)
            try await recorder.record(.error, label + "\(refusal)", in: scope)
            throw refusal
        }
        try await recorder.record(
            .subcallRequest,
            label + "\(pair.instruction)\n[content: \(characters) characters]",
            in: scope
        )
        let prompt = engine.prompts.render(
            .subcall,
            ["instruction": pair.instruction, "content": ExecutionOutput.neutralizeMarkers(pair.content)]
        )
        let asked = ContinuousClock.now
        do {
            let (completion, cost) = try await complete([ChatMessage(role: .user, content: prompt)])
            try await recorder.record(
                .subcallResponse,
                label + completion.content,
                in: scope,
                since: asked,
                tokens: completion.usage,
                cost: cost
            )
            return completion.content
        } catch {
            try? await recorder.record(.error, label + "llm_query failed: \(error)", in: scope, since: asked)
            throw error
        }
    }

    /// The items of an `llm_query_batched`, at most `maxConcurrentSubcalls` at once; each result in its
    /// item's place, a failure too.
    func batch(_ pairs: [LLMQueryPair]) async -> [Result<String, any Error>] {
        let cap = options.maxConcurrentSubcalls
        try? await recorder.record(
            .batch,
            "llm_query_batched: \(pairs.count) items, up to \(cap) at once",
            in: scope
        )
        return await withTaskGroup(of: BatchItemResult.self) { group in
            var results = [Result<String, any Error>?](repeating: nil, count: pairs.count)
            for index in pairs.indices {
                // Past the cap, a new item starts only when one has finished.
                if index >= cap, let done = await group.next() {
                    results[done.index] = done.result
                }
                let pair = pairs[index]
                let label = "[\(index + 1)/\(pairs.count)] "
                group.addTask {
                    do {
                        return BatchItemResult(index: index, result: .success(try await subcall(pair, label: label)))
                    } catch {
                        return BatchItemResult(index: index, result: .failure(error))
                    }
                }
            }
            for await done in group {
                results[done.index] = done.result
            }
            return results.map { $0 ?? .failure(CancellationError()) }
        }
    }

    /// A child query over `content`, one level deeper, in a sandbox of its own; its answer, or why it has
    /// none as an error raised in the code.
    func childQuery(question: String, content: String) async throws -> String {
        guard depth < options.maxDepth else {
            let refusal = RLMError.depthExceeded(maxDepth: options.maxDepth)
            try await recorder.record(.error, "\(refusal)", in: scope)
            throw refusal
        }
        try await budget.check()
        let started = ContinuousClock.now
        try await recorder.record(
            .childQuery,
            "\(question)\n[content: \(content.unicodeScalars.count) characters]",
            in: scope
        )
        let child = QueryRun(engine: engine, budget: budget, recorder: recorder, depth: depth + 1)
        let outcome: QueryResult.Outcome
        do {
            outcome = try await child.answer(documents: [content], question: question)
        } catch {
            try? await recorder.record(.error, "rlm_query failed: \(error)", in: scope, since: started)
            throw error
        }
        switch outcome {
        case .answered(let answer):
            try await recorder.record(.childAnswer, answer, in: scope, since: started)
            return answer
        case .noAnswer(let reason):
            try await recorder.record(.childAnswer, "no answer: \(reason)", in: scope, since: started)
            throw RLMError.childNoAnswer(reason: reason)
        }
    }
}

/// One finished item of a batch, with its place.
private struct BatchItemResult: Sendable {
    var index: Int
    var result: Result<String, any Error>
}
