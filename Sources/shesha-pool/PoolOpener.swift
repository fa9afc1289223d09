import FoundationEssentials
import SheshaCommandLine
import PoolCore
import Sandbox
import Worktrees

extension GlobalOptions {
    /// The pool named by --pool, with the backend its kind needs. Worktree (and folder) pools reset
    /// released slots in a detached `__reset-slot` process, so `release` and `run` return at once; sandbox
    /// pools reset before `release` returns: their reset takes milliseconds, and once it is done the
    /// sandbox refuses the old holder's token.
    func openPool() async throws -> Pool {
        let ledger = try openLedger()
        let definition = try await ledger.pool(named: poolName)
        switch definition.kind {
        case WorktreePool.kind:
            return try WorktreePool(ledger: ledger, definition: definition, releaseReset: try detachedReset()).pool
        case ContainerPool.kind:
            return try ContainerPool(ledger: ledger, definition: definition).pool
        case "folder":
            return Pool(name: poolName, ledger: ledger, backend: FolderBackend(), releaseReset: try detachedReset())
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

    /// Resets in a detached process running this same executable.
    private func detachedReset() throws -> ReleaseReset {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return .detachedProcess(executable: executable, database: databasePath)
    }
}
