import Foundation
import PoolCore
import Sandbox
import SheshaSystem

/// A sandbox for one query when the engine has no pool: started in a fresh temporary folder, stopped and
/// removed afterwards. It goes through a one-slot pool in a private ledger inside that folder, so it is
/// made, checked and stopped by the same `ContainerBackend` code as pooled sandboxes, and a crash leaves
/// a record that names it.
struct ThrowawaySandbox: Sendable {
    let folder: String
    let pool: Pool
    let lease: Lease
    let executor: ContainerExecutor

    static func start(
        isolation: any SandboxIsolation,
        limits: SandboxLimits,
        parentFolder: String?
    ) async throws -> Self {
        let parent = parentFolder ?? FileManager.default.temporaryDirectory.path(percentEncoded: false)
        var template = Array(
            (URL(filePath: parent).appending(path: "shesha-rlm-XXXXXX").path(percentEncoded: false)).utf8CString
        )
        guard let made = mkdtemp(&template) else {
            throw SystemError.last("mkdtemp", path: parent)
        }
        let folder = String(cString: made)
        do {
            // As root the sandbox runs as another user, who must pass through this folder to its slot.
            chmod(folder, 0o755)
            let ledgerFolder = folder + "/ledger"
            try FileManager.default.createDirectory(
                atPath: ledgerFolder,
                withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700]
            )
            let ledger = try SQLiteLedger(path: ledgerFolder + "/pool.db")
            let config = ContainerConfig(limits: limits)
            let definition = PoolDefinition(
                name: "query",
                kind: ContainerPool.kind,
                slotFolder: folder + "/slots",
                maxSize: 1,
                onExhausted: .fail,
                config: config.json
            )
            try await ledger.createPool(definition)
            let pool = Pool(
                name: definition.name,
                ledger: ledger,
                backend: ContainerBackend(isolation: isolation) { config }
            )
            let lease = try await pool.acquire(holder: "query")
            let executor = ContainerExecutor(socketPath: SlotLayout(slot: lease.path).socket, token: lease.token)
            let sandbox = ThrowawaySandbox(folder: folder, pool: pool, lease: lease, executor: executor)
            do {
                try await executor.connect()
            } catch {
                try? await sandbox.stop()
                throw error
            }
            return sandbox
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// Stops the sandbox and removes its folder.
    func stop() async throws {
        await QueryRun.uninstall(from: executor)
        await executor.close()
        try await pool.discard(token: lease.token, reason: "its query ended")
        try FileManager.default.removeItem(atPath: folder)
    }
}
