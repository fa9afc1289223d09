import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// A ledger in a real SQLite file inside a fresh temporary folder, with a clock the test moves by hand.
/// The folder (database and slot folders) is removed when the test's body returns or throws.
struct LedgerFixture {
    let folder: URL
    let ledger: SQLiteLedger
    let clock: ManualWallClock

    var databasePath: String { folder.appending(path: "pool.db").path(percentEncoded: false) }

    /// Where the pools made by `makePool` keep their slots: one subfolder per pool.
    func slotFolder(of pool: String) -> String {
        folder.appending(path: "slots-\(pool)", directoryHint: .notDirectory).path(percentEncoded: false)
    }

    @discardableResult
    func makePool(
        _ name: String = "p",
        maxSize: Int = 2,
        onExhausted: ExhaustionPolicy = .fail
    ) async throws -> PoolDefinition {
        let definition = PoolDefinition(
            name: name,
            kind: "folder",
            slotFolder: slotFolder(of: name),
            maxSize: maxSize,
            onExhausted: onExhausted
        )
        try await ledger.createPool(definition)
        return definition
    }

    /// A `Pool` over this ledger that makes real folders.
    func pool(_ name: String = "p") -> Pool {
        Pool(name: name, ledger: ledger, backend: FolderBackend(), clock: clock)
    }

    func request(
        _ holder: String,
        pool: String = "p",
        owner: ProcessIdentity = .current,
        worker: ProcessIdentity = .current,
        ttl: Duration? = nil,
        willWait: Bool? = false,
        requestedAt: Timestamp? = nil
    ) -> AcquireRequest {
        AcquireRequest(
            pool: pool,
            holder: holder,
            owner: owner,
            worker: worker,
            ttl: ttl,
            requestedAt: requestedAt ?? clock.now(),
            willWait: willWait
        )
    }

    /// Reserves `count` slots and finishes their creation (in the ledger only), so they are idle.
    @discardableResult
    func makeIdleSlots(_ count: Int, pool: String = "p") async throws -> [Slot] {
        let reserved = try await ledger.reserveSlots(
            pool: pool,
            count: count,
            beyondMaximum: false,
            worker: .current
        )
        try #require(reserved.count == count)
        for slot in reserved {
            try await ledger.finishCreate(slot, worker: .current, duration: .milliseconds(1))
        }
        return reserved
    }

    /// Acquires for `holder` and requires the grant to be ready at once (an idle slot).
    func acquireReady(
        _ holder: String,
        pool: String = "p",
        owner: ProcessIdentity = .current,
        ttl: Duration? = nil
    ) async throws -> Lease {
        let outcome = try await ledger.acquire(request(holder, pool: pool, owner: owner, ttl: ttl))
        return try #require(outcome.grant.readyLease, "expected a ready lease, got \(outcome.grant)")
    }

    /// Takes the slot through acquire and release (so it is dirty) and returns it.
    func makeDirtySlot(pool: String = "p", holder: String = "dirtier") async throws -> Slot {
        let lease = try await acquireReady(holder, pool: pool)
        let slot = try await ledger.release(lease.token)
        try #require(slot.state == .dirty)
        return slot
    }

    /// One slot of pool "p" reserved in `creating`, recorded as worked on by `worker`.
    func reserveSlot(by worker: ProcessIdentity = .current) async throws -> Slot {
        try #require(try await ledger.reserveSlots(pool: "p", count: 1, beyondMaximum: false, worker: worker).first)
    }

    func slot(id: Int64, pool: String = "p") async throws -> Slot? {
        try await ledger.slots(pool: pool).first { $0.id == id }
    }

    func events(_ kind: PoolEvent.Kind, pool: String = "p") async throws -> [PoolEvent] {
        try await ledger.events(pool: pool, since: nil).filter { $0.kind == kind }
    }

    /// Everything a test can see of one pool, to show that a refused call changed nothing.
    func snapshot(pool: String = "p") async throws -> LedgerSnapshot {
        LedgerSnapshot(
            slots: try await ledger.slots(pool: pool),
            leases: try await ledger.leases(pool: pool),
            events: try await ledger.events(pool: pool, since: nil),
            waiters: try rowCount("SELECT count(*) FROM waiter")
        )
    }

    /// Runs a counting query on a second connection to the same file (the ledger exposes no waiter list).
    func rowCount(_ sql: String) throws -> Int {
        let connection = try Connection(path: databasePath, create: false)
        defer { try? connection.close() }
        return Int(try connection.scalarInt(sql) ?? 0)
    }
}

struct LedgerSnapshot: Equatable {
    var slots: [Slot]
    var leases: [Lease]
    var events: [PoolEvent]
    var waiters: Int
}

/// Runs `body` with a fresh ledger in its own temporary folder.
@discardableResult
func withLedger<R>(
    clock: ManualWallClock = ManualWallClock(),
    _ body: (LedgerFixture) async throws -> R
) async throws -> R {
    try await withTemporaryFolder { folder in
        let ledger = try SQLiteLedger(
            path: folder.appending(path: "pool.db").path(percentEncoded: false),
            clock: clock
        )
        return try await body(LedgerFixture(folder: folder, ledger: ledger, clock: clock))
    }
}

/// Identities of processes that are not running, made from this one.
enum DeadProcess {
    /// This host, this boot, this pid, but a later start time: the pid was reused by another process.
    static var recycledPID: ProcessIdentity {
        var identity = ProcessIdentity.current
        identity.startTime += 1
        return identity
    }

    /// This host and pid, but an earlier boot.
    static var previousBoot: ProcessIdentity {
        var identity = ProcessIdentity.current
        identity.bootID = "00000000-0000-0000-0000-000000000000"
        return identity
    }
}

extension AcquireOutcome.Grant {
    var readyLease: Lease? {
        if case .ready(let lease) = self { lease } else { nil }
    }

    var resetClaim: (lease: Lease, slot: Slot)? {
        if case .mustReset(let lease, let slot) = self { (lease, slot) } else { nil }
    }

    var createClaim: (lease: Lease, slot: Slot)? {
        if case .mustCreate(let lease, let slot) = self { (lease, slot) } else { nil }
    }

    var exhaustion: (usage: PoolUsage, isQueued: Bool)? {
        if case .exhausted(let usage, let isQueued) = self { (usage, isQueued) } else { nil }
    }
}

extension PoolError {
    var isInvalidArgument: Bool {
        if case .invalidArgument = self { true } else { false }
    }

    var isInvalidName: Bool {
        if case .invalidName = self { true } else { false }
    }
}
