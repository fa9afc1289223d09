import PoolCore
import Worktrees

extension GlobalOptions {
    /// The pool named by --pool, with the backend its kind needs.
    func openPool() async throws -> Pool {
        let ledger = try openLedger()
        let definition = try await ledger.pool(named: poolName)
        switch definition.kind {
        case WorktreePool.kind:
            return try WorktreePool(ledger: ledger, definition: definition).pool
        case "folder":
            return Pool(name: poolName, ledger: ledger, backend: FolderBackend())
        default:
            throw CLIError.unsupportedKind(pool: poolName, kind: definition.kind)
        }
    }
}
