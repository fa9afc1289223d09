import Foundation
import PoolCore
import Sandbox

/// Where a query's code runs: a sandbox leased from the pool (the top query may wait for one, a child
/// never does), or one started for the query alone.
extension QueryRun {
    /// Runs `body` with a sandbox's executor, this query's handlers set, and gives the sandbox back on
    /// every path. The giving back runs in a task of its own, so a cancelled query still finishes it.
    func withSandbox<R: Sendable>(_ body: (ContainerExecutor) async throws -> R) async throws -> R {
        if let pool = options.pool, let sandbox = try await lease(from: pool) {
            await install(on: sandbox.executor)
            return try await Self.finishing(try await body(sandbox.executor)) {
                // Clears the handlers, then resets the namespace and releases (or discards a broken
                // sandbox); the engine never stops a pooled sandbox itself.
                await Self.uninstall(from: sandbox.executor)
                try await pool.release(sandbox)
            }
        }
        let sandbox = try await ThrowawaySandbox.start(
            isolation: options.sandboxIsolation,
            limits: options.sandboxLimits,
            parentFolder: options.sandboxParentFolder
        )
        await install(on: sandbox.executor)
        return try await Self.finishing(try await body(sandbox.executor)) { try await sandbox.stop() }
    }

    /// The top query acquires as the pool's policy says; a child takes a free sandbox or none, since its
    /// ancestors may hold every slot and waiting could never end. nil: start a throwaway sandbox.
    private func lease(from pool: ContainerPool) async throws -> ContainerPool.LeasedSandbox? {
        guard depth > 1 else { return try await pool.acquire(holder: RLMEngine.holderName()) }
        do {
            return try await pool.acquire(holder: RLMEngine.holderName(), wait: .zero)
        } catch PoolError.exhausted {
            switch options.childSandbox {
            case .throwaway:
                return nil
            case .fail:
                throw RLMError.noSandboxForChild(pool: pool.pool.name)
            }
        }
    }

    /// Awaits `work`, then always runs `cleanup` to the end, even when the calling task is cancelled. The
    /// work's error wins over a cleanup error, which is then left for the pool's cleanup to find.
    static func finishing<R: Sendable>(
        _ work: @autoclosure () async throws -> R,
        cleanup: @escaping @Sendable () async throws -> Void
    ) async throws -> R {
        let result: Result<R, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        let cleaned = await Task { try await cleanup() }.result
        let value = try result.get()
        try cleaned.get()
        return value
    }
}
