import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox
import Testing

/// Limits end a query with no answer, naming the limit and what was spent, and release the sandbox.
@Suite struct EngineLimitTests {
    /// A model that never finishes: each reply runs `code` and costs 10 prompt + 5 completion tokens.
    static func endless(_ code: String) throws -> ScriptedLLMServer {
        try ScriptedLLMServer { _, _ in codeReply(code) }
    }

    func noAnswerReason(_ result: QueryResult) throws -> String {
        guard case .noAnswer(let reason) = result.outcome else {
            Issue.record("expected no answer, got \(result.outcome)")
            return ""
        }
        return reason
    }

    @Test("the token limit counts every call and ends the query after the call that passed it")
    func tokenLimit() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            let server = try Self.endless("print(llm_query('Say.', 'c'))")
            defer { server.stop() }
            let result = try await engine(server, pool: pool.containers) { $0.limits.maxTokens = 40 }
                .query(documents: ["d"], question: "q")
            let reason = try noAnswerReason(result)
            // Reply (15), its sub-call (30), the next reply (45) passes 40: its code never runs.
            #expect(reason.hasPrefix("the token limit of 40 was passed; spent 45 tokens in 3 LLM calls"))
            #expect(server.requests.count == 3)
            #expect(result.trace.last?.kind == .limit)
            #expect(result.trace.filter { $0.kind == .code }.count == 1)
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            #expect(try await pool.slots().map(\.state) == [.idle])
        }
    }

    @Test("the cost limit prices each call by the model's price per million tokens")
    func costLimit() async throws {
        let server = try Self.endless("print(1)")
        defer { server.stop() }
        // 10 × 1000 + 5 × 2000 per million tokens: $0.02 a call.
        let prices = ModelPrices(["scripted-model": ModelPrice(input: 1000, output: 2000)])
        let result = try await engine(server) {
            $0.prices = prices
            $0.limits.maxCost = 0.05
        }.query(documents: ["d"], question: "q")
        let reason = try noAnswerReason(result)
        #expect(reason.hasPrefix("the cost limit of $0.05 was passed; spent 45 tokens in 3 LLM calls, $0.06, "))
        #expect(server.requests.count == 3)
        #expect(result.trace.filter { $0.kind == .reply }.compactMap(\.cost).count == 3)
    }

    @Test("a cost limit without the model's price is refused up front")
    func costLimitNeedsPrice() async throws {
        let server = try Self.endless("print(1)")
        defer { server.stop() }
        #expect {
            try engine(server) {
                $0.prices = ModelPrices(["another-model": ModelPrice(input: 1, output: 1)])
                $0.limits.maxCost = 1
            }
        } throws: { error in
            "\(error)".hasPrefix("a cost limit needs the price of model 'scripted-model'")
        }
        #expect(server.requests.isEmpty)
    }

    @Test("the time limit cuts off a call in progress and releases the sandbox", .timeLimit(.minutes(10)))
    func timeLimit() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            let server = try ScriptedLLMServer { _, _ in .delay(.seconds(600), then: codeReply("FINAL('late')")) }
            defer { server.stop() }
            let result = try await engine(server, pool: pool.containers) { $0.limits.maxTime = .milliseconds(300) }
                .query(documents: ["d"], question: "q")
            let reason = try noAnswerReason(result)
            #expect(reason.hasPrefix("the time limit of 0.30 s was reached; spent 0 tokens in 0 LLM calls, "))
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            #expect(try await pool.slots().map(\.state) == [.idle])
        }
    }

    @Test(
        "the time limit stops code that runs on; its sandbox is discarded, nothing stays leased",
        .timeLimit(.minutes(10))
    )
    func timeLimitStopsCode() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            try await withScriptedServer([codeReply("while True:\n    pass")]) { server in
                let result = try await engine(server, pool: pool.containers) { $0.limits.maxTime = .seconds(2) }
                    .query(documents: ["d"], question: "q")
                let reason = try noAnswerReason(result)
                #expect(reason.hasPrefix("the time limit of 2.00 s was reached; spent "))
            }
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            let running = try await pool.containers.backend.isolation.runningSandboxes(in: pool.slotFolder)
            let idle = try await pool.slots().filter { $0.state == .idle }.count
            #expect(running.count == idle, "only sandboxes the pool still keeps idle are running")
        }
    }

    @Test("consecutive code errors end the query at the limit; a success in between starts the count again")
    func errorLimit() async throws {
        let server = try ScriptedLLMServer { _, index in
            codeReply(index == 1 ? "print('fine')" : "1 / 0")
        }
        defer { server.stop() }
        let result = try await engine(server) { $0.limits.maxErrors = 2 }.query(documents: ["d"], question: "q")
        let reason = try noAnswerReason(result)
        #expect(reason.hasPrefix("the limit of 2 code errors in a row was reached; spent 60 tokens in 4 LLM calls"))
        #expect(server.requests.count == 4)
    }

    @Test("a child query's tokens count toward the top query's limit", .timeLimit(.minutes(10)))
    func childTokensCount() async throws {
        let server = try ScriptedLLMServer { request, _ in
            let firstTurn = request.messages.dropFirst().first?.content ?? ""
            return firstTurn.contains("TOP?") ? codeReply("print(rlm_query('CHILD?', 'c'))") : codeReply("print(2)")
        }
        defer { server.stop() }
        let result = try await engine(server) {
            $0.maxDepth = 2
            $0.limits.maxTokens = 40
        }.query(documents: ["d"], question: "TOP?")
        let reason = try noAnswerReason(result)
        // Top reply (15), child replies (30, 45): the child stops, and so does the top query.
        #expect(reason.hasPrefix("the token limit of 40 was passed; spent 45 tokens in 3 LLM calls"))
        #expect(result.trace.filter { $0.kind == .limit }.map(\.depth) == [2, 1])
    }
}
