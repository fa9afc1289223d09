import Foundation
import PoolTesting
import Sandbox
import Testing

/// `ContainerExecutor.execute` against a real runner process and its socket.
@Suite("executor: execute")
struct ExecutorExecutionTests {
    @Test("code runs and what it prints comes back")
    func printsOutput() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(
                code: "import sys\nprint('hello')\nprint('oops', file=sys.stderr)",
                timeout: .seconds(60)
            )
            #expect(result.status == .ok)
            #expect(result.failure == nil)
            #expect(result.stdout == "hello\n")
            #expect(result.stderr == "oops\n")
            #expect(result.value == nil)
            await executor.close()
        }
    }

    @Test("the last expression's repr() is the value; None and statements give none")
    func lastExpressionValue() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            #expect(await executor.execute(code: "x = 20\nx * 2 + 2", timeout: .seconds(60)).value == "42")
            #expect(await executor.execute(code: "'a' + 'b'", timeout: .seconds(60)).value == "'ab'")
            #expect(await executor.execute(code: "None", timeout: .seconds(60)).value == nil)
            #expect(await executor.execute(code: "y = 1", timeout: .seconds(60)).value == nil)
            await executor.close()
        }
    }

    @Test("an exception gives an error result with its type, message and the code's traceback")
    func errorWithTraceback() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(
                code: "print('before')\ndef divide():\n    return 1 / 0\ndivide()",
                timeout: .seconds(60)
            )
            #expect(result.status == .error)
            #expect(result.failure == nil)
            #expect(result.stdout == "before\n")
            let error = try #require(result.error)
            #expect(error.type == "ZeroDivisionError")
            #expect(error.message == "division by zero")
            #expect(error.traceback.contains("in divide"))
            #expect(error.traceback.contains("return 1 / 0"))
            #expect(!error.traceback.contains("repl_runner.py"), "the runner's own frames are left out")
            #expect(await !executor.needsDiscard)

            let syntax = await executor.execute(code: "x = = 1", timeout: .seconds(60))
            #expect(syntax.error?.type == "SyntaxError")
            await executor.close()
        }
    }

    @Test("SystemExit and KeyboardInterrupt in the code end the code, not the runner")
    func systemExitIsAnError() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let exit = await executor.execute(code: "import sys\nsys.exit(3)", timeout: .seconds(60))
            #expect(exit.status == .error)
            #expect(exit.error?.type == "SystemExit")
            #expect(exit.error?.message == "3")
            let interrupt = await executor.execute(code: "raise KeyboardInterrupt", timeout: .seconds(60))
            #expect(interrupt.error?.type == "KeyboardInterrupt")
            try await executor.ping()
            #expect(await executor.execute(code: "1 + 1", timeout: .seconds(60)).value == "2")
            #expect(runner.child.isRunning)
            await executor.close()
        }
    }

    @Test("the namespace persists across executes and across connections")
    func namespacePersists() async throws {
        try await withRunner { runner in
            let first = runner.executor()
            _ = await first.execute(code: "counter = 40", timeout: .seconds(60))
            #expect(await first.execute(code: "counter += 1\ncounter", timeout: .seconds(60)).value == "41")
            await first.close()

            let second = runner.executor()
            #expect(await second.execute(code: "counter + 1", timeout: .seconds(60)).value == "42")
            await second.close()
        }
    }

    @Test("setup sets `context` to the documents")
    func setupSetsContext() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            #expect(await executor.execute(code: "context", timeout: .seconds(60)).value == "[]")
            try await executor.setupContext(["first document", "zweites Dokument ü"])
            let result = await executor.execute(code: "print(len(context))\ncontext[1]", timeout: .seconds(60))
            #expect(result.stdout == "2\n")
            #expect(result.value == "'zweites Dokument ü'")
            await executor.close()
        }
    }

    @Test("FINAL records the answer and the code goes on")
    func finalAnswer() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(code: "FINAL(6 * 7)\nprint('still running')", timeout: .seconds(60))
            #expect(result.status == .ok)
            #expect(result.finalAnswer == "42")
            #expect(result.stdout == "still running\n")
            #expect(result.finalVar == nil)
            await executor.close()
        }
    }

    @Test("FINAL_VAR records a variable's name and str() of its value; a missing name is an error")
    func finalVariable() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let result = await executor.execute(code: "answer = ['a', 1]\nFINAL_VAR('answer')", timeout: .seconds(60))
            #expect(result.status == .ok)
            #expect(result.finalVar == "answer")
            #expect(result.finalValue == "['a', 1]")

            let missing = await executor.execute(code: "FINAL_VAR('nowhere')", timeout: .seconds(60))
            #expect(missing.status == .error)
            #expect(missing.error?.type == "NameError")
            #expect(missing.error?.message.contains("nowhere") == true)
            #expect(missing.finalVar == nil)
            #expect(missing.failure == nil)
            await executor.close()
        }
    }

    @Test("a process the code forks never writes to the socket")
    func forkedChildStaysSilent() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let code = """
                import os
                pid = os.fork()
                print('child' if pid == 0 else 'parent')
                if pid:
                    os.waitpid(pid, 0)
                """
            let result = await executor.execute(code: code, timeout: .seconds(60))
            #expect(result.status == .ok)
            #expect(result.failure == nil)
            #expect(result.stdout == "parent\n")
            try await executor.ping()
            // A stray result from the child would be read here instead of this one's.
            let next = await executor.execute(code: "print('next')\n2", timeout: .seconds(60))
            #expect(next.stdout == "next\n")
            #expect(next.value == "2")
            #expect(await !executor.needsDiscard)
            await executor.close()
        }
    }

    @Test("a socket path longer than sun_path is reached through its folder")
    func longSocketPath() async throws {
        let slotName = String(repeating: "long-slot-name-", count: 8)
        try await withRunner(slotName: slotName) { runner in
            #expect(runner.layout.socket.utf8.count > 108)
            let executor = runner.executor()
            try await executor.connect(timeout: .seconds(30))
            try await executor.ping()
            #expect(await executor.execute(code: "1 + 2", timeout: .seconds(60)).value == "3")
            await executor.close()
        }
    }

    @Test("connecting where no runner listens yet fails without ending the executor")
    func connectBeforeRunnerStarts() async throws {
        try await withTemporaryFolder { folder in
            let slot = folder.appending(path: "slot")
            let executor = ContainerExecutor(
                socketPath: SlotLayout(slot: slot.path(percentEncoded: false)).socket, token: RunnerProcess.firstToken
            )
            await #expect {
                try await executor.connect(timeout: .milliseconds(50))
            } throws: { error in
                guard case .cannotConnect = error as? SandboxProtocolError else { return false }
                return true
            }
            #expect(await executor.protocolError == nil)
            #expect(await !executor.needsDiscard)

            let runner = try await RunnerProcess.start(in: slot)
            try await executor.connect(timeout: .seconds(30))
            let result = await executor.execute(code: "'up'", timeout: .seconds(60))
            await executor.close()
            await runner.stop()
            #expect(result.value == "'up'")
        }
    }
}
