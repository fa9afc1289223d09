import Foundation
import PoolCore
import PoolTesting
import RLM
import Sandbox
import Synchronization
import Testing

/// A model reply that runs `code` in one ```repl block.
func codeReply(_ code: String) -> ScriptedReply {
    .completion("Let me look.\n```repl\n\(code)\n```\nDone.")
}

/// An LLM client for the scripted server that retries quickly (the backoff is real, just short).
func scriptedClient(_ server: ScriptedLLMServer, maxRetries: Int = 2) throws -> LLMClient {
    try LLMClient(
        options: LLMClientOptions(
            baseURL: server.baseURL,
            model: "scripted-model",
            requestTimeout: .seconds(30),
            maxRetries: maxRetries,
            initialBackoff: .milliseconds(5),
            maxBackoff: .milliseconds(20)
        )
    )
}

/// A bubblewrap container pool in a temporary folder (which other users can enter, as the sandbox's
/// unprivileged user must), on a real SQLite ledger; every sandbox is stopped afterwards.
struct EnginePool {
    let folder: URL
    let ledger: SQLiteLedger
    let containers: ContainerPool

    var slotFolder: String { folder.appending(path: "slots").path(percentEncoded: false) }

    func slots() async throws -> [Slot] {
        try await ledger.slots(pool: containers.pool.name)
    }

    func events(_ kind: PoolEvent.Kind) async throws -> [PoolEvent] {
        try await ledger.events(pool: containers.pool.name, since: nil).filter { $0.kind == kind }
    }

    /// The one slot's sandbox record, as the backend wrote it.
    func record(of slot: Slot) throws -> SandboxRecord {
        let data = try #require(FileManager.default.contents(atPath: SlotLayout(slot: slot.path).record))
        return try JSONDecoder().decode(SandboxRecord.self, from: data)
    }
}

func withEnginePool<R>(maxSize: Int = 2, _ body: (EnginePool) async throws -> R) async throws -> R {
    try await withTemporaryFolder { folder in
        let ledger = try SQLiteLedger(path: folder.appending(path: "pool.db").path(percentEncoded: false))
        let definition = try await ContainerPool.prepare(
            name: "sandboxes",
            config: ContainerConfig(backend: .bwrap),
            slotFolder: folder.appending(path: "slots").path(percentEncoded: false),
            maxSize: maxSize
        )
        try await ledger.createPool(definition)
        let pool = EnginePool(
            folder: folder,
            ledger: ledger,
            containers: try ContainerPool(ledger: ledger, definition: definition)
        )
        do {
            let result = try await body(pool)
            try await stopEverything(pool)
            return result
        } catch {
            try? await stopEverything(pool)
            throw error
        }
    }
}

private func stopEverything(_ pool: EnginePool) async throws {
    for lease in try await pool.ledger.leases(pool: pool.containers.pool.name) {
        _ = try? await pool.containers.pool.release(token: lease.token, reset: false)
    }
    _ = try await pool.containers.stop()
    for (_, record) in try await pool.containers.backend.isolation.runningSandboxes(in: pool.slotFolder) {
        try await pool.containers.backend.isolation.stop(record)
    }
}

/// Bubblewrap with its starts and stops counted, to see what a query without a pool does to sandboxes.
final class CountingIsolation: SandboxIsolation {
    private let inner = BwrapIsolation()
    private let counts = Mutex((started: [SandboxRecord](), stopped: [SandboxRecord]()))

    var name: String { inner.name }
    var started: [SandboxRecord] { counts.withLock { $0.started } }
    var stopped: [SandboxRecord] { counts.withLock { $0.stopped } }

    func checkAvailable() async throws { try await inner.checkAvailable() }

    func start(_ spec: SandboxSpec) async throws -> SandboxRecord {
        let record = try await inner.start(spec)
        counts.withLock { $0.started.append(record) }
        return record
    }

    func stop(_ record: SandboxRecord) async throws {
        try await inner.stop(record)
        counts.withLock { $0.stopped.append(record) }
    }

    func isRunning(_ record: SandboxRecord) async -> Bool { await inner.isRunning(record) }

    func runningSandboxes(in slotFolder: String) async throws -> [String: SandboxRecord] {
        try await inner.runningSandboxes(in: slotFolder)
    }
}

/// Engine options for tests: a throwaway sandbox (unless `pool` is given) in the system's temporary folder.
func engine(
    _ server: ScriptedLLMServer,
    pool: ContainerPool? = nil,
    configure: (inout RLMEngineOptions) -> Void = { _ in }
) throws -> RLMEngine {
    var options = RLMEngineOptions(pool: pool)
    configure(&options)
    return try RLMEngine(options: options, client: try scriptedClient(server))
}
