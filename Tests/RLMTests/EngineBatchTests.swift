import Foundation
import PoolTesting
import RLM
import Sandbox
import Testing

/// `llm_query_batched` end to end: a scripted model over real HTTP, code in a real bubblewrap sandbox.
@Suite struct EngineBatchTests {
    /// The sub-call's item number, from content "item N".
    static func item(of request: RecordedRequest) -> String? {
        guard let content = request.messages.last?.content, let range = content.range(of: "item ") else { return nil }
        return String(content[range.upperBound...].prefix { $0.isNumber })
    }

    @Test(
        "a batch runs at most the cap at once, answers in order, a failure and a refusal each in their place",
        .timeLimit(.minutes(10))
    )
    func batchedSubcalls() async throws {
        let server = try ScriptedLLMServer { request, index in
            if index == 0 {
                return codeReply(
                    """
                    pairs = [('Say it.', 'item %d' % i) for i in range(7)]
                    pairs[2] = ('Say it.', 'x' * 101)
                    answers = llm_query_batched(pairs)
                    FINAL(repr([a if isinstance(a, str) else 'failed: ' + str(a)[:45] for a in answers]))
                    """
                )
            }
            let item = Self.item(of: request) ?? "?"
            // Every sub-call waits until three were in progress together: a serial host never gets answers.
            return .afterConcurrent(
                3,
                then: item == "5" ? .status(400, body: "no item 5") : .completion("answer \(item)")
            )
        }
        defer { server.stop() }
        let result = try await engine(server) {
            $0.maxConcurrentSubcalls = 3
            $0.maxSubcallContentChars = 100
        }.query(documents: ["d"], question: "q")
        let answer = try #require(result.answer)
        #expect(answer.hasPrefix("['answer 0', 'answer 1', 'failed: llm_query content is 101 characters, ov"))
        #expect(answer.contains("'answer 3', 'answer 4', 'failed: POST "))
        #expect(answer.hasSuffix("'answer 6']"))
        #expect(server.maxInFlight == 3, "three at once, never more")
        #expect(server.requests.count == 7, "the main reply and six sub-calls: the oversized item never left")
        #expect(result.trace.contains { $0.kind == .batch && $0.text.contains("7 items, up to 3 at once") })
        let responses = result.trace.filter { $0.kind == .subcallResponse }
        #expect(responses.count == 5)
        #expect(responses.allSatisfy { $0.duration > 0 && $0.tokens != nil })
    }

    @Test("an empty batch returns an empty list without asking anyone")
    func emptyBatch() async throws {
        try await withScriptedServer([codeReply("FINAL(repr(llm_query_batched([])))")]) { server in
            let result = try await engine(server).query(documents: ["d"], question: "q")
            #expect(result.answer == "[]")
            #expect(server.requests.count == 1)
        }
    }

    @Test("pairs that are not (instruction, content) strings raise TypeError in the code")
    func badPairs() async throws {
        try await withScriptedServer([
            codeReply(
                """
                try:
                    llm_query_batched([('only one',)])
                except TypeError as error:
                    FINAL(str(error))
                """
            )
        ]) { server in
            let result = try await engine(server).query(documents: ["d"], question: "q")
            #expect(result.answer == "llm_query_batched takes a list of (instruction, content) pairs")
        }
    }
}
