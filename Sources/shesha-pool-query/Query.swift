import ArgumentParser
import Foundation
import PoolCore
import RLM
import Sandbox
import SheshaCommandLine
import SheshaSystem

/// `shesha-pool query`, a program of its own that `shesha-pool` hands the command to: its HTTP client
/// (FoundationNetworking) links libcurl and some 30 libraries more, whose loading would double the start-up
/// time of every other command.
@main
struct Query: SheshaCommand {
    static let configuration = CommandConfiguration(
        commandName: "shesha-pool query",
        abstract: "Answer a question about documents: a language model writes code that reads them in a sandbox.",
        discussion: """
            The model (any OpenAI-compatible chat completions endpoint) sees the question, not the documents: \
            it writes Python that explores them as `context` in a sandbox and asks sub-questions with \
            `llm_query`, until its code calls FINAL. The answer goes to stdout, progress to stderr.

            The sandbox is leased from the container pool named by --pool when that pool exists in the \
            database (warm, reset and given back afterwards); otherwise a bubblewrap sandbox is started for \
            the query and stopped after it.

            The model and endpoint come from --model and --base-url, else SHESHA_LLM_MODEL and \
            SHESHA_LLM_BASE_URL; the API key from OPENAI_API_KEY. With no final answer within \
            --max-iterations replies, or when a limit (--max-tokens, --max-cost, --max-time, --max-errors) \
            is reached, the command says why and what was spent, and exits 1.

            The code can batch sub-calls with `llm_query_batched(pairs)` (--max-concurrent-subcalls at \
            once) and, with --max-depth 2 or more, start child queries with `rlm_query(question, content)`, \
            each in a sandbox of its own from the same pool (a child never waits for one: with the pool \
            exhausted it starts its own, or with --child-sandbox fail raises an error in the code).

            --session NAME keeps the sandbox leased between commands, with the code's variables and the \
            documents (each --doc is appended to `context`); the lease belongs to the calling shell (it ends \
            when the shell does) and lasts --session-ttl past each use. --end-session NAME releases it.

            --show-trace FILE draws a trace written with --trace as an indented tree with totals.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .customLong("doc"),
        help: ArgumentHelp("A document to ask about (repeat for several).", valueName: "file")
    )
    var documents: [String] = []

    @Option(help: ArgumentHelp("The model. Default: $SHESHA_LLM_MODEL.", valueName: "name"))
    var model: String?

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The API root. Default: $SHESHA_LLM_BASE_URL, else https://api.openai.com/v1.",
            valueName: "url"
        )
    )
    var baseURL: String?

    @Option(
        name: .customLong("trace"),
        help: ArgumentHelp("Write the query's trace to a JSON Lines file in this folder.", valueName: "dir")
    )
    var traceFolder: String?

    @Option(help: ArgumentHelp("Model replies before giving up without an answer.", valueName: "n"))
    var maxIterations = 20

    @Option(help: ArgumentHelp("Sub-calls of one llm_query_batched that run at once.", valueName: "n"))
    var maxConcurrentSubcalls = 4

    @Option(help: ArgumentHelp("How deep queries may nest; 1 turns rlm_query off.", valueName: "n"))
    var maxDepth = 1

    @Option(
        help: ArgumentHelp(
            "A child query's sandbox when the pool has none free: throwaway (start one; the default) or fail.",
            valueName: "policy"
        ),
        transform: { word in
            guard let policy = ChildSandboxPolicy(rawValue: word) else {
                throw ValidationError("--child-sandbox must be throwaway or fail (got '\(word)')")
            }
            return policy
        }
    )
    var childSandbox: ChildSandboxPolicy = .throwaway

    @Option(help: ArgumentHelp("Stop after this many tokens, child queries included.", valueName: "n"))
    var maxTokens: Int?

    @Option(help: ArgumentHelp("Stop past this cost in US dollars (needs --prices).", valueName: "usd"))
    var maxCost: Double?

    @Option(help: ArgumentHelp("Stop after this much wall-clock time, e.g. 90s or 5m.", valueName: "duration"))
    var maxTime: HumanDuration?

    @Option(help: ArgumentHelp("Stop after this many code errors in a row.", valueName: "n"))
    var maxErrors: Int?

    @Option(
        name: .customLong("prices"),
        help: ArgumentHelp(
            "A JSON file of prices per model: {\"MODEL\": {\"input\": USD, \"output\": USD}} per million tokens.",
            valueName: "file"
        )
    )
    var pricesFile: String?

    @Option(
        name: .customLong("show-trace"),
        help: ArgumentHelp("Draw a trace file that --trace wrote, and exit.", valueName: "file")
    )
    var shownTrace: String?

    @Option(help: ArgumentHelp("Ask within this session: its sandbox, variables and documents.", valueName: "name"))
    var session: String?

    @Option(help: ArgumentHelp("How long a session lasts past its last use, e.g. 30m or 2h.", valueName: "duration"))
    var sessionTtl = HumanDuration(argument: "30m")!

    @Option(help: ArgumentHelp("End this session: reset and release its sandbox, and exit.", valueName: "name"))
    var endSession: String?

    @Argument(help: ArgumentHelp("The question.", valueName: "question"))
    var question: String?

    func validate() throws {
        if shownTrace != nil {
            guard documents.isEmpty, question == nil else {
                throw ValidationError("--show-trace takes no --doc and no question; pass only the trace file")
            }
            return
        }
        if let endSession {
            guard documents.isEmpty, question == nil, session == nil else {
                throw ValidationError("--end-session takes no --doc, --session or question; pass only the name")
            }
            try validateHolder(Self.sessionHolder(endSession))
            return
        }
        if let session {
            try validateHolder(Self.sessionHolder(session))
        } else if documents.isEmpty {
            throw ValidationError("pass at least one document with --doc FILE")
        }
        guard sessionTtl.duration > .zero else {
            throw ValidationError("--session-ttl must be longer than 0 (got \(sessionTtl))")
        }
        for (flag, value, least) in [
            ("--max-iterations", maxIterations, 1), ("--max-concurrent-subcalls", maxConcurrentSubcalls, 1),
            ("--max-depth", maxDepth, 1), ("--max-tokens", maxTokens ?? 1, 1), ("--max-errors", maxErrors ?? 1, 1),
        ] where value < least {
            throw ValidationError("\(flag) must be at least \(least) (got \(value))")
        }
        if let maxCost {
            guard maxCost > 0, maxCost.isFinite else {
                throw ValidationError("--max-cost must be a positive number of US dollars (got \(maxCost))")
            }
            guard pricesFile != nil else {
                throw ValidationError(
                    "--max-cost needs --prices FILE, which gives the model's price per million tokens"
                )
            }
        }
        if let maxTime, maxTime.duration <= .zero {
            throw ValidationError("--max-time must be longer than 0 (got \(maxTime))")
        }
        guard let question, !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the question is empty; pass it as the last argument")
        }
    }

    func perform() async throws {
        if let shownTrace {
            do {
                Console.output(TraceTree.render(try TraceTree.read(contentsOfFile: shownTrace)))
            } catch {
                Console.error("\(error)")
                throw ExitCode(ExitCodes.dataError)
            }
            return
        }
        if let endSession {
            guard let pool = try await containerPool() else { throw Self.sessionNeedsPool(global.poolName) }
            try await RLMSession.end(holder: Self.sessionHolder(endSession), in: pool)
            Console.message("session '\(endSession)' ended; its sandbox went back to pool '\(pool.pool.name)'")
            return
        }
        let question = question ?? ""
        let prices = try readPrices()
        let texts = try readDocuments()
        let client: LLMClient
        do {
            client = try LLMClient(options: LLMClientOptions.fromEnvironment(baseURL: baseURL, model: model))
        } catch {
            throw ValidationError("\(error)")
        }
        let pool = try await containerPool()
        let options = RLMEngineOptions(
            model: model,
            baseURL: baseURL,
            maxIterations: maxIterations,
            pool: pool,
            traceFolder: traceFolder,
            maxConcurrentSubcalls: maxConcurrentSubcalls,
            maxDepth: maxDepth,
            childSandbox: childSandbox,
            limits: QueryLimits(
                maxTokens: maxTokens,
                maxCost: maxCost,
                maxTime: maxTime?.duration,
                maxErrors: maxErrors
            ),
            prices: prices
        )
        let engine: RLMEngine
        do {
            engine = try RLMEngine(options: options, client: client)
        } catch let error as RLMError {
            throw ValidationError("\(error)")
        }
        if session != nil, pool == nil { throw Self.sessionNeedsPool(global.poolName) }
        Console.message(
            pool.map {
                "using a sandbox from container pool '\($0.pool.name)'" + (session.map { " (session '\($0)')" } ?? "")
            }
                ?? "using a bubblewrap sandbox for this query (no container pool '\(global.poolName)')"
        )
        let result: QueryResult
        do {
            result = try await ask(engine, question: question, documents: texts)
        } catch let error as LLMError {
            Console.error("\(error)")
            throw ExitCode(1)
        } catch let error as RLMError {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let usage = result.tokenUsage
        Console.message(
            "\(result.trace.last?.iteration ?? 0) iterations, \(usage.total) tokens (\(usage.prompt) prompt, "
                + "\(usage.completion) completion), \(result.executionTime.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))"
                + (result.traceFile.map { "; trace: \($0)" } ?? "")
        )
        switch result.outcome {
        case .answered(let answer):
            Console.output(answer)
        case .noAnswer(let reason):
            Console.error("no answer: \(reason); raise the limit or ask a narrower question")
            throw ExitCode(1)
        }
    }

    /// The question, in the session when one is named (left leased afterwards for the next command).
    private func ask(_ engine: RLMEngine, question: String, documents: [String]) async throws -> QueryResult {
        let progress: @Sendable (TraceStep) -> Void = { Console.message(Self.progressLine($0)) }
        guard let session else {
            return try await engine.query(documents: documents, question: question, onProgress: progress)
        }
        let opened = try await RLMSession.open(
            engine: engine,
            holder: Self.sessionHolder(session),
            ttl: sessionTtl.duration,
            owner: try resolveOwner(nil),
            documents: documents
        )
        do {
            let result = try await opened.ask(question, onProgress: progress)
            try await opened.detach()
            return result
        } catch {
            try? await opened.detach()
            throw error
        }
    }

    static func sessionHolder(_ name: String) -> String { "session-" + name }

    static func sessionNeedsPool(_ pool: String) -> PoolError {
        .invalidArgument(
            "sessions keep a sandbox of a container pool, and there is no container pool '\(pool)'; create one with "
                + "`shesha-pool init container`, or pass its --pool"
        )
    }

    private func readPrices() throws -> ModelPrices? {
        guard let pricesFile else { return nil }
        do {
            return try ModelPrices(contentsOfFile: pricesFile)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    private func readDocuments() throws -> [String] {
        try documents.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read --doc \(path); check the path and its permissions")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("--doc \(path) is not UTF-8 text")
            }
            return text
        }
    }

    /// The container pool named by --pool, if the database exists and holds it; nil means a sandbox per
    /// query. A pool of another kind is an error only when the user named it.
    private func containerPool() async throws -> ContainerPool? {
        var info = stat()
        guard stat(global.databasePath, &info) == 0, info.st_size > 0 else { return nil }
        let ledger = try global.openLedger()
        guard try await ledger.poolNames().contains(global.poolName) else { return nil }
        let definition = try await ledger.pool(named: global.poolName)
        guard definition.kind == ContainerPool.kind else {
            let named = global.poolOption != nil || environmentVariable("SHESHA_POOL").map { !$0.isEmpty } == true
            guard named else { return nil }
            throw PoolError.invalidArgument(
                "pool '\(global.poolName)' holds \(definition.kind) slots, not sandboxes; pass the --pool of a "
                    + "container pool, or none for a sandbox per query"
            )
        }
        return try ContainerPool(ledger: ledger, definition: definition)
    }

    /// One stderr line per trace step; a child query's steps are indented under it.
    static func progressLine(_ step: TraceStep) -> String {
        let prefix = String(repeating: "  ", count: step.depth - 1) + "[\(step.iteration)] "
        let firstLine =
            step.text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        let excerpt = firstLine.count > 80 ? firstLine.prefix(80) + "…" : firstLine
        let tokens = step.tokens.map { " (\($0.prompt)+\($0.completion) tokens)" } ?? ""
        switch step.kind {
        case .reply: return prefix + "model replied" + tokens
        case .code: return prefix + "running code: " + excerpt
        case .output: return prefix + "output: " + excerpt
        case .subcallRequest: return prefix + "llm_query: " + excerpt
        case .subcallResponse: return prefix + "llm_query answered" + tokens
        case .batch: return prefix + firstLine
        case .childQuery: return prefix + "rlm_query: " + excerpt
        case .childAnswer: return prefix + "rlm_query answered"
        case .finalAnswer: return prefix + "final answer"
        case .error: return prefix + "error: " + excerpt
        case .limit: return prefix + "limit: " + excerpt
        }
    }

    static func main() async {
        await runAsShesha(Array(CommandLine.arguments.dropFirst()))
    }
}
