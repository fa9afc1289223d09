import Foundation
import PoolTesting
import Sandbox
import Testing

/// A runner that breaks the protocol ends the executor: the call fails, later calls fail at once with
/// the same error, and the sandbox is marked for discarding.
@Suite("executor: protocol errors")
struct ExecutorProtocolErrorTests {
    @Test("a result line over 1 MiB is a protocol error and the sandbox must be discarded")
    func oversizedOutput() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(code: "print('x' * 1_100_000)", timeout: .seconds(60))
            #expect(result.status == .error)
            #expect(result.failure == .lineTooLong(limit: 1 << 20))
            #expect(await executor.protocolError == .lineTooLong(limit: 1 << 20))
            #expect(await executor.needsDiscard)
            await #expect(throws: SandboxProtocolError.lineTooLong(limit: 1 << 20)) {
                try await executor.ping()
            }
            await executor.close()
        }
    }

    @Test(
        "a malformed reply is a protocol error, and later calls fail without asking the runner",
        arguments: FakeReply.allCases
    )
    func malformedReply(reply: FakeReply) async throws {
        try await withFakeRunner(reply: reply) { runner in
            let executor = runner.executor()
            let timeout: Duration = reply == .silence ? .seconds(1) : .seconds(60)
            let result = await executor.execute(code: "1 + 1", timeout: timeout)
            #expect(result.status == .error)
            let failure = try #require(result.failure)
            #expect(Self.isExpected(failure, for: reply), "\(reply): \(failure)")
            #expect(await executor.protocolError == failure)
            #expect(await executor.needsDiscard)

            let later = await executor.execute(code: "2 + 2", timeout: .seconds(60))
            #expect(later.failure == failure)
            await #expect(throws: failure) { try await executor.ping() }
            await #expect(throws: failure) { try await executor.resetNamespace() }
            await executor.close()
            #expect(runner.receivedRequests.count == 1, "\(runner.receivedRequests.map { $0.prefix(80) })")
        }
    }

    static func isExpected(_ failure: SandboxProtocolError, for reply: FakeReply) -> Bool {
        switch (reply, failure) {
        case (.invalidJSON, .invalidJSON),
            (.invalidUTF8, .invalidUTF8),
            (.endlessLine, .bufferOverflow(limit: 10 << 20)),
            (.silence, .timedOut(operation: "execute", after: .seconds(1))),
            (.wrongType, .unexpectedMessage(type: "pong", expected: _)):
            return true
        case (.missingType, .malformedMessage(let detail)):
            return detail.contains("'type'")
        case (.resultMissingField, .malformedMessage(let detail)):
            return detail.contains("'value'")
        default:
            return false
        }
    }
}
