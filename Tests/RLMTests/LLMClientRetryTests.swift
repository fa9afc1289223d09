import Foundation
import PoolTesting
import Testing

@testable import RLM

/// Retries against a real HTTP server: what is retried, how long the client waits, and what it reports.
@Suite("LLM client retries")
struct LLMClientRetryTests {
    @Test("429 with Retry-After waits that long (capped), then succeeds")
    func retryAfterSeconds() async throws {
        let waits = RecordedWaits()
        let replies: [ScriptedReply] = [
            .status(429, body: "slow down", retryAfter: "0"),
            .status(429, body: "slow down", retryAfter: "3600"),
            .completion("finally"),
        ]
        try await withScriptedServer(replies) { server in
            let completion = try await makeClient(for: server, waits: waits).complete(twoMessages)
            #expect(completion.content == "finally")
            #expect(server.requests.count == 3)
            // "0" is honoured as is; an hour is capped at maxBackoff (40 ms in these tests).
            #expect(waits.durations == [.zero, .milliseconds(40)])
        }
    }

    @Test("500 twice then success: three requests, backoff doubling from the initial value")
    func serverErrorsThenSuccess() async throws {
        let waits = RecordedWaits()
        try await withScriptedServer([.status(500), .status(503), .completion("ok")]) { server in
            let completion = try await makeClient(for: server, waits: waits).complete(twoMessages)
            #expect(completion.content == "ok")
            #expect(server.requests.count == 3)
            #expect(waits.durations == [.milliseconds(1), .milliseconds(2)])
        }
    }

    @Test("persistent 500 fails after maxRetries + 1 attempts, naming the status and the body")
    func persistentServerError() async throws {
        let waits = RecordedWaits()
        let replies = Array(repeating: ScriptedReply.status(500, body: "upstream exploded"), count: 10)
        try await withScriptedServer(replies) { server in
            let client = try makeClient(for: server, waits: waits) { $0.maxRetries = 3 }
            let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
            #expect(server.requests.count == 4)
            #expect(waits.durations == [.milliseconds(1), .milliseconds(2), .milliseconds(4)])
            #expect(error.description.contains("HTTP 500 after 4 attempts: upstream exploded"))
            #expect(error.description.contains(server.baseURL + "/chat/completions"))
        }
    }

    @Test("backoff never exceeds maxBackoff")
    func backoffCapped() async throws {
        let waits = RecordedWaits()
        try await withScriptedServer(Array(repeating: .status(502), count: 10)) { server in
            let client = try makeClient(for: server, waits: waits) {
                $0.maxRetries = 8
                $0.initialBackoff = .milliseconds(10)
            }
            _ = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
            #expect(waits.durations == [10, 20, 40, 40, 40, 40, 40, 40].map { .milliseconds($0) })
        }
    }

    @Test("the body excerpt is at most 500 characters")
    func longBodyExcerpt() async throws {
        let body = String(repeating: "x", count: 5000)
        try await withScriptedServer([.status(400, body: body)]) { server in
            let error = try await #require(throws: LLMError.self) {
                try await makeClient(for: server).complete(twoMessages)
            }
            guard case .httpStatus(400, _, let excerpt, _) = error else {
                Issue.record("expected HTTP 400, got \(error)")
                return
            }
            #expect(excerpt.count == LLMError.excerptLimit)
            #expect(excerpt.hasPrefix("xxxx"))
        }
    }

    @Test("a refused connection is retried, then reported")
    func connectionRefused() async throws {
        let server = try ScriptedLLMServer(replies: [])
        let client = try makeClient(for: server) { $0.maxRetries = 2 }
        server.stop()
        let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
        guard case .connectionFailed(_, _, attempts: 3) = error else {
            Issue.record("expected a connection failure after 3 attempts, got \(error)")
            return
        }
    }

    @Test("Retry-After as an HTTP date waits until then; unparseable values fall back to backoff")
    func retryAfterForms() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryWaiting.parseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryWaiting.parseRetryAfter("Tuesday, 14-Nov-23 22:13:25 GMT", now: now) == .seconds(5))
        #expect(RetryWaiting.parseRetryAfter("Tue Nov 14 22:14:20 2023", now: now) == .seconds(60))
        #expect(RetryWaiting.parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
        #expect(RetryWaiting.parseRetryAfter(" 7 ", now: now) == .seconds(7))
        #expect(RetryWaiting.parseRetryAfter("-1", now: now) == nil)
        #expect(RetryWaiting.parseRetryAfter("soon", now: now) == nil)
        let waiting = RecordedWaits().waiting
        let fallback = waiting.delay(
            retry: 2, retryAfter: "soon", initial: .milliseconds(100), maximum: .seconds(20), now: now)
        #expect(fallback == .milliseconds(400))
    }

    @Test("live jitter stays within 0...ceiling")
    func liveJitterRange() {
        for _ in 0..<200 {
            let wait = RetryWaiting.live.jitter(.milliseconds(8))
            #expect(wait >= .zero && wait <= .milliseconds(8))
        }
    }
}
