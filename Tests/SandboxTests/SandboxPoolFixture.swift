import Foundation
import PoolCore
import PoolTesting
import Sandbox

/// A container pool in a temporary folder, on a real SQLite ledger, with real sandboxes.
struct SandboxPoolFixture {
    let folder: URL
    let ledger: SQLiteLedger
    let containers: ContainerPool

    var pool: Pool { containers.pool }
    var slotFolder: String { folder.appending(path: "slots").path(percentEncoded: false) }
}

/// Runs `body` with a fresh container pool of `backend`, then stops every sandbox it left.
func withContainerPool<R>(
    backend: IsolationKind = .bwrap,
    image: String? = nil,
    limits: SandboxLimits = ContainerConfig.defaultLimits,
    maxSize: Int = 4,
    _ body: (SandboxPoolFixture) async throws -> R
) async throws -> R {
    try await withTemporaryFolder { folder in
        let ledger = try SQLiteLedger(path: folder.appending(path: "pool.db").path(percentEncoded: false))
        let definition = try await ContainerPool.prepare(
            name: "sandboxes", config: ContainerConfig(backend: backend, image: image, limits: limits),
            slotFolder: folder.appending(path: "slots").path(percentEncoded: false), maxSize: maxSize
        )
        try await ledger.createPool(definition)
        let fixture = SandboxPoolFixture(
            folder: folder, ledger: ledger, containers: try ContainerPool(ledger: ledger, definition: definition)
        )
        do {
            let result = try await body(fixture)
            try await fixture.stopEverything()
            return result
        } catch {
            try? await fixture.stopEverything()
            throw error
        }
    }
}

extension SandboxPoolFixture {
    /// Ends every lease and removes every slot with its sandbox, so no test leaves processes behind.
    func stopEverything() async throws {
        for lease in try await ledger.leases(pool: pool.name) {
            _ = try? await pool.release(token: lease.token, reset: false)
        }
        _ = try await containers.stop()
        for (_, record) in try await containers.backend.isolation.runningSandboxes(in: slotFolder) {
            try await containers.backend.isolation.stop(record)
        }
    }

    /// The sandboxes running for this pool's slots, by slot path.
    func runningSandboxes() async throws -> [String: SandboxRecord] {
        try await containers.backend.isolation.runningSandboxes(in: slotFolder)
    }

    func slots() async throws -> [Slot] {
        try await ledger.slots(pool: pool.name)
    }
}
