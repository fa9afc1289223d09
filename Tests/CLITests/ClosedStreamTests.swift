import Foundation
import PoolTesting
import Testing

/// A command whose standard streams cannot be written still ends with its own exit status.
@Suite("closed output streams")
struct ClosedStreamTests {
    @Test("with stderr closed, an error still exits with its documented code instead of crashing")
    func closedStandardError() async throws {
        let status = try runThroughShell(#"exec "$0" status --db /nonexistent-folder/pool.db 2>&-"#)
        #expect(status == 64, "exit \(status): the failed write must not end the command")
    }

    @Test("with stdout closed, a command that prints results still exits 0")
    func closedStandardOutput() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "pool.db").path(percentEncoded: false)
            let made = try await runCLI([
                "init", "worktree", "--repo", try makeGitRepository(in: folder).path(percentEncoded: false),
                "--db", database, "--dir", folder.appending(path: "slots").path(percentEncoded: false),
            ])
            try #require(made.status == 0, "\(made)")
            let status = try runThroughShell(#"exec "$0" status --db "$1" >&-"#, database)
            #expect(status == 0, "exit \(status): the failed write must not end the command")
        }
    }

    /// Runs `script` with `sh -c`, the built shesha-pool as $0 and `arguments` after it; returns the exit status.
    private func runThroughShell(_ script: String, _ arguments: String...) throws -> Int32 {
        let shell = try SpawnedChild(
            executable: "/bin/sh",
            arguments: ["-c", script, try builtExecutable(named: "shesha-pool").path(percentEncoded: false)]
                + arguments
        )
        return shell.waitUntilExit()
    }
}
