import Foundation
public import PoolCore

/// A pool of warm Python sandboxes. Any process can lease one and talk to it through a
/// `ContainerExecutor`; release resets its namespace for the next holder, and a sandbox that broke the
/// protocol or hit a limit is discarded instead.
public struct ContainerPool: Sendable {
    public static let kind = "container"

    public let pool: Pool
    public let backend: ContainerBackend

    /// Opens the container pool `name` recorded in `ledger`.
    public init(ledger: any Ledger, name: String) async throws {
        try self.init(ledger: ledger, definition: try await ledger.pool(named: name))
    }

    /// Opens a container pool whose definition the caller has already read from `ledger`.
    public init(ledger: any Ledger, definition: PoolDefinition) throws {
        let name = definition.name
        guard definition.kind == Self.kind else {
            throw PoolError.invalidArgument("pool '\(name)' holds \(definition.kind) slots, not containers")
        }
        let config = try ContainerConfig(json: definition.config)
        backend = ContainerBackend(isolation: config.isolation) {
            try ContainerConfig(json: try await ledger.pool(named: name).config)
        }
        pool = Pool(name: name, ledger: ledger, backend: backend)
    }

    /// Checks a new container pool's backend and folder and returns its definition for
    /// `Ledger.createPool`. Touches nothing.
    public static func prepare(
        name: String,
        config: ContainerConfig,
        slotFolder: String,
        maxSize: Int,
        minIdle: Int = 0,
        onExhausted: ExhaustionPolicy = .wait
    ) async throws -> PoolDefinition {
        try Names.validate(name, kind: "pool")
        try await config.isolation.checkAvailable()
        let folder = URL(filePath: slotFolder).standardizedFileURL.path(percentEncoded: false)
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder), !entries.isEmpty {
            throw PoolError.invalidArgument(
                "the slot folder \(folder) is not empty; it must hold the pool's slots and nothing else, "
                    + "so pass an empty or new --dir"
            )
        }
        if config.backend == .bwrap, SandboxUser.hostIsRoot, let blocked = SandboxUser.firstUnreachableFolder(above: folder) {
            throw PoolError.invalidArgument(SandboxUser.unreachableAdvice(blocked))
        }
        return PoolDefinition(
            name: name, kind: kind, slotFolder: folder, maxSize: maxSize, minIdle: minIdle,
            onExhausted: onExhausted, config: config.json, workTimeouts: ContainerBackend.workTimeouts
        )
    }

    /// A leased sandbox: its lease and a connected executor.
    public struct LeasedSandbox: Sendable {
        public var lease: Lease
        public var executor: ContainerExecutor
    }

    /// Leases a sandbox and connects to it. The lease ends when `owner` dies (or its TTL passes).
    public func acquire(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        owner: ProcessIdentity = .current
    ) async throws -> LeasedSandbox {
        let lease = try await pool.acquire(holder: holder, wait: wait, ttl: ttl, owner: owner)
        let executor = ContainerExecutor(socketPath: SlotLayout(slot: lease.path).socket, token: lease.token)
        do {
            try await executor.connect(timeout: backend.answerTimeout)
        } catch {
            await executor.close()
            try await pool.discard(token: lease.token, reason: "its runner did not accept a connection: \(error)")
            throw error
        }
        return LeasedSandbox(lease: lease, executor: executor)
    }

    /// Gives the sandbox back: reset for the next holder before this returns (a sandbox's reset takes
    /// milliseconds, and after it the runner refuses this lease's token), or discarded if the executor saw
    /// it misbehave.
    public func release(_ sandbox: LeasedSandbox) async throws {
        let protocolError = await sandbox.executor.protocolError
        let needsDiscard = await sandbox.executor.needsDiscard
        await sandbox.executor.setLLMQueryHandler(nil)
        await sandbox.executor.close()
        if needsDiscard {
            try await pool.discard(
                token: sandbox.lease.token,
                reason: protocolError.map { "\($0)" } ?? "its code ran into a resource limit"
            )
        } else {
            try await pool.release(sandbox.lease)
        }
    }

    /// Ends the lease and destroys the sandbox.
    public func discard(_ sandbox: LeasedSandbox, reason: String) async throws {
        await sandbox.executor.close()
        try await pool.discard(token: sandbox.lease.token, reason: reason)
    }

    /// Runs `body` with a leased sandbox's executor and gives the sandbox back afterwards, whatever happens
    /// (an error, cancellation). With a TTL, the lease is renewed while `body` runs; if it is lost all the
    /// same, `body` is cancelled and this throws `leaseLost` (see `Pool.withRenewal`).
    public nonisolated(nonsending) func withExecutor<R>(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        _ body: nonisolated(nonsending) (ContainerExecutor) async throws -> R
    ) async throws -> R {
        let sandbox = try await acquire(holder: holder, wait: wait, ttl: ttl)
        let result: R
        do {
            result = try await pool.withRenewal(of: sandbox.lease, ttl: ttl) { try await body(sandbox.executor) }
        } catch PoolError.leaseLost(let token) where token == sandbox.lease.token {
            // The sandbox may be someone else's now: only let go of the connection.
            await sandbox.executor.close()
            throw PoolError.leaseLost(token)
        } catch {
            // The body's error is the one to report; a failed release leaves the slot to cleanup.
            try? await release(sandbox)
            throw error
        }
        try await release(sandbox)
        return result
    }

    /// Brings the pool up to its minimum of idle sandboxes.
    public func start() async throws -> ExpandReport? {
        let definition = try await pool.ledger.pool(named: pool.name)
        let idle = try await pool.ledger.slots(pool: pool.name).filter { $0.state == .idle }.count
        guard definition.minIdle > idle else { return nil }
        return try await pool.expand(by: definition.minIdle - idle)
    }

    /// Stops and removes every sandbox nobody holds.
    public func stop() async throws -> RemovalReport {
        let ids = try await pool.ledger.slots(pool: pool.name).filter { $0.state != .leased }.map(\.id)
        return try await pool.remove(.slots(ids: ids))
    }
}
