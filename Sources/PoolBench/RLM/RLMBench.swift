import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox

/// The rlm section: the same scripted query through `RLMEngine` with a container pool (a warm bwrap
/// sandbox leased, reset and released per query) and without one (a bwrap sandbox started and stopped
/// per query), interleaved in one run; the difference is the engine's per-query sandbox overhead.
struct RLMBench {
    var options: BenchOptions
    var folder: WorkFolder

    struct Section: Codable {
        var queries: Int
        var slotFileSystem: String
        var pooled: CycleLatencies
        var throwaway: CycleLatencies
        var throwawayOverPooled: CycleRatio
        /// Throwaway minus pooled, at the median: what the pool saves per query.
        var savedPerQueryMicroseconds: Double
        /// The depth-2 query (a child query with 8 batched sub-calls), the same way.
        var depthTwo: DepthTwo?

        struct DepthTwo: Codable {
            var pooled: CycleLatencies
            var throwaway: CycleLatencies
            var throwawayOverPooled: CycleRatio
            var savedPerQueryMicroseconds: Double
        }

        var heading: String {
            """
            RLM: one query = RLMEngine.query on a scripted OpenAI-compatible server over HTTP on 127.0.0.1 \
            (2 model turns, 2 code executions, 1 llm_query sub-call, FINAL), code in bubblewrap. With a pool: \
            a warm sandbox leased per query, reset and released. Without: a sandbox started, used and \
            stopped per query. \(queries) queries each, interleaved, after one unmeasured round; slots on \
            \(slotFileSystem). Depth 2: the top query's code calls rlm_query once; the child query, in a \
            sandbox of its own, sends 8 llm_query_batched sub-calls (4 at once) and answers; 2 model turns, \
            8 sub-calls, 2 sandboxes per query. With a pool of 2 warm sandboxes against 2 started and stopped.
            """
        }

        var table: String {
            var table = TextTable(["engine", "queries", "p50", "p90", "max"], leftAligned: [0])
            func times(_ label: String, _ latencies: CycleLatencies) -> [String] {
                [label, Format.count(latencies.count)]
                    + [latencies.p50Microseconds, latencies.p90Microseconds, latencies.maxMicroseconds]
                    .map { Format.time(microseconds: $0) }
            }
            table.add(times("with a pool (warm sandbox)", pooled))
            table.add(times("without a pool (sandbox per query)", throwaway))
            table.add(
                ["without / with", ""]
                    + [throwawayOverPooled.p50, throwawayOverPooled.p90, throwawayOverPooled.max]
                    .map(Format.ratio)
            )
            table.add([
                "saved per query by the pool (p50)", "", Format.time(microseconds: savedPerQueryMicroseconds), "", "",
            ])
            guard let depthTwo else { return table.render() }
            table.add(times("depth 2, with a pool (2 warm sandboxes)", depthTwo.pooled))
            table.add(times("depth 2, without a pool (2 sandboxes per query)", depthTwo.throwaway))
            table.add(
                ["depth 2, without / with", ""]
                    + [
                        depthTwo.throwawayOverPooled.p50, depthTwo.throwawayOverPooled.p90,
                        depthTwo.throwawayOverPooled.max,
                    ]
                    .map(Format.ratio)
            )
            table.add([
                "depth 2, saved per query by the pool (p50)", "",
                Format.time(microseconds: depthTwo.savedPerQueryMicroseconds), "", "",
            ])
            return table.render()
        }
    }

    func run() async throws -> Section {
        try await BwrapIsolation().checkAvailable()
        // As root, bwrap sandboxes run as nobody, who must be able to enter the slot folders.
        let slots = try WorkFolder.make(in: options.sandboxFolder, prefix: "pool-bench-rlm")
        defer { slots.remove() }
        guard chmod(slots.path, 0o755) == 0 else {
            throw BenchError("cannot open \(slots.path) to other users: \(String(cString: strerror(errno)))")
        }
        let ledger = try SQLiteLedger(path: folder.path + "/rlm.db")
        let definition = try await ContainerPool.prepare(
            name: "rlm",
            config: ContainerConfig(backend: .bwrap),
            slotFolder: slots.path + "/pool",
            maxSize: 1,
            minIdle: 1
        )
        try await ledger.createPool(definition)
        let pool = try ContainerPool(ledger: ledger, definition: definition)
        let depthDefinition = try await ContainerPool.prepare(
            name: "rlm-depth",
            config: ContainerConfig(backend: .bwrap),
            slotFolder: slots.path + "/depth-pool",
            maxSize: 2,
            minIdle: 2
        )
        try await ledger.createPool(depthDefinition)
        let depthPool = try ContainerPool(ledger: ledger, definition: depthDefinition)
        let server = try ScriptedLLMServer(respond: ScriptedQuery.reply)
        defer { server.stop() }
        let depthServer = try ScriptedLLMServer(respond: DepthTwoQuery.reply)
        defer { depthServer.stop() }
        do {
            var section = try await measure(
                pool: pool,
                server: server,
                throwawayFolder: try slots.subfolder("throwaway")
            )
            section.depthTwo = try await measureDepthTwo(
                pool: depthPool,
                server: depthServer,
                throwawayFolder: slots.path + "/throwaway"
            )
            try await stop(pool, slots: slots.path, poolFolder: "pool")
            try await stop(depthPool, slots: slots.path, poolFolder: "depth-pool")
            return section
        } catch {
            try? await stop(pool, slots: slots.path, poolFolder: "pool")
            try? await stop(depthPool, slots: slots.path, poolFolder: "depth-pool")
            throw error
        }
    }

    /// The depth-2 query with a pool of 2 warm sandboxes against 2 sandboxes started per query.
    private func measureDepthTwo(
        pool: ContainerPool,
        server: ScriptedLLMServer,
        throwawayFolder: String
    ) async throws -> Section.DepthTwo {
        if let failure = try await pool.start()?.failures.first {
            throw BenchError("rlm: the depth-2 pool's sandboxes did not start: \(failure.message)")
        }
        let client = try LLMClient(options: LLMClientOptions(baseURL: server.baseURL, model: "scripted"))
        let pooled = try RLMEngine(options: RLMEngineOptions(pool: pool, maxDepth: 2), client: client)
        let throwaway = try RLMEngine(
            options: RLMEngineOptions(sandboxParentFolder: throwawayFolder, maxDepth: 2),
            client: client
        )
        let (pooledTimes, throwawayTimes) = try await alternatingRounds(
            pooled: pooled,
            throwaway: throwaway,
            documents: DepthTwoQuery.documents,
            question: DepthTwoQuery.question,
            expecting: DepthTwoQuery.expectedAnswer
        )
        let slots = try await pool.pool.ledger.slots(pool: pool.pool.name)
        guard slots.count == 2, slots.allSatisfy({ $0.state == .idle }) else {
            throw BenchError("rlm: the depth-2 pool's warm sandboxes were replaced during the run")
        }
        let withPool = CycleLatencies(microseconds: pooledTimes)
        let withoutPool = CycleLatencies(microseconds: throwawayTimes)
        printError(
            "rlm: depth 2, p50 with a pool \(Format.time(microseconds: withPool.p50Microseconds)), "
                + "without \(Format.time(microseconds: withoutPool.p50Microseconds))"
        )
        return Section.DepthTwo(
            pooled: withPool,
            throwaway: withoutPool,
            throwawayOverPooled: CycleRatio(withoutPool, over: withPool),
            savedPerQueryMicroseconds: withoutPool.p50Microseconds - withPool.p50Microseconds
        )
    }

    /// The same query through both engines, `rlmQueries` times each: round -1 is unmeasured, and the order
    /// alternates so a slow moment weighs on both. Microseconds per query, pooled and throwaway.
    private func alternatingRounds(
        pooled: RLMEngine,
        throwaway: RLMEngine,
        documents: [String],
        question: String,
        expecting answer: String
    ) async throws -> (pooled: [Double], throwaway: [Double]) {
        var pooledTimes: [Double] = []
        var throwawayTimes: [Double] = []
        for round in -1..<options.rlmQueries {
            let engines = round % 2 == 0 ? [(pooled, true), (throwaway, false)] : [(throwaway, false), (pooled, true)]
            for (engine, isPooled) in engines {
                let microseconds = try await timedQuery(
                    engine,
                    documents: documents,
                    question: question,
                    expecting: answer
                )
                guard round >= 0 else { continue }
                if isPooled { pooledTimes.append(microseconds) } else { throwawayTimes.append(microseconds) }
            }
        }
        return (pooledTimes, throwawayTimes)
    }

    private func measure(
        pool: ContainerPool,
        server: ScriptedLLMServer,
        throwawayFolder: String
    ) async throws -> Section {
        if let failure = try await pool.start()?.failures.first {
            throw BenchError("rlm: the pool's sandbox did not start: \(failure.message)")
        }
        let client = try LLMClient(options: LLMClientOptions(baseURL: server.baseURL, model: "scripted"))
        let pooled = try RLMEngine(options: RLMEngineOptions(pool: pool), client: client)
        let throwaway = try RLMEngine(options: RLMEngineOptions(sandboxParentFolder: throwawayFolder), client: client)
        let (pooledTimes, throwawayTimes) = try await alternatingRounds(
            pooled: pooled,
            throwaway: throwaway,
            documents: ScriptedQuery.documents,
            question: ScriptedQuery.question,
            expecting: ScriptedQuery.expectedAnswer
        )
        let slots = try await pool.pool.ledger.slots(pool: pool.pool.name)
        guard slots.count == 1, slots.first?.state == .idle else {
            throw BenchError("rlm: the pool's warm sandbox was replaced during the run")
        }
        let withPool = CycleLatencies(microseconds: pooledTimes)
        let withoutPool = CycleLatencies(microseconds: throwawayTimes)
        printError(
            "rlm: p50 with a pool \(Format.time(microseconds: withPool.p50Microseconds)), "
                + "without \(Format.time(microseconds: withoutPool.p50Microseconds))"
        )
        return Section(
            queries: options.rlmQueries,
            slotFileSystem: MachineInfo.fileSystem(of: throwawayFolder),
            pooled: withPool,
            throwaway: withoutPool,
            throwawayOverPooled: CycleRatio(withoutPool, over: withPool),
            savedPerQueryMicroseconds: withoutPool.p50Microseconds - withPool.p50Microseconds
        )
    }

    private func timedQuery(
        _ engine: RLMEngine,
        documents: [String],
        question: String,
        expecting expected: String
    ) async throws -> Double {
        let started = MonotonicTime.nanoseconds()
        let result = try await engine.query(documents: documents, question: question)
        let elapsed = MonotonicTime.nanoseconds() - started
        guard result.answer == expected else {
            throw BenchError("rlm: expected the answer '\(expected)', got \(result.outcome)")
        }
        return Double(elapsed) / 1e3
    }

    /// Stops the pool's sandbox and checks that no sandbox of the run still runs (the engine removes each
    /// per-query sandbox's folder once it has stopped it).
    private func stop(_ pool: ContainerPool, slots: String, poolFolder: String) async throws {
        _ = try await pool.stop()
        let left = try await BwrapIsolation().runningSandboxes(in: slots + "/" + poolFolder)
        for record in left.values {
            try? await BwrapIsolation().stop(record)
        }
        guard left.isEmpty else { throw BenchError("rlm: sandboxes still ran after the run: \(left.keys.sorted())") }
        let throwaway = (try? FileManager.default.contentsOfDirectory(atPath: slots + "/throwaway")) ?? []
        guard throwaway.isEmpty else { throw BenchError("rlm: per-query sandboxes were left behind: \(throwaway)") }
    }
}
