import Foundation
import PoolTesting
@testable import Sandbox
import Synchronization
import Testing

/// `llm_query` calls from executed code, answered by the host's handler over the same connection.
@Suite("executor: llm_query")
struct ExecutorLLMQueryTests {
    @Test("llm_query sends instruction and content to the handler and returns its answer")
    func roundTrip() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            await executor.setLLMQueryHandler { instruction, content in
                "\(instruction.uppercased()) of \(content.count) characters"
            }
            let result = await executor.execute(
                code: """
                    first = llm_query('summarize', 'ünïcode text')
                    second = llm_query('count', 'x' * 100000)
                    print(first)
                    second
                    """,
                timeout: .seconds(60)
            )
            #expect(result.status == .ok, "\(String(describing: result.error))")
            #expect(result.stdout == "SUMMARIZE of 12 characters\n")
            #expect(result.value == "'COUNT of 100000 characters'")
            await executor.close()
        }
    }

    @Test("a handler's error raises RuntimeError inside the code, which may catch it")
    func handlerError() async throws {
        struct ModelUnavailable: Error, CustomStringConvertible {
            var description: String { "the model is unavailable" }
        }
        try await withRunner { runner in
            let executor = runner.executor()
            await executor.setLLMQueryHandler { _, _ in throw ModelUnavailable() }
            let raised = await executor.execute(code: "llm_query('a', 'b')", timeout: .seconds(60))
            #expect(raised.status == .error)
            #expect(raised.error?.type == "RuntimeError")
            #expect(raised.error?.message == "the model is unavailable")
            #expect(raised.failure == nil)

            let caught = await executor.execute(
                code: "try:\n    llm_query('a', 'b')\nexcept RuntimeError as error:\n    print('caught', error)",
                timeout: .seconds(60)
            )
            #expect(caught.status == .ok)
            #expect(caught.stdout == "caught the model is unavailable\n")
            #expect(await !executor.needsDiscard)
            await executor.close()
        }
    }

    @Test("without a handler, llm_query raises and says so")
    func noHandler() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(code: "llm_query('a', 'b')", timeout: .seconds(60))
            #expect(result.error?.type == "RuntimeError")
            #expect(result.error?.message == "no llm_query handler is set on the host")
            await executor.close()
        }
    }

    @Test("the time the handler takes does not count against the execute timeout")
    func handlerTimeIsNotCounted() async throws {
        try await withRunner { runner in
            // The executor's clock jumps an hour while the handler answers, as if the model took that long:
            // the 60 s left to the code itself (generous on any machine) would be long gone if it counted.
            let jump = Mutex(Duration.zero)
            let clock = DeadlineClock { .now + jump.withLock { $0 } }
            let executor = ContainerExecutor(socketPath: runner.layout.socket, token: RunnerProcess.firstToken, clock: clock)
            await executor.setLLMQueryHandler { _, _ in
                jump.withLock { $0 += .seconds(3_600) }
                return "slow answer"
            }
            let result = await executor.execute(
                code: "[llm_query('a', 'b') for _ in range(2)]",
                timeout: .seconds(60)
            )
            #expect(result.failure == nil)
            #expect(result.value == "['slow answer', 'slow answer']")
            #expect(jump.withLock { $0 } == .seconds(7_200))
            await executor.close()
        }
    }
}
