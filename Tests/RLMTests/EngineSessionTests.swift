import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox
import Testing

/// `RLMSession`: one sandbox, its namespace and documents across questions.
@Suite struct EngineSessionTests {
    @Test("a session keeps its sandbox, variables and documents across questions; added documents are appended")
    func variablesAndDocumentsStay() async throws {
        try await withEnginePool(maxSize: 1) { pool in
            try await withScriptedServer([
                codeReply("note = 'kept'\nFINAL(len(context))"),
                codeReply("FINAL(note + ' ' + ' '.join(context))"),
            ]) { server in
                let session = try await RLMSession.open(
                    engine: try engine(server, pool: pool.containers),
                    documents: ["first"]
                )
                #expect(try await session.ask("How many?").answer == "1")
                try await session.add(documents: ["second", "third"])
                #expect(await session.documentLengths == [5, 6, 5])
                #expect(try await session.ask("What do they say?").answer == "kept first second third")
                let firstTurn = try #require(server.requests.last?.messages.dropFirst().first?.content)
                #expect(firstTurn.contains("(3 documents; their lengths in characters:\n5, 6, 5)"))
                #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).count == 1)
                try await session.close()
            }
            #expect(try await pool.events(.acquire).count == 1)
            #expect(try await pool.events(.release).count == 1)
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            #expect(try await pool.slots().map(\.state) == [.idle])
        }
    }

    @Test("a detached session is taken up again by its holder, its TTL renewed, and ended from anywhere")
    func detachReopenEnd() async throws {
        try await withEnginePool(maxSize: 2) { pool in
            try await withScriptedServer([codeReply("x = 41\nFINAL('set')"), codeReply("FINAL(x + len(context))")]) {
                server in
                let engine = try engine(server, pool: pool.containers)
                let first = try await RLMSession.open(
                    engine: engine,
                    holder: "session-s",
                    ttl: .seconds(600),
                    documents: ["a"]
                )
                #expect(try await first.ask("Set it.").answer == "set")
                try await first.detach()
                let lease = try #require(
                    try await pool.ledger.lease(pool: pool.containers.pool.name, holder: "session-s")
                )
                let second = try await RLMSession.open(
                    engine: engine,
                    holder: "session-s",
                    ttl: .seconds(600),
                    documents: ["b"]
                )
                #expect(try await second.ask("Use it.").answer == "43")
                try await second.detach()
                let renewed = try #require(
                    try await pool.ledger.lease(pool: pool.containers.pool.name, holder: "session-s")
                )
                #expect(renewed.token == lease.token, "the same lease")
                #expect(try #require(renewed.expiresAt) > (try #require(lease.expiresAt)), "each use renews it")
                try await RLMSession.end(holder: "session-s", in: pool.containers)
            }
            #expect(try await pool.ledger.leases(pool: pool.containers.pool.name).isEmpty)
            await #expect(throws: PoolError.noLease(pool: "sandboxes", holder: "session-s")) {
                try await RLMSession.end(holder: "session-s", in: pool.containers)
            }
        }
    }
}
