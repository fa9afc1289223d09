import Foundation
import PoolCore
import Sandbox

/// Answers questions about documents the way a recursive language model does: the model writes Python
/// that explores the documents (`context`) in a sandbox and asks sub-questions with `llm_query`, until the
/// code calls `FINAL` or `FINAL_VAR`.
///
/// With a pool, each query leases one warm sandbox and gives it back (reset) afterwards, whatever
/// happens; without one, each query starts and stops its own.
public struct RLMEngine: Sendable {
    public let options: RLMEngineOptions
    let client: any ChatCompleting
    let prompts: PromptTemplates

    /// - Parameter client: what answers the chats; by default an `LLMClient` made from the options.
    public init(options: RLMEngineOptions, client: (any ChatCompleting)? = nil) throws {
        try options.validate()
        self.options = options
        self.prompts = try PromptTemplates(overrideFolder: options.promptsFolder)
        self.client = try client ?? Self.defaultClient(options)
    }

    /// Runs the loop until executed code gives a final answer or `maxIterations` replies have passed (a
    /// `.noAnswer` outcome). Throws what the LLM client or the sandbox threw; the sandbox is given back
    /// (or stopped) first. `onProgress` hears each trace step as it happens.
    public func query(
        documents: [String],
        question: String,
        onProgress: (@Sendable (TraceStep) -> Void)? = nil
    ) async throws -> QueryResult {
        let started = ContinuousClock.now
        let file = try options.traceFolder.map { try TraceFile(folder: $0) }
        let recorder = TraceRecorder(file: file, onProgress: onProgress)
        let outcome: QueryResult.Outcome
        do {
            outcome = try await withSandbox(recorder) { executor in
                try await answer(documents: documents, question: question, executor: executor, recorder: recorder)
            }
        } catch {
            try? await recorder.record(.error, "\(error)")
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

    // MARK: The loop

    private func answer(
        documents: [String],
        question: String,
        executor: ContainerExecutor,
        recorder: TraceRecorder
    ) async throws -> QueryResult.Outcome {
        do {
            try await executor.setupContext(documents)
        } catch {
            throw RLMError.sandboxFailed(error)
        }
        var messages = [
            ChatMessage(role: .system, content: prompts.render(.system, systemValues(documents))),
            ChatMessage(role: .user, content: prompts.render(.firstTurn, firstTurnValues(documents, question))),
        ]
        for iteration in 1...options.maxIterations {
            try Task.checkCancellation()
            await recorder.begin(iteration: iteration)
            let reply = try await client.complete(messages)
            try await recorder.record(.reply, reply.content, tokens: reply.usage)
            messages.append(ChatMessage(role: .assistant, content: reply.content))
            let blocks = CodeBlocks.extract(from: reply.content)
            guard !blocks.isEmpty else {
                messages.append(ChatMessage(role: .user, content: Self.noCodeNudge))
                continue
            }
            var outputs: [String] = []
            for code in blocks {
                try await recorder.record(.code, code)
                let result = await executor.execute(code: code, timeout: options.executionTimeout)
                if let failure = result.failure { throw RLMError.sandboxFailed(failure) }
                let output = ExecutionOutput.describe(result)
                try await recorder.record(.output, output)
                if let answer = result.finalAnswer ?? result.finalValue {
                    try await recorder.record(.finalAnswer, answer)
                    return .answered(answer)
                }
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

    static let noCodeNudge = """
        Your reply had no code block, so nothing ran. Write Python in a ```repl block to explore `context`, \
        and call FINAL(answer) or FINAL_VAR(name) in code when you know the answer.
        """

    private func systemValues(_ documents: [String]) -> [String: String] {
        [
            "document_count": "\(documents.count)",
            "total_chars": "\(documents.reduce(0) { $0 + $1.unicodeScalars.count })",
            "max_subcall_chars": "\(options.maxSubcallContentChars)",
            "max_output_chars": "\(options.maxOutputChars)",
        ]
    }

    private func firstTurnValues(_ documents: [String], _ question: String) -> [String: String] {
        [
            "question": question,
            "document_count": "\(documents.count)",
            "document_lengths": Self.lengths(of: documents),
        ]
    }

    /// The documents' lengths in characters, the first `shownLengths` of them: enough to plan chunks
    /// without a first turn as long as a document list.
    static func lengths(of documents: [String]) -> String {
        let shown = documents.prefix(shownLengths).map { "\($0.unicodeScalars.count)" }.joined(separator: ", ")
        return documents.count > shownLengths ? shown + ", … (\(documents.count - shownLengths) more)" : shown
    }

    static let shownLengths = 50

    // MARK: Sub-calls

    /// Answers the code's `llm_query` calls: one LLM call each, content wrapped as untrusted. Too much
    /// content is refused with an error that the sandbox raises in the code, telling it to chunk.
    private func subcallHandler(_ recorder: TraceRecorder) -> ContainerExecutor.LLMQueryHandler {
        let client = client
        let prompts = prompts
        let limit = options.maxSubcallContentChars
        return { instruction, content in
            // Python's len(): code points, not grapheme clusters.
            let characters = content.unicodeScalars.count
            guard characters <= limit else {
                let refusal = RLMError.subcallContentTooLarge(characters: characters, limit: limit)
                try await recorder.record(.error, "\(refusal)")
                throw refusal
            }
            try await recorder.record(.subcallRequest, "\(instruction)\n[content: \(characters) characters]")
            let prompt = prompts.render(
                .subcall,
                ["instruction": instruction, "content": ExecutionOutput.neutralizeMarkers(content)]
            )
            do {
                let completion = try await client.complete([ChatMessage(role: .user, content: prompt)])
                try await recorder.record(.subcallResponse, completion.content, tokens: completion.usage)
                return completion.content
            } catch {
                try? await recorder.record(.error, "llm_query failed: \(error)")
                throw error
            }
        }
    }

    // MARK: The sandbox

    /// Runs `body` with a sandbox's executor, its `llm_query` handler set, and gives the sandbox back on
    /// every path. The giving back runs in a task of its own, so a cancelled query still finishes it.
    private func withSandbox<R: Sendable>(
        _ recorder: TraceRecorder,
        _ body: (ContainerExecutor) async throws -> R
    ) async throws -> R {
        let handler = subcallHandler(recorder)
        if let pool = options.pool {
            let sandbox = try await pool.acquire(holder: Self.holderName())
            await sandbox.executor.setLLMQueryHandler(handler)
            return try await finishing(try await body(sandbox.executor)) {
                // Clears the handler, then resets the namespace and releases (or discards a broken sandbox);
                // the engine never stops a pooled sandbox itself.
                await sandbox.executor.setLLMQueryHandler(nil)
                try await pool.release(sandbox)
            }
        }
        let sandbox = try await ThrowawaySandbox.start(
            isolation: options.sandboxIsolation,
            limits: options.sandboxLimits,
            parentFolder: options.sandboxParentFolder
        )
        await sandbox.executor.setLLMQueryHandler(handler)
        return try await finishing(try await body(sandbox.executor)) { try await sandbox.stop() }
    }

    /// Awaits `work`, then always runs `cleanup` to the end, even when the calling task is cancelled. The
    /// work's error wins over a cleanup error, which is then left for the pool's cleanup to find.
    private func finishing<R: Sendable>(
        _ work: @autoclosure () async throws -> R,
        cleanup: @escaping @Sendable () async throws -> Void
    ) async throws -> R {
        let result: Result<R, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        let cleaned = await Task { try await cleanup() }.result
        let value = try result.get()
        try cleaned.get()
        return value
    }

    /// A holder name unique to this query: the process and a random part.
    static func holderName() -> String {
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
