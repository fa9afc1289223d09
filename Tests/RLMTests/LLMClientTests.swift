import Foundation
import PoolTesting
import Testing

@testable import RLM

/// LLMClient against a real HTTP server on 127.0.0.1 that answers with scripted replies.
@Suite("LLM client requests and replies")
struct LLMClientTests {
    @Test("a completion returns the content and usage, and the request has model, messages and the key")
    func successfulCompletion() async throws {
        try await withScriptedServer([.completion("forty-two", promptTokens: 123, completionTokens: 45)]) { server in
            let client = try makeClient(for: server)
            let completion = try await client.complete(twoMessages)
            #expect(completion == ChatCompletion(content: "forty-two", usage: TokenUsage(prompt: 123, completion: 45)))
            #expect(completion.usage.total == 168)

            let request = try #require(server.requests.only)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.headers["authorization"] == "Bearer sk-test-secret-key-0123456789")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.model == "test-model")
            #expect(request.messages.map(\.role) == ["system", "user"])
            #expect(request.messages.map(\.content) == twoMessages.map(\.content))
        }
    }

    @Test("without a key there is no Authorization header")
    func noKeyNoAuthorization() async throws {
        try await withScriptedServer([.completion("ok")]) { server in
            _ = try await makeClient(for: server, apiKey: nil).complete(twoMessages)
            #expect(try #require(server.requests.only).headers["authorization"] == nil)
        }
    }

    @Test("a base URL with a trailing slash reaches the same endpoint")
    func trailingSlash() async throws {
        try await withScriptedServer([.completion("ok")]) { server in
            let client = try makeClient(for: server) { $0.baseURL += "/" }
            _ = try await client.complete(twoMessages)
            #expect(try #require(server.requests.only).path == "/v1/chat/completions")
        }
    }

    @Test("a reply without usage counts zero tokens")
    func missingUsage() async throws {
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":"no usage here"}}]}"#
        try await withScriptedServer([.status(200, body: body)]) { server in
            let completion = try await makeClient(for: server).complete(twoMessages)
            #expect(completion == ChatCompletion(content: "no usage here", usage: TokenUsage()))
        }
    }

    @Test("a 200 that is not a chat completion is an error with the body, not retried")
    func malformedReply() async throws {
        try await withScriptedServer([.status(200, body: #"{"choices":[]}"#), .completion("unused")]) { server in
            let error = try await #require(throws: LLMError.self) {
                try await makeClient(for: server).complete(twoMessages)
            }
            #expect(error.description.contains("not a chat completion"))
            #expect(error.description.contains(#"{"choices":[]}"#))
            #expect(server.requests.count == 1)
        }
    }

    @Test("401 is not retried and says so with the status and body")
    func unauthorizedNotRetried() async throws {
        let waits = RecordedWaits()
        try await withScriptedServer([.status(401, body: "invalid api key"), .completion("unused")]) { server in
            let error = try await #require(throws: LLMError.self) {
                try await makeClient(for: server, waits: waits).complete(twoMessages)
            }
            #expect(server.requests.count == 1)
            #expect(waits.durations.isEmpty)
            guard case .httpStatus(401, _, "invalid api key", attempts: 1) = error else {
                Issue.record("expected HTTP 401 after 1 attempt, got \(error)")
                return
            }
            #expect(error.description.contains("HTTP 401 after 1 attempt: invalid api key"))
        }
    }

    @Test("a base URL that is not http(s) is refused before any request")
    func invalidBaseURL() throws {
        let options = LLMClientOptions(baseURL: "ftp://example.com/v1", model: "m")
        #expect(throws: LLMError.invalidBaseURL("ftp://example.com/v1")) { try LLMClient(options: options) }
    }
}

extension Array {
    /// The single element, or nil if there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
