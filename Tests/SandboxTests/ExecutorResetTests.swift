import Foundation
import PoolTesting
import Sandbox
import Testing

/// `ContainerExecutor.resetNamespace` against a real runner: what the next holder finds.
@Suite("executor: reset")
struct ExecutorResetTests {
    @Test("reset clears names and context, keeps builtins and helpers, empties the box but for the socket")
    func resetClearsState() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            try await executor.setupContext(["secret document"])
            let setup = await executor.execute(
                code: """
                    import builtins, os
                    leftover = 'from the last holder'
                    builtins.len = lambda _: -1
                    with open('notes.txt', 'w') as f:
                        f.write('x')
                    os.makedirs('folder/inner')
                    os.symlink('/', 'link-to-root')
                    """,
                timeout: .seconds(60)
            )
            #expect(setup.status == .ok, "\(String(describing: setup.error))")
            #expect(await executor.execute(code: "len('abc')", timeout: .seconds(60)).value == "-1")

            try await executor.resetNamespace()

            let names = await executor.execute(code: "leftover", timeout: .seconds(60))
            #expect(names.error?.type == "NameError")
            let state = await executor.execute(
                code: "(context, len('abc'), callable(llm_query), callable(FINAL), callable(FINAL_VAR))",
                timeout: .seconds(60)
            )
            #expect(state.value == "([], 3, True, True, True)")
            let box = try FileManager.default.contentsOfDirectory(atPath: runner.layout.box)
            #expect(box == [SlotLayout.socketFileName])
            #expect(FileManager.default.fileExists(atPath: "/bin/sh"), "the link was removed, not followed")
            await executor.close()
        }
    }

    @Test("reset stops the processes the code started")
    func resetStopsProcesses() async throws {
        try await withRunner { runner in
            let executor = runner.executor()
            let started = await executor.execute(
                code: "import subprocess\nsleeper = subprocess.Popen(['sleep', '600'])\nsleeper.pid",
                timeout: .seconds(60)
            )
            let pid = try #require(started.value.flatMap { Int32($0) })
            #expect(kill(pid, 0) == 0)

            try await executor.resetNamespace()

            // The runner reaped it, so not even a zombie is left.
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
            await executor.close()
        }
    }
}
