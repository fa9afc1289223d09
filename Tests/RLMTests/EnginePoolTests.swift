import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox
import Testing

/// The engine on a container pool: one lease per query, given back reset, the sandbox never stopped.
@Suite struct EnginePoolTests {
    @Test("with a pool, a query acquires once, releases once after a reset, and never stops the sandbox")
    func oneLeasePerQuery() async throws {
        try await withEnginePool { pool in
            // A warm sandbox first, so the query must reuse it rather than start one.
            _ = try await pool.containers.pool.expand(by: 1)
            let slot = try #require(try await pool.slots().first)
            let before = try pool.record(of: slot)
            try await withScriptedServer([
                codeReply("secret = 'left by the query'\nprint(len(context))"),
                codeReply("FINAL('two documents')"),
            ]) { server in
                let result = try await engine(server, pool: pool.containers).query(
                    documents: ["first", "second"],
                    question: "How many documents?"
                )
                #expect(result.answer == "two documents")
            }
            #expect(try await pool.events(.acquire).count == 1)
            #expect(try await pool.events(.release).count == 1)
            let resets = try await pool.events(.reset)
            #expect(resets.count == 1)
            #expect(try await pool.events(.destroy).isEmpty)
            let after = try #require(try await pool.slots().first)
            #expect(after.id == slot.id)
            #expect(after.state == .idle)
            #expect(after.useCount == 1)
            #expect(try pool.record(of: after) == before, "the same sandbox process, never restarted")
            #expect(await pool.containers.backend.isolation.isRunning(before))
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            // The reset cleared the query's names before the slot went back.
            try await pool.containers.withExecutor(holder: "check") { executor in
                let check = await executor.execute(code: "'secret' in globals(), context", timeout: .seconds(10))
                #expect(check.value == "(False, [])")
            }
        }
    }

    @Test("three queries in a row reuse one warm sandbox")
    func threeQueriesOneSandbox() async throws {
        try await withEnginePool { pool in
            let server = try ScriptedLLMServer { _, _ in codeReply("FINAL(str(len(context[0])))") }
            defer { server.stop() }
            let engine = try engine(server, pool: pool.containers)
            for document in ["a", "bb", "ccc"] {
                let result = try await engine.query(documents: [document], question: "How long?")
                #expect(result.answer == "\(document.count)")
            }
            #expect(try await pool.events(.create).count == 1)
            #expect(try await pool.events(.acquire).count == 3)
            #expect(try await pool.events(.release).count == 3)
            let slots = try await pool.slots()
            #expect(slots.count == 1)
            #expect(slots.first?.useCount == 3)
            #expect(slots.first?.state == .idle)
        }
    }

    @Test("a sandbox that breaks the protocol is discarded, not given back")
    func protocolErrorDiscards() async throws {
        try await withEnginePool { pool in
            _ = try await pool.containers.pool.expand(by: 1)
            let slot = try #require(try await pool.slots().first)
            let record = try pool.record(of: slot)
            _ = try await withScriptedServer([codeReply("print('x' * (2 * 1024 * 1024))")]) { server in
                await #expect {
                    try await engine(server, pool: pool.containers).query(documents: ["d"], question: "q")
                } throws: { error in
                    guard case RLMError.sandboxFailed = error else { return false }
                    return true
                }
            }
            #expect(try await pool.slots().isEmpty, "the broken sandbox's slot is gone")
            #expect(try await pool.events(.destroy).count == 1)
            #expect(try await pool.events(.reset).isEmpty)
            #expect(await !pool.containers.backend.isolation.isRunning(record))
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
        }
    }

    @Test("a cancelled query still clears, resets and releases its sandbox")
    func cancelledQueryReleases() async throws {
        try await withEnginePool { pool in
            let server = try ScriptedLLMServer { _, _ in .delay(.seconds(20), then: codeReply("FINAL('late')")) }
            defer { server.stop() }
            let engine = try engine(server, pool: pool.containers)
            let query = Task { try await engine.query(documents: ["d"], question: "q") }
            // Cancel once the model has been asked, i.e. while the sandbox is leased.
            while server.requests.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).count == 1)
            query.cancel()
            await #expect(throws: (any Error).self) { try await query.value }
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            #expect(try await pool.events(.release).count == 1)
            #expect(try await pool.events(.reset).count == 1)
            #expect(try await pool.slots().map(\.state) == [.idle])
        }
    }

    @Test("an LLM failure surfaces from query after the sandbox went back to the pool")
    func llmFailureReleases() async throws {
        try await withEnginePool { pool in
            let server = try ScriptedLLMServer { _, _ in .status(500, body: "upstream broke") }
            defer { server.stop() }
            await #expect {
                try await engine(server, pool: pool.containers).query(documents: ["d"], question: "q")
            } throws: { error in
                guard case LLMError.httpStatus(500, _, _, let attempts) = error else { return false }
                return attempts == 3
            }
            #expect(server.requests.count == 3, "the first attempt and two retries")
            #expect(try await pool.events(.release).count == 1)
            #expect(try await pool.slots().map(\.state) == [.idle])
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
        }
    }
}
