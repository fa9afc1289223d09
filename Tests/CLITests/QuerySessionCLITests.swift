import Foundation
import PoolTesting
import Testing

/// `query --session NAME` across processes, and `--end-session NAME`.
@Suite struct QuerySessionCLITests {
    @Test("a session keeps its sandbox, variables and documents between commands until --end-session")
    func sessionAcrossCommands() async throws {
        try await withSandboxFixture { fixture in
            try #require(
                try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1"]).status
                    == 0
            )
            let first = try fixture.document("first.txt", "alpha")
            let second = try fixture.document("second.txt", "beta")
            let server = try ScriptedLLMServer(replies: [
                .completion("```repl\nseen = context[0]\nFINAL('noted')\n```"),
                .completion("```repl\nFINAL(seen + ' then ' + context[1])\n```"),
            ])
            defer { server.stop() }
            let base = ["query", "--model", "m", "--base-url", server.baseURL, "--session", "notes"]
            let asked = try await fixture.cli(base + ["--doc", first, "Note it."])
            #expect(asked.status == 0, "\(asked)")
            #expect(asked.stdout == "noted\n")
            #expect(asked.stderr.contains("using a sandbox from container pool 'default' (session 'notes')"))
            #expect(try await fixture.slots().map(\.state) == ["leased"], "the session keeps its sandbox")
            let again = try await fixture.cli(base + ["--doc", second, "And now?"])
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout == "alpha then beta\n")
            let ended = try await fixture.cli(["query", "--end-session", "notes"])
            #expect(ended.status == 0, "\(ended)")
            #expect(ended.stderr.contains("session 'notes' ended"))
            #expect(try await fixture.slots().map(\.state) == ["idle"])
            let unknown = try await fixture.cli(["query", "--end-session", "notes"])
            #expect(unknown.status == 64, "\(unknown)")
        }
    }

    @Test(
        "bad session flags exit 64 and change nothing",
        arguments: [
            ["query", "--end-session", "s", "--doc", "DOC"], ["query", "--end-session", "s", "Q?"],
            ["query", "--session", "bad name!", "--model", "m", "Q?"],
            ["query", "--session", "s", "--session-ttl", "0s", "--model", "m", "Q?"],
            ["query", "--session", "s", "--model", "m", "--pool", "nopool", "Q?"],
        ]
    )
    func badSessionFlags(arguments: [String]) async throws {
        try await withSandboxFixture { fixture in
            try await fixture.initPool(["--max-size", "1"])
            let doc = try fixture.document("doc.txt", "text")
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(arguments.map { $0 == "DOC" ? doc : $0 })
            #expect(result.status == 64, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(try await fixture.snapshot() == before)
        }
    }
}
