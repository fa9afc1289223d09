import Foundation
import PoolTesting
import Testing

/// `shesha-pool query` runs `shesha-pool-query` from the same folder.
@Suite("query hand-over")
struct QueryHandOverTests {
    @Test("without shesha-pool-query beside it, query exits 69 saying how to build it")
    func missingHelper() async throws {
        try await withTemporaryFolder { folder in
            let alone = folder.appending(path: "shesha-pool").path(percentEncoded: false)
            try installExecutable(copying: try builtExecutable(named: "shesha-pool").path, to: alone)
            let child = try ChildProcess(executable: URL(filePath: alone), arguments: ["query", "--doc", "x", "q"], outputFolder: folder)
            let status = try await child.waitForExit()
            #expect(status == 69)
            #expect(child.stderr.contains("--product shesha-pool-query"), "\(child.stderr)")
            #expect(child.stdout.isEmpty)
        }
    }

    @Test("--db and --pool before query reach shesha-pool-query")
    func leadingGlobalOptions() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--pool", "wt"])
            let document = fixture.folder.appending(path: "notes.txt").path(percentEncoded: false)
            try "notes".write(toFile: document, atomically: true, encoding: .utf8)
            // A worktree pool named by --pool is refused by query itself (no model is asked): proof that both
            // options reached it, from the database named by --db.
            let result = try await shesha(
                ["--db", fixture.databasePath, "--pool", "wt", "query", "--doc", document, "--model", "m", "--base-url",
                 "http://127.0.0.1:9", "what?"]
            )
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("pool 'wt' holds worktree slots, not sandboxes"), "\(result)")
            #expect(!result.stderr.contains("Unknown option"), "\(result)")
            let spelledWithEquals = try await shesha(
                ["--db=\(fixture.folder.path(percentEncoded: false))", "query", "--doc", document, "what?"]
            )
            #expect(spelledWithEquals.status == 64, "\(spelledWithEquals)")
            #expect(spelledWithEquals.stderr.contains("is a folder"), "\(spelledWithEquals)")
        }
    }
}
