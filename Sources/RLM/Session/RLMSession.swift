import Foundation
public import PoolCore
public import Sandbox

/// Several questions in one sandbox: its namespace (the code's variables) and documents stay between
/// them, and documents added later are appended to `context`.
///
/// With a pool the sandbox stays leased to the session's holder. `detach()` lets go of the connection
/// but keeps the lease, so another process can `open` the same holder and carry on (with a TTL, each use
/// renews it); `close()` resets and releases it. Without a pool the session starts a sandbox of its own
/// and `close()` stops it.
public actor RLMSession {
    public let engine: RLMEngine
    private let sandbox: SessionSandbox
    /// The lengths of the documents in `context`, in characters, for the prompts.
    public private(set) var documentLengths: [Int]

    private init(engine: RLMEngine, sandbox: SessionSandbox, documentLengths: [Int]) {
        self.engine = engine
        self.sandbox = sandbox
        self.documentLengths = documentLengths
    }

    /// Leases the holder's sandbox from the engine's pool (the same lease again when the holder has one),
    /// or starts one when there is no pool, and appends `documents` to what its `context` already holds.
    public static func open(
        engine: RLMEngine,
        holder: String = RLMEngine.holderName(),
        ttl: Duration? = nil,
        owner: ProcessIdentity = .current,
        documents: [String] = []
    ) async throws -> RLMSession {
        let sandbox = try await SessionSandbox.open(options: engine.options, holder: holder, ttl: ttl, owner: owner)
        do {
            let session = RLMSession(
                engine: engine,
                sandbox: sandbox,
                documentLengths: try await sandbox.contextLengths(timeout: engine.options.executionTimeout)
            )
            try await session.add(documents: documents)
            return session
        } catch {
            try? await sandbox.close()
            throw error
        }
    }

    /// Appends `documents` to `context`.
    public func add(documents: [String]) async throws {
        guard !documents.isEmpty else { return }
        documentLengths = try await sandbox.append(documents, timeout: engine.options.executionTimeout)
    }

    /// Answers `question` about the documents so far, in the session's namespace.
    public func ask(
        _ question: String,
        onProgress: (@Sendable (TraceStep) -> Void)? = nil
    ) async throws
        -> QueryResult
    {
        let executor = sandbox.executor
        let lengths = documentLengths
        return try await sandbox.renewing {
            try await engine.traced(onProgress: onProgress) { run in
                await run.install(on: executor)
                return try await QueryRun.finishing(
                    try await run.loop(question: question, lengths: lengths, executor: executor)
                ) { await QueryRun.uninstall(from: executor) }
            }
        }
    }

    /// Lets go of the sandbox's connection and keeps the lease for a later `open` of the same holder.
    /// Without a pool there is nothing to come back to, so this closes.
    public func detach() async throws {
        try await sandbox.detach()
    }

    /// Ends the session: the pooled sandbox is reset and released (discarded if broken), a session's own
    /// sandbox stopped.
    public func close() async throws {
        try await sandbox.close()
    }

    /// Ends the session of `holder` in `pool` from any process: resets and releases its sandbox. Throws
    /// `PoolError.noLease` when the holder has none.
    public static func end(holder: String, in pool: ContainerPool) async throws {
        guard let lease = try await pool.pool.ledger.lease(pool: pool.pool.name, holder: holder) else {
            throw PoolError.noLease(pool: pool.pool.name, holder: holder)
        }
        _ = try await pool.pool.release(token: lease.token)
    }
}
