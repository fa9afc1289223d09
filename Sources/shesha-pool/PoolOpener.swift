import SheshaCommandLine
import PoolCore
import Sandbox
import Worktrees

extension GlobalOptions {
    /// The pool named by --pool, with the backend its kind needs.
    func openPool() async throws -> Pool {
        let ledger = try openLedger()
        let definition = try await ledger.pool(named: poolName)
        switch definition.kind {
        case WorktreePool.kind:
            return try WorktreePool(ledger: ledger, definition: definition).pool
        case ContainerPool.kind:
            return try ContainerPool(ledger: ledger, definition: definition).pool
        case "folder":
            return Pool(name: poolName, ledger: ledger, backend: FolderBackend())
        default:
            throw CLIError.unsupportedKind(pool: poolName, kind: definition.kind)
        }
    }

    /// The container pool named by --pool; another kind of pool is a usage error.
    func openContainerPool() async throws -> ContainerPool {
        let ledger = try openLedger()
        let definition = try await ledger.pool(named: poolName)
        guard definition.kind == ContainerPool.kind else {
            throw PoolError.invalidArgument(
                "pool '\(poolName)' holds \(definition.kind) slots, not sandboxes; pass the --pool of a container pool"
            )
        }
        return try ContainerPool(ledger: ledger, definition: definition)
    }
}
