import Foundation
import PoolTesting
import Sandbox
import Testing

/// The runner's own rlimits (`--memory`, `--pids`) contain code that hogs memory or forks without end;
/// the result says a limit was hit, and the executor asks for the sandbox to be discarded.
@Suite("executor: resource limits")
struct ExecutorLimitTests {
    @Test("a memory hog under --memory hits the limit and the sandbox must be discarded")
    func memoryHog() async throws {
        try await withRunner(arguments: ["--memory", String(256 << 20)]) { runner in
            let executor = runner.executor()
            let result = await executor.execute(
                code: "hog = []\nwhile True:\n    hog.append(bytearray(8 << 20))",
                timeout: .seconds(120)
            )
            #expect(result.failure == nil)
            #expect(result.status == .error)
            #expect(result.error?.type == "MemoryError")
            #expect(result.limitHit)
            #expect(await executor.needsDiscard)
            #expect(await executor.protocolError == nil)
            try await executor.ping()
            await executor.close()
        }
    }

    /// The kernel applies no process limit to root, so as root the runner runs as nobody.
    static let runsUnprivileged = getuid() == 0
    static let canRun = !runsUnprivileged || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test(
        "a fork bomb under --pids hits the limit and the sandbox must be discarded",
        .enabled(if: canRun, "running as root needs /usr/bin/setpriv (util-linux) to drop to an unprivileged user")
    )
    func forkBomb() async throws {
        try await withRunner(arguments: ["--pids", "30"], unprivileged: Self.runsUnprivileged) { runner in
            let executor = runner.executor()
            let code = """
                import os, time
                children = []
                while True:
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(0.5)
                        os._exit(0)
                    children.append(pid)
                """
            let result = await executor.execute(code: code, timeout: .seconds(120))
            #expect(result.failure == nil)
            #expect(result.status == .error)
            #expect(result.error?.type == "BlockingIOError")
            #expect(result.limitHit)
            #expect(await executor.needsDiscard)
            try await executor.ping()
            await executor.close()
        }
    }
}
