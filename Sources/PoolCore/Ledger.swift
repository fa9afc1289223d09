/// The pool's record of who holds what: the only place that touches the database. Every method is one
/// short transaction; none does slow work. `SQLiteLedger` is the implementation for one machine.
public protocol Ledger: Sendable {
    func createPool(_ definition: PoolDefinition) async throws
    func pool(named name: String) async throws -> PoolDefinition
    func poolNames() async throws -> [String]
    /// Replaces the backend's settings (JSON) of a pool with `transform` of the current ones, read and written
    /// in one transaction so that concurrent changes are all kept. A change bumps the pool's config version
    /// (see `Slot.configVersion`). `transform` may run more than once and must only compute. Returns the new
    /// settings.
    @discardableResult
    func updateConfig(pool: String, _ transform: @escaping @Sendable (String) throws -> String) async throws -> String

    /// Grants, or tells the caller what to do next. See `AcquireOutcome`.
    func acquire(_ request: AcquireRequest) async throws -> AcquireOutcome
    /// Leaves the wait queue (after a timeout or cancellation).
    func abandonWait(pool: String, holder: String, requestedAt: Timestamp, timedOut: Bool) async throws
    /// Extends a TTL lease. A stale token throws `leaseLost` and changes nothing.
    func renew(_ token: FencingToken, ttl: Duration) async throws -> Lease
    /// Ends a lease; its slot becomes dirty, or, with `resetBy`, is claimed for reset by that process in
    /// the same transaction. A stale token throws `leaseLost` and changes nothing.
    func release(_ token: FencingToken, resetBy worker: ProcessIdentity?) async throws -> Slot
    func lease(pool: String, holder: String) async throws -> Lease?
    func leases(pool: String) async throws -> [Lease]

    /// Inserts up to `count` slots in `creating`, named from the pool's sequence. Without
    /// `beyondMaximum`, stops at the pool's maximum size.
    func reserveSlots(pool: String, count: Int, beyondMaximum: Bool, worker: ProcessIdentity) async throws -> [Slot]
    /// A `creating` slot is ready: idle, or leased if an acquire reserved it for a holder. Unless the pool's
    /// config changed since `slot` was claimed: then it stays with `worker`, now `resetting`, and is returned
    /// to be reset to the new config (and `finishReset` again), so no slot goes idle at an old base.
    @discardableResult
    func finishCreate(_ slot: Slot, worker: ProcessIdentity, duration: Duration) async throws -> Slot?
    /// A `creating` slot failed: removed if its remains were cleaned up, else broken (for cleanup).
    func failCreate(_ slot: Slot, worker: ProcessIdentity, error: String, cleanedUp: Bool) async throws
    /// Claims a dirty slot for reset by `worker`. Returns the slot in `resetting`, or nil if it is not dirty.
    func claimForReset(slotID: Int64, worker: ProcessIdentity) async throws -> Slot?
    /// Claims every idle slot of the pool for reset by `worker` (after the pool's base moved).
    func claimIdleForReset(pool: String, worker: ProcessIdentity) async throws -> [Slot]
    /// Ends a reset: idle (or leased, for an acquirer's reset) on success, broken with `error` on failure.
    /// A success under an older config than the pool's returns the slot, still `resetting` by `worker`, to be
    /// reset again, as `finishCreate` does.
    @discardableResult
    func finishReset(_ slot: Slot, worker: ProcessIdentity, error: String?, duration: Duration) async throws -> Slot?
    /// Claims slots for removal by `worker` (moves them to `destroying`).
    func claimForDestroy(pool: String, selection: DestroySelection, worker: ProcessIdentity) async throws -> [Slot]
    /// Ends a removal: the row is deleted, or the slot is broken with `error` if the resource remains.
    func finishDestroy(_ slot: Slot, worker: ProcessIdentity, error: String?) async throws

    /// A mark of the ledger's state now, for `waitForChange`; nil if this ledger cannot wake waiters (they
    /// then ask again on a timer).
    func changeMark() -> ChangeMark?
    /// Sleeps until a transaction that may serve a waiter commits after `mark` was taken (a release, a
    /// finished creation or reset, a removal, a reclaim, a waiter leaving the queue), or until `timeout`
    /// has passed. Returns whether such a change came. Throws `CancellationError` if the task is cancelled.
    func waitForChange(after mark: ChangeMark, timeout: Duration) async throws -> Bool
    /// Read-only, so cheap for many waiters: whether an acquire by `holder` could be served now, in its
    /// place in the queue. Dead holders and dead waiters ahead are not judged here; `acquire` reclaims them.
    func couldServe(pool: String, holder: String) async throws -> Bool

    /// Ends leases of dead owners and expired TTLs, and recovers slots whose worker died. Slots that must
    /// be removed come back claimed by `worker`, to be destroyed by the caller.
    func reclaim(pool: String, worker: ProcessIdentity) async throws -> ReclaimReport
    /// What `reclaim` would act on, without changing anything (for `doctor` without `--fix`).
    func inspect(pool: String) async throws -> LedgerFindings
    /// Marks a slot broken, with `error`, if it is still in the intermediate state `slot` shows, worked on
    /// by the same worker, and past its work deadline (its worker did not end the work after it was
    /// stopped). Ends any lease waiting on it. Returns whether it did.
    func takeOverOverdueWork(_ slot: Slot, error: String) async throws -> Bool
    func slots(pool: String) async throws -> [Slot]
    func events(pool: String, since: Timestamp?) async throws -> [PoolEvent]
}

extension Ledger {
    /// Ends a lease, leaving its slot dirty for whoever claims it next.
    public func release(_ token: FencingToken) async throws -> Slot {
        try await release(token, resetBy: nil)
    }
}

public struct AcquireRequest: Sendable {
    public var pool: String
    public var holder: String
    /// The process whose death ends the lease.
    public var owner: ProcessIdentity
    /// The process that will do any reset or creation the grant needs (the caller).
    public var worker: ProcessIdentity
    public var ttl: Duration?
    /// When the caller first asked, for the wait time it records.
    public var requestedAt: Timestamp
    /// Whether the caller will wait if the pool is exhausted (it then keeps a place in the queue);
    /// nil follows the pool's policy.
    public var willWait: Bool?
    /// The task branch the lease records, for the caller to check out once it is granted.
    public var branch: String?

    public init(
        pool: String,
        holder: String,
        owner: ProcessIdentity,
        worker: ProcessIdentity,
        ttl: Duration?,
        requestedAt: Timestamp,
        willWait: Bool?,
        branch: String? = nil
    ) {
        self.pool = pool
        self.holder = holder
        self.owner = owner
        self.worker = worker
        self.ttl = ttl
        self.requestedAt = requestedAt
        self.willWait = willWait
        self.branch = branch
    }
}

public struct AcquireOutcome: Sendable {
    public enum Grant: Sendable {
        /// The lease is ready to use.
        case ready(Lease)
        /// A dirty slot was claimed: reset it, then `finishReset`.
        case mustReset(Lease, Slot)
        /// A new slot was reserved: create it, then `finishCreate`.
        case mustCreate(Lease, Slot)
        /// The holder's lease is being prepared by another live process, or (for a caller that does not
        /// queue) no slot is free but one is being reset in the background; ask again shortly.
        case inProgress
        /// No slot is available and the pool may not grow. With `isQueued`, the caller holds a place in
        /// the wait queue and should ask again shortly, or call `abandonWait`.
        case exhausted(PoolUsage, isQueued: Bool)
    }

    public var grant: Grant
    /// Slots found abandoned while looking, now claimed for removal by the caller.
    public var orphans: [Slot]
    /// Whether the transaction made room that another queued waiter may take.
    var wakesWaiters: Bool

    public init(grant: Grant, orphans: [Slot]) {
        self.init(grant: grant, orphans: orphans, wakesWaiters: false)
    }

    init(grant: Grant, orphans: [Slot], wakesWaiters: Bool) {
        self.grant = grant
        self.orphans = orphans
        self.wakesWaiters = wakesWaiters
    }
}

/// What `Ledger.changeMark` returns: the ledger's count of announced changes at one moment.
public struct ChangeMark: Hashable, Sendable {
    public var count: UInt32

    public init(count: UInt32) {
        self.count = count
    }
}

public struct PoolUsage: Hashable, Sendable {
    public var size: Int
    public var leased: Int
    public var maxSize: Int
    /// Live waiters queued before this caller.
    public var waitersAhead: Int
}

public enum DestroySelection: Hashable, Sendable {
    /// Up to `count` idle slots, least recently used first.
    case leastRecentlyUsedIdle(count: Int)
    /// Idle slots created longer than `olderThan` ago or unused for longer than `unusedFor`, and broken
    /// slots. Durations, not instants: the ledger measures them from the time of its own transaction.
    case retire(olderThan: Duration?, unusedFor: Duration?, includeBroken: Bool)
    /// Every slot not leased and not being worked on by a live process.
    case allUnleased
    /// These slots, if they are idle, dirty or broken.
    case slots(ids: [Int64])
}

public struct ReclaimReport: Sendable {
    /// Leases ended because their owner died or their TTL passed.
    public var reclaimedLeases: [Lease]
    /// Slots whose worker died mid-reset, returned to dirty.
    public var recoveredSlots: [Slot]
    /// Slots claimed by the caller for removal (their creator or destroyer died).
    public var orphans: [Slot]
    /// Queued waiters dropped because their process died or stopped asking.
    var droppedWaiters = 0

    /// Whether a queued waiter may now be served (a lease ended, a slot is dirty again, the queue moved).
    var madeRoom: Bool { !reclaimedLeases.isEmpty || !recoveredSlots.isEmpty || droppedWaiters > 0 }

    public init(reclaimedLeases: [Lease] = [], recoveredSlots: [Slot] = [], orphans: [Slot] = []) {
        self.reclaimedLeases = reclaimedLeases
        self.recoveredSlots = recoveredSlots
        self.orphans = orphans
    }
}

public struct LedgerFindings: Sendable {
    /// Leases whose owner process is gone.
    public var deadLeases: [Lease]
    /// Leases past their TTL.
    public var expiredLeases: [Lease]
    /// Slots in creating, resetting or destroying whose worker process is gone.
    public var stuckSlots: [Slot]
    /// Slots in creating, resetting or destroying whose worker lives but whose work is past its deadline.
    public var overdueSlots: [Slot] = []

    /// Whether `reclaim` has nothing to do (overdue work is not its business: its worker lives).
    public var isEmpty: Bool { deadLeases.isEmpty && expiredLeases.isEmpty && stuckSlots.isEmpty }
}

public struct PoolEvent: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case acquire, release, reclaim, create, reset, destroy, recover, exhausted
        case createFailed = "create_failed"
        case resetFailed = "reset_failed"
        case destroyFailed = "destroy_failed"
        case waitTimeout = "wait_timeout"
    }

    public var id: Int64
    public var at: Timestamp
    public var kind: Kind
    public var slotName: String?
    public var holder: String?
    public var token: FencingToken?
    /// Wait time for an acquire, hold time for a release, work time for create and reset.
    public var duration: Duration?
    public var detail: String?
}
