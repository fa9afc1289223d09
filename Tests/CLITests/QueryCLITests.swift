import Foundation
import PoolTesting
import Testing

/// `shesha-pool query` as a user runs it: a scripted model over real HTTP, real bubblewrap sandboxes.
@Suite struct QueryCLITests {
    @Test("without a container pool, query answers in a sandbox of its own and stops it")
    func withoutPool() async throws {
        try await withSandboxFixture { fixture in
            let temp = try fixture.sandboxTemp()
            defer { killSandboxes(under: temp) }
            let doc = try fixture.document("notes.txt", "The launch code is 7421.")
            let server = try ScriptedLLMServer(replies: [
                replyRunning("print(context[0][:40])"),
                replyRunning("FINAL(context[0].split()[-1].rstrip('.'))"),
            ])
            defer { server.stop() }
            let result = try await fixture.cli(
                ["query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "What is the launch code?"],
                environment: ["TMPDIR": temp]
            )
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "7421\n")
            #expect(result.stderr.contains("using a bubblewrap sandbox for this query"))
            #expect(result.stderr.contains("[1] running code: print(context[0][:40])"))
            #expect(server.requests.count == 2)
            #expect(server.requests.first?.model == "m")
            #expect(entries(of: temp).isEmpty, "the query's sandbox folder is removed")
            #expect(runningSandboxes(under: temp).isEmpty, "the query's sandbox is stopped")
            #expect(!FileManager.default.fileExists(atPath: fixture.databasePath), "no database was made")
        }
    }

    @Test("with a container pool, query leases its warm sandbox and gives it back running")
    func withPool() async throws {
        try await withSandboxFixture { fixture in
            let created = try await fixture.cli(
                ["init", "container", "--dir", fixture.sandboxFolder, "--min-idle", "1", "--max-size", "1"]
            )
            try #require(created.status == 0, "\(created)")
            let before = try sandboxRecord(fixture)
            let doc = try fixture.document("a.txt", "alpha beta gamma")
            let traces = fixture.folder.appending(path: "traces").path(percentEncoded: false)
            let server = try ScriptedLLMServer(replies: [replyRunning("words = context[0].split()\nFINAL_VAR('words')")])
            defer { server.stop() }
            let result = try await fixture.cli([
                "query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "--trace", traces, "Which words?",
            ])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "['alpha', 'beta', 'gamma']\n")
            #expect(result.stderr.contains("using a sandbox from container pool 'default'"))
            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == ["idle"])
            #expect(slots.map(\.uses) == [1])
            #expect(try sandboxRecord(fixture) == before, "the same sandbox, still the pool's")
            #expect(runningSandboxes(under: fixture.sandboxFolder).count == 1)
            let trace = try #require(entries(of: traces).first)
            let lines = try String(contentsOfFile: traces + "/" + trace, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4, "reply, code, output, final answer")
        }
    }

    @Test("no final answer within --max-iterations exits 1 with a clear line")
    func noAnswer() async throws {
        try await withSandboxFixture { fixture in
            let temp = try fixture.sandboxTemp()
            defer { killSandboxes(under: temp) }
            let doc = try fixture.document("a.txt", "text")
            let server = try ScriptedLLMServer { _, _ in replyRunning("print('still looking')") }
            defer { server.stop() }
            let result = try await fixture.cli(
                ["query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "--max-iterations", "2", "Q?"],
                environment: ["TMPDIR": temp]
            )
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.contains("shesha-pool: no answer: no code called FINAL or FINAL_VAR within 2 iterations")
            )
            #expect(server.requests.count == 2)
            #expect(entries(of: temp).isEmpty)
        }
    }

    @Test("an LLM endpoint that keeps failing exits 1 naming the status", .timeLimit(.minutes(2)))
    func llmFailure() async throws {
        try await withSandboxFixture { fixture in
            let temp = try fixture.sandboxTemp()
            defer { killSandboxes(under: temp) }
            let doc = try fixture.document("a.txt", "text")
            let server = try ScriptedLLMServer { _, _ in .status(503, body: "down for maintenance", retryAfter: "0") }
            defer { server.stop() }
            let result = try await fixture.cli(
                ["query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "Q?"],
                environment: ["TMPDIR": temp]
            )
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("HTTP 503"))
            #expect(result.stderr.contains("down for maintenance"))
            #expect(entries(of: temp).isEmpty, "the sandbox was stopped on the error path")
        }
    }

    @Test(
        "bad input exits 64 and changes nothing",
        arguments: [
            ["query", "Q?"],
            ["query", "--doc", "/nonexistent/doc.txt", "--model", "m", "Q?"],
            ["query", "--doc", "DOC", "--model", "m", "--max-iterations", "0", "Q?"],
            ["query", "--doc", "DOC", "--model", "m", "  "],
            ["query", "--doc", "DOC", "--model", "m", "--base-url", "ftp://example.com", "Q?"],
            ["query", "--doc", "DOC", "--model", "m", "--pool", "worktrees", "Q?"],
        ]
    )
    func badInput(arguments: [String]) async throws {
        try await withSandboxFixture { fixture in
            try await fixture.initPool(["--max-size", "1", "--pool", "worktrees"])
            let doc = try fixture.document("doc.txt", "text")
            let before = try await fixture.snapshot()
            let result = try await fixture.cli(
                arguments.map { $0 == "DOC" ? doc : $0 },
                environment: ["SHESHA_LLM_MODEL": "", "SHESHA_POOL": ""]
            )
            #expect(result.status == 64, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(!result.stderr.isEmpty)
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("no model from --model or SHESHA_LLM_MODEL is a usage error")
    func missingModel() async throws {
        try await withSandboxFixture { fixture in
            let doc = try fixture.document("doc.txt", "text")
            let result = try await fixture.cli(["query", "--doc", doc, "Q?"], environment: ["SHESHA_LLM_MODEL": ""])
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("--model"))
        }
    }
}
