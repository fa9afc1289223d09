import Foundation
import PoolCore
import Sandbox

/// A session's sandbox: a lease kept in the pool, or a sandbox of the session's own.
enum SessionSandbox: Sendable {
    case pooled(ContainerPool, ContainerPool.LeasedSandbox, ttl: Duration?)
    case own(ThrowawaySandbox)

    static func open(
        options: RLMEngineOptions,
        holder: String,
        ttl: Duration?,
        owner: ProcessIdentity
    ) async throws -> SessionSandbox {
        guard let pool = options.pool else {
            return .own(
                try await ThrowawaySandbox.start(
                    isolation: options.sandboxIsolation,
                    limits: options.sandboxLimits,
                    parentFolder: options.sandboxParentFolder
                )
            )
        }
        var sandbox = try await pool.acquire(holder: holder, ttl: ttl, owner: owner)
        // The same holder gets the same lease back; this use starts its TTL afresh.
        if let ttl { sandbox.lease = try await pool.pool.renew(sandbox.lease, ttl: ttl) }
        return .pooled(pool, sandbox, ttl: ttl)
    }

    var executor: ContainerExecutor {
        switch self {
        case .pooled(_, let sandbox, _): sandbox.executor
        case .own(let sandbox): sandbox.executor
        }
    }

    /// Runs `body` while a pooled TTL lease is renewed.
    func renewing<R>(_ body: () async throws -> R) async throws -> R {
        guard case .pooled(let pool, let sandbox, let ttl) = self else { return try await body() }
        return try await pool.pool.withRenewal(of: sandbox.lease, ttl: ttl) { try await body() }
    }

    /// The lengths of the documents in `context` now (none in a new sandbox).
    func contextLengths(timeout: Duration) async throws -> [Int] {
        try await evaluateLengths("[len(d) for d in globals().get('context', [])]", timeout: timeout)
    }

    /// Appends `documents` to `context`: the runner's setup replaces `context`, so what it held is set
    /// aside first and put back in front. Returns the new lengths.
    func append(_ documents: [String], timeout: Duration) async throws -> [Int] {
        _ = try await run("__shesha_earlier = list(globals().get('context', []))", timeout: timeout)
        do {
            try await executor.setupContext(documents, timeout: timeout)
        } catch {
            throw RLMError.sandboxFailed(error)
        }
        return try await evaluateLengths(
            "context = __shesha_earlier + context\ndel __shesha_earlier\n[len(d) for d in context]",
            timeout: timeout
        )
    }

    private func evaluateLengths(_ code: String, timeout: Duration) async throws -> [Int] {
        let value = try await run(code, timeout: timeout)
        guard let data = value?.data(using: .utf8), let lengths = try? JSONDecoder().decode([Int].self, from: data)
        else {
            throw RLMError.sessionBroken("the sandbox's context is not a list of documents (\(value ?? "nothing"))")
        }
        return lengths
    }

    /// Runs the session's own bookkeeping code; returns the value of its last expression.
    private func run(_ code: String, timeout: Duration) async throws -> String? {
        let result = await executor.execute(code: code, timeout: timeout)
        if let failure = result.failure { throw RLMError.sandboxFailed(failure) }
        if let error = result.error { throw RLMError.sessionBroken("\(error.type): \(error.message)") }
        return result.value
    }

    func detach() async throws {
        switch self {
        case .pooled(_, let sandbox, _):
            await QueryRun.uninstall(from: sandbox.executor)
            await sandbox.executor.close()
        case .own(let sandbox):
            try await sandbox.stop()
        }
    }

    func close() async throws {
        switch self {
        case .pooled(let pool, let sandbox, _):
            await QueryRun.uninstall(from: sandbox.executor)
            try await pool.release(sandbox)
        case .own(let sandbox):
            try await sandbox.stop()
        }
    }
}
