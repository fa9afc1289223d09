import PoolTesting
import Synchronization

@testable import RLM

/// The waits a client asked for between attempts, recorded instead of slept, so retry tests run at once
/// and can check the backoff and `Retry-After` handling.
final class RecordedWaits: Sendable {
    private let waits = Mutex<[Duration]>([])

    var durations: [Duration] { waits.withLock { $0 } }

    /// Records each wait and returns at once; jitter is the identity, so the ceilings are visible.
    var waiting: RetryWaiting {
        RetryWaiting(sleep: { duration in self.waits.withLock { $0.append(duration) } }, jitter: { $0 })
    }
}

/// A client for `server`, with test-sized retries; `configure` adjusts the options.
func makeClient(
    for server: ScriptedLLMServer,
    apiKey: String? = "sk-test-secret-key-0123456789",
    waits: RecordedWaits = RecordedWaits(),
    configure: (inout LLMClientOptions) -> Void = { _ in }
) throws -> LLMClient {
    var options = LLMClientOptions(
        baseURL: server.baseURL, model: "test-model", apiKey: apiKey, requestTimeout: .seconds(30),
        maxRetries: 4, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(40))
    configure(&options)
    return try LLMClient(options: options, waiting: waits.waiting)
}

/// Runs `body` against a server answering with `replies`, stopping the server on both paths.
func withScriptedServer<R>(
    _ replies: [ScriptedReply], _ body: (ScriptedLLMServer) async throws -> R
) async throws -> R {
    let server = try ScriptedLLMServer(replies: replies)
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

let twoMessages = [
    ChatMessage(role: .system, content: "You answer questions."),
    ChatMessage(role: .user, content: "What is 6 × 7? Say \"42\".\nThanks."),
]
