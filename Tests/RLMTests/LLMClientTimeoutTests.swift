import Foundation
import PoolTesting
import Testing

@testable import RLM

/// The request timeout and cancellation, against a real server that answers late.
@Suite("LLM client timeouts and cancellation")
struct LLMClientTimeoutTests {
    @Test("a reply slower than the request timeout is a timeout error, retried like a 5xx")
    func requestTimeout() async throws {
        let slow = ScriptedReply.delay(.seconds(60), then: .completion("too late"))
        try await withScriptedServer([slow, slow]) { server in
            let client = try makeClient(for: server) {
                $0.requestTimeout = .milliseconds(500)
                $0.maxRetries = 1
            }
            let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
            guard case .timedOut(after: .milliseconds(500), _, attempts: 2) = error else {
                Issue.record("expected a timeout after 2 attempts, got \(error)")
                return
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test("a sub-second timeout waits for a reply that comes in time")
    func subSecondTimeoutWaits() async throws {
        // URLSession on Linux truncates 0.8 s to 0 and would time out at once; the client must not.
        // A prompt reply, and a few attempts, so a loaded machine that misses 0.8 s once still passes; a client
        // that timed out at once would fail every attempt.
        let replies = Array(repeating: ScriptedReply.completion("in time"), count: 5)
        try await withScriptedServer(replies) { server in
            let client = try makeClient(for: server) {
                $0.requestTimeout = .milliseconds(800)
                $0.maxRetries = 4
            }
            #expect(try await client.complete(twoMessages).content == "in time")
        }
    }

    @Test("cancelling the caller cancels the request instead of retrying it")
    func cancellation() async throws {
        try await withScriptedServer([.delay(.seconds(60), then: .completion("too late"))]) { server in
            let client = try makeClient(for: server)
            let call = Task { try await client.complete(twoMessages) }
            while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(server.requests.count == 1)
        }
    }
}
