import Foundation
import PoolTesting
import Testing

/// `shesha-pool query`'s batching, depth and limit flags, and `--show-trace`, as a user runs them.
@Suite struct QueryLimitsCLITests {
    @Test("a limit ends the query: exit 1, the limit and what was spent on stderr, the pool's sandbox back")
    func limitExitsOne() async throws {
        try await withSandboxFixture { fixture in
            try #require(
                try await fixture.cli(["init", "container", "--dir", fixture.sandboxFolder, "--max-size", "1"]).status
                    == 0
            )
            let doc = try fixture.document("a.txt", "text")
            let prices = try fixture.document("prices.json", #"{"m": {"input": 1000, "output": 2000}}"#)
            let server = try ScriptedLLMServer { _, _ in replyRunning("print('more')") }
            defer { server.stop() }
            let result = try await fixture.cli([
                "query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "--prices", prices,
                "--max-cost", "0.05", "Q?",
            ])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.contains(
                    "no answer: the cost limit of $0.05 was passed; spent 45 tokens in 3 LLM calls, $0.06, "
                )
            )
            #expect(server.requests.count == 3)
            #expect(try await fixture.slots().map(\.state) == ["idle"])
        }
    }

    @Test("batched sub-calls and a child query through the command, with the trace drawn as a tree")
    func batchDepthAndShowTrace() async throws {
        try await withSandboxFixture { fixture in
            let temp = try fixture.sandboxTemp()
            defer { killSandboxes(under: temp) }
            let doc = try fixture.document("a.txt", "alpha beta")
            let traces = fixture.folder.appending(path: "traces").path(percentEncoded: false)
            let server = try ScriptedLLMServer { request, _ in
                let last = request.messages.last?.content ?? ""
                if last.contains("<untrusted-content>") { return .completion("sub") }
                if last.contains("\nCHILD?") { return replyRunning("FINAL('child says ' + context[0])") }
                return replyRunning(
                    """
                    subs = llm_query_batched([('Read.', w) for w in context[0].split()])
                    FINAL(' '.join(subs) + ', ' + rlm_query('CHILD?', 'hello'))
                    """
                )
            }
            defer { server.stop() }
            let result = try await fixture.cli(
                [
                    "query", "--doc", doc, "--model", "m", "--base-url", server.baseURL, "--trace", traces,
                    "--max-depth", "2", "--max-concurrent-subcalls", "2", "Q?",
                ],
                environment: ["TMPDIR": temp]
            )
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "sub sub, child says hello\n")
            #expect(result.stderr.contains("\n  [1] model replied"), "a child's steps are indented")
            let trace = try #require(entries(of: traces).first)
            let shown = try await fixture.cli(["query", "--show-trace", traces + "/" + trace])
            #expect(shown.status == 0, "\(shown)")
            #expect(shown.stdout.contains("iteration 1\n  reply: ```repl (+3 lines)  ["))
            #expect(shown.stdout.contains("  llm_query_batched: 2 items, up to 2 at once\n"))
            #expect(shown.stdout.contains("\n  rlm_query: CHILD? (+1 lines)\n    iteration 1 (depth 2)\n"))
            #expect(shown.stdout.contains("total: 2 model replies, 2 sub-calls, 1 child queries, 0 errors; 60 tokens"))
            #expect(entries(of: temp).isEmpty, "the sandboxes' folders are gone")
        }
    }

    @Test("a trace file that is not one exits 65 naming the line")
    func malformedTrace() async throws {
        try await withSandboxFixture { fixture in
            let bad = try fixture.document("bad.jsonl", "not json\n")
            let result = try await fixture.cli(["query", "--show-trace", bad])
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("line 1 of \(bad) is not a trace step"))
        }
    }

    @Test(
        "bad limit and batching flags exit 64 with one line and change nothing",
        arguments: [
            ["--max-tokens", "0"], ["--max-concurrent-subcalls", "0"], ["--max-depth", "0"], ["--max-errors", "0"],
            ["--max-cost", "1"], ["--max-cost", "-1", "--prices", "PRICES"],
            ["--max-cost", "nan", "--prices", "PRICES"],
            ["--max-time", "soon"], ["--max-time", "0s"], ["--child-sandbox", "maybe"],
            ["--prices", "/nonexistent/prices.json"], ["--prices", "BADPRICES"],
            ["--max-cost", "1", "--prices", "OTHER"],
            ["--show-trace", "x", "--doc", "DOC"],
        ]
    )
    func badFlags(flags: [String]) async throws {
        try await withSandboxFixture { fixture in
            try await fixture.initPool(["--max-size", "1"])
            let doc = try fixture.document("doc.txt", "text")
            let prices = try fixture.document("prices.json", #"{"m": {"input": 1, "output": 2}}"#)
            let other = try fixture.document("other.json", #"{"another": {"input": 1, "output": 2}}"#)
            let badPrices = try fixture.document("bad.json", #"{"m": {"input": "cheap"}}"#)
            let before = try await fixture.snapshot()
            let values = ["DOC": doc, "PRICES": prices, "OTHER": other, "BADPRICES": badPrices]
            let result = try await fixture.cli(
                ["query", "--doc", doc, "--model", "m", "--base-url", "http://127.0.0.1:9/v1"]
                    + flags.map { values[$0] ?? $0 } + ["Q?"]
            )
            #expect(result.status == 64, "\(result)")
            #expect(result.stdout.isEmpty)
            let firstLine = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.hasPrefix("Error: ") || firstLine.hasPrefix("shesha-pool: "), "\(result.stderr)")
            #expect(try await fixture.snapshot() == before)
        }
    }
}
