import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox
import Testing

/// `rlm_query`: child queries in sandboxes of their own, leased from the same pool without waiting.
@Suite struct EngineDepthTests {
    /// The top query asks a child, which asks a grandchild, which may not go deeper.
    static let threeLevels: @Sendable (RecordedRequest, Int) -> ScriptedReply = { request, _ in
        let firstTurn = request.messages.dropFirst().first?.content ?? ""
        if firstTurn.contains("TOP?") {
            return codeReply("a = rlm_query('CHILD?', 'child document')\nFINAL('top got ' + a)")
        }
        if firstTurn.contains("\nCHILD?") {
            return codeReply(
                "b = rlm_query('GRANDCHILD?', context[0] + ' for the grandchild')\nFINAL('child got ' + b)"
            )
        }
        return codeReply(
            """
            try:
                rlm_query('DEEPER?', 'x')
            except RuntimeError as refusal:
                FINAL(context[0] + '; deeper: ' + str(refusal)[:40])
            """
        )
    }

    @Test(
        "depth 3 on a pool of one: children start their own sandboxes, no hang, everything released",
        .timeLimit(.minutes(10))
    )
    func depthThreeOnPoolOfOne() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            let server = try ScriptedLLMServer(respond: Self.threeLevels)
            defer { server.stop() }
            let isolation = CountingIsolation()
            let result = try await engine(server, pool: pool.containers) {
                $0.maxDepth = 3
                $0.sandboxIsolation = isolation
            }.query(documents: ["top document"], question: "TOP?")
            let answer = try #require(result.answer)
            #expect(answer.hasPrefix("top got child got child document for the grandchild; deeper: "))
            #expect(answer.hasSuffix("deeper: rlm_query is not allowed here: the query"))
            #expect(server.requests.count == 3)
            #expect(result.tokenUsage == TokenUsage(prompt: 30, completion: 15), "children's tokens count")
            #expect(isolation.started.count == 2, "the child and the grandchild each started one")
            #expect(isolation.stopped.count == 2, "and stopped it")
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            #expect(try await pool.slots().map(\.state) == [.idle])
            #expect(try await pool.events(.acquire).count == 1)
            #expect(try await pool.events(.release).count == 1)
            #expect(Set(result.trace.map(\.depth)) == [1, 2, 3])
            let children = result.trace.filter { $0.kind == .childAnswer }
            #expect(children.map(\.depth) == [2, 1], "the grandchild answers the child first")
            #expect(children.allSatisfy { $0.duration > 0 })
            let tree = TraceTree.render(result.trace)
            #expect(tree.contains("\n    iteration 1 (depth 2)\n      reply: "))
            #expect(tree.contains("\n        iteration 1 (depth 3)\n"))
            #expect(tree.contains("total: 3 model replies, 0 sub-calls, 2 child queries, 1 errors; 45 tokens"))
        }
    }

    @Test("a child takes a free sandbox of the pool when there is one")
    func childLeasesFromPool() async throws {
        try await withEnginePool(maxSize: 2) { pool in
            let server = try ScriptedLLMServer { request, _ in
                let firstTurn = request.messages.dropFirst().first?.content ?? ""
                return firstTurn.contains("TOP?")
                    ? codeReply("FINAL(rlm_query('CHILD?', 'c'))") : codeReply("FINAL('from the child')")
            }
            defer { server.stop() }
            let result = try await engine(server, pool: pool.containers) { $0.maxDepth = 2 }
                .query(documents: ["d"], question: "TOP?")
            #expect(result.answer == "from the child")
            #expect(try await pool.events(.acquire).count == 2)
            #expect(try await pool.events(.release).count == 2)
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
        }
    }

    @Test("with childSandbox fail, an exhausted pool raises the failure in the parent's code")
    func childFailsOnExhaustedPool() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            try await withScriptedServer([
                codeReply(
                    """
                    try:
                        rlm_query('CHILD?', 'c')
                    except RuntimeError as failure:
                        FINAL(str(failure))
                    """
                )
            ]) { server in
                let result = try await engine(server, pool: pool.containers) {
                    $0.maxDepth = 2
                    $0.childSandbox = .fail
                }.query(documents: ["d"], question: "TOP?")
                let answer = try #require(result.answer)
                #expect(answer.hasPrefix("rlm_query found no free sandbox in pool 'sandboxes'"))
                #expect(server.requests.count == 1)
            }
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
        }
    }

    @Test("by default (maxDepth 1) rlm_query raises a clear error")
    func depthOneRefuses() async throws {
        try await withScriptedServer([
            codeReply(
                """
                try:
                    rlm_query('CHILD?', 'c')
                except RuntimeError as refusal:
                    FINAL(str(refusal))
                """
            )
        ]) { server in
            let result = try await engine(server).query(documents: ["d"], question: "q")
            #expect(result.answer?.hasPrefix("rlm_query is not allowed here: the query depth limit is 1") == true)
            let system = try #require(server.requests.first?.messages.first?.content)
            #expect(system.contains("`rlm_query` (child queries) is not available at this depth"))
        }
    }
}
