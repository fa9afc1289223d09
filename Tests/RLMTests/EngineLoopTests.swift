import Foundation
import PoolTesting
import RLM
import Sandbox
import Synchronization
import Testing

/// The loop end to end: a scripted model over real HTTP, code in a real bubblewrap sandbox.
@Suite struct EngineLoopTests {
    @Test("sub-calls reach the server, wrapped as untrusted, and their answers reach the code")
    func subcallRoundTrip() async throws {
        let server = try ScriptedLLMServer { _, index in
            switch index {
            case 0: codeReply("summary = llm_query('Summarise this.', context[0])\nprint(summary)")
            case 1: .completion("a short summary", promptTokens: 7, completionTokens: 3)
            default: codeReply("FINAL('summary was: ' + summary)")
            }
        }
        defer { server.stop() }
        let result = try await engine(server).query(documents: ["the document text"], question: "Summarise it")
        #expect(result.answer == "summary was: a short summary")
        let requests = server.requests
        #expect(requests.count == 3)
        let subcall = try #require(requests.dropFirst().first?.messages.last?.content)
        #expect(subcall.contains("Summarise this."))
        #expect(subcall.contains("<untrusted-content>\nthe document text\n</untrusted-content>"))
        // The next main-loop turn saw the code's output, marked untrusted.
        let output = try #require(requests.last?.messages.last?.content)
        #expect(output.contains("<untrusted-output>\na short summary\n"))
        #expect(result.tokenUsage == TokenUsage(prompt: 27, completion: 13))
        let kinds = result.trace.map(\.kind)
        #expect(kinds.contains(.subcallRequest))
        let response = try #require(result.trace.first { $0.kind == .subcallResponse })
        #expect(response.text == "a short summary")
        #expect(response.tokens == TokenUsage(prompt: 7, completion: 3))
        #expect(response.iteration == 1)
        #expect(kinds.last == .finalAnswer)
    }

    @Test("an oversized sub-call is refused inside the sandbox, telling the code to chunk")
    func oversizedSubcallRefused() async throws {
        try await withScriptedServer([
            codeReply(
                """
                try:
                    llm_query('Read this.', 'x' * 101)
                except RuntimeError as refusal:
                    FINAL('refused: ' + str(refusal))
                """
            )
        ]) { server in
            let result = try await engine(server) { $0.maxSubcallContentChars = 100 }
                .query(documents: ["d"], question: "q")
            let answer = try #require(result.answer)
            #expect(answer.hasPrefix("refused: llm_query content is 101 characters, over the limit of 100"))
            #expect(answer.contains("chunks"))
            #expect(server.requests.count == 1, "the refused sub-call never reached the server")
        }
    }

    @Test("FINAL_VAR answers with a variable's value")
    func finalVar() async throws {
        try await withScriptedServer([
            codeReply("total = sum(len(d) for d in context)"),
            codeReply("FINAL_VAR('total')"),
        ]) { server in
            let result = try await engine(server).query(documents: ["abc", "de"], question: "How many characters?")
            #expect(result.outcome == .answered("5"))
        }
    }

    @Test("after maxIterations replies without FINAL, the outcome is no answer")
    func maxIterations() async throws {
        let server = try ScriptedLLMServer { _, index in codeReply("print(\(index))") }
        defer { server.stop() }
        let result = try await engine(server) { $0.maxIterations = 3 }.query(documents: ["d"], question: "q")
        #expect(result.answer == nil)
        guard case .noAnswer(let reason) = result.outcome else {
            Issue.record("expected no answer, got \(result.outcome)")
            return
        }
        #expect(reason.contains("3 iterations"))
        #expect(server.requests.count == 3)
        #expect(result.trace.filter { $0.kind == .reply }.map(\.iteration) == [1, 2, 3])
    }

    @Test("a reply without code gets a nudge, and the loop goes on")
    func nudgeWithoutCode() async throws {
        try await withScriptedServer([.completion("I think the answer is 4."), codeReply("FINAL(4)")]) {
            server in
            let result = try await engine(server).query(documents: ["d"], question: "q")
            #expect(result.answer == "4")
            let nudge = try #require(server.requests.last?.messages.last)
            #expect(nudge.role == "user")
            #expect(nudge.content.contains("no code block"))
        }
    }

    @Test("HTTP 429 and 500 are retried, and the query carries on")
    func retriedThenAnswered() async throws {
        try await withScriptedServer([
            .status(429, body: "slow down", retryAfter: "0"), .status(500, body: "oops"), codeReply("FINAL('ok')"),
        ]) { server in
            let result = try await engine(server).query(documents: ["d"], question: "q")
            #expect(result.answer == "ok")
            #expect(server.requests.count == 3)
        }
    }

    @Test("HTTP 429 past the retries surfaces from query with its status")
    func retriedThenSurfaced() async throws {
        let server = try ScriptedLLMServer { _, _ in .status(429, body: "rate limited", retryAfter: "0") }
        defer { server.stop() }
        await #expect {
            try await engine(server).query(documents: ["d"], question: "q")
        } throws: { error in
            guard case LLMError.httpStatus(429, _, let body, 3) = error else { return false }
            return body.contains("rate limited")
        }
        #expect(server.requests.count == 3)
    }

    @Test("long output is cut to maxOutputChars before the model sees it")
    func outputTruncated() async throws {
        try await withScriptedServer([codeReply("print('y' * 1000)"), codeReply("FINAL('done')")]) { server in
            _ = try await engine(server) { $0.maxOutputChars = 50 }.query(documents: ["d"], question: "q")
            let shown = try #require(server.requests.last?.messages.last?.content)
            #expect(shown.contains(String(repeating: "y", count: 50) + "\n[output cut: 951 more characters"))
            #expect(!shown.contains(String(repeating: "y", count: 51)))
        }
    }

    @Test("the trace is written as JSON Lines while the query runs")
    func traceFile() async throws {
        try await withTemporaryFolder { folder in
            let traces = folder.appending(path: "traces").path(percentEncoded: false)
            try await withScriptedServer([codeReply("print('hi')"), codeReply("FINAL('bye')")]) { server in
                let seen = StepLog()
                let result = try await engine(server) { $0.traceFolder = traces }
                    .query(documents: ["d"], question: "q") { seen.append($0) }
                let path = try #require(result.traceFile)
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let steps = try text.split(separator: "\n").map {
                    try JSONDecoder().decode(TraceStep.self, from: Data($0.utf8))
                }
                #expect(steps == result.trace)
                #expect(seen.steps == result.trace)
                #expect(steps.map(\.kind) == [.reply, .code, .output, .reply, .code, .output, .finalAnswer])
            }
        }
    }

    @Test("a prompts folder overrides one template and keeps the others")
    func promptOverride() async throws {
        try await withTemporaryFolder { folder in
            try "CUSTOM SYSTEM for {{document_count}} documents".write(
                to: folder.appending(path: "system.md"),
                atomically: true,
                encoding: .utf8
            )
            try await withScriptedServer([codeReply("FINAL(1)")]) { server in
                _ = try await engine(server) { $0.promptsFolder = folder.path(percentEncoded: false) }
                    .query(documents: ["a", "b"], question: "the question?")
                let messages = try #require(server.requests.first?.messages)
                #expect(messages.first?.content == "CUSTOM SYSTEM for 2 documents")
                #expect(messages.last?.content.contains("the question?") == true)
            }
        }
    }
}

/// The steps a progress callback heard.
final class StepLog: Sendable {
    private let log = Mutex<[TraceStep]>([])
    var steps: [TraceStep] { log.withLock { $0 } }
    func append(_ step: TraceStep) { log.withLock { $0.append(step) } }
}
