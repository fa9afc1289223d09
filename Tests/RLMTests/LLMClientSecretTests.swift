import Foundation
import PoolTesting
import Testing

@testable import RLM

/// The API key must never appear in what a failure prints, even when the server echoes it back.
@Suite("LLM client keeps the API key out of errors")
struct LLMClientSecretTests {
    static let key = "sk-live-ABCDEF0123456789-do-not-print"

    @Test("no error text contains the key", arguments: [
        ScriptedReply.status(401, body: "Incorrect API key provided: \(key)"),
        .status(500, body: #"{"error":"bad key \#(key)"}"#),
        .status(200, body: "not json, but here is your key: \(key)"),
    ])
    func errorsHideTheKey(reply: ScriptedReply) async throws {
        let replies = Array(repeating: reply, count: 3)
        try await withScriptedServer(replies) { server in
            let client = try makeClient(for: server, apiKey: Self.key) { $0.maxRetries = 1 }
            let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
            #expect(error.description.contains("<redacted>"))
            for text in [error.description, error.localizedDescription, "\(error)", String(reflecting: error)] {
                #expect(!text.contains(Self.key))
            }
            #expect(server.requests.first?.headers["authorization"] == "Bearer \(Self.key)")
        }
    }

    @Test("timeouts and refused connections do not mention the key either")
    func transportErrorsHideTheKey() async throws {
        try await withScriptedServer([.delay(.seconds(60), then: .completion("late"))]) { server in
            let client = try makeClient(for: server, apiKey: Self.key) {
                $0.requestTimeout = .milliseconds(300)
                $0.maxRetries = 0
            }
            let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
            #expect(!"\(error)".contains(Self.key))
        }
        let stopped = try ScriptedLLMServer(replies: [])
        stopped.stop()
        let client = try makeClient(for: stopped, apiKey: Self.key) { $0.maxRetries = 0 }
        let error = try await #require(throws: LLMError.self) { try await client.complete(twoMessages) }
        #expect(!"\(error)".contains(Self.key))
    }

    @Test("options print without the key")
    func optionsHideTheKey() {
        let options = LLMClientOptions(model: "m", apiKey: Self.key)
        var dumped = ""
        dump(options, to: &dumped)
        for text in ["\(options)", String(reflecting: options), dumped] {
            #expect(!text.contains(Self.key))
            #expect(text.contains("<redacted>"))
        }
    }
}
