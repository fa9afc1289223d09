/// What a pool does when every slot is taken and it is at its maximum size.
public enum ExhaustionPolicy: String, CaseIterable, Sendable, Codable {
    /// Wait for a slot, first come first served, up to the caller's timeout.
    case wait
    /// Create a slot beyond the maximum.
    case create
    /// Fail at once with `PoolError.exhausted`.
    case fail
}

/// A pool's definition as stored in the ledger.
public struct PoolDefinition: Hashable, Sendable {
    public var name: String
    /// Which backend makes its slots ("worktree", "container", "folder"); the core does not interpret it.
    public var kind: String
    /// The folder whose direct subfolders are the slots.
    public var slotFolder: String
    public var maxSize: Int
    public var minIdle: Int
    public var onExhausted: ExhaustionPolicy
    /// The backend's own settings, as JSON text.
    public var config: String
    /// Bounds on slow work, from which claims record deadlines; nil records none.
    public var workTimeouts: WorkTimeouts?

    public init(
        name: String,
        kind: String,
        slotFolder: String,
        maxSize: Int,
        minIdle: Int = 0,
        onExhausted: ExhaustionPolicy = .wait,
        config: String = "{}",
        workTimeouts: WorkTimeouts? = nil
    ) {
        self.name = name
        self.kind = kind
        self.slotFolder = slotFolder
        self.maxSize = maxSize
        self.minIdle = minIdle
        self.onExhausted = onExhausted
        self.config = config
        self.workTimeouts = workTimeouts
    }
}

/// A slot's place in its life cycle:
///
///     creating --ok--> idle --acquire--> leased --release--> dirty --claim--> resetting --ok--> idle
///        |fail                                                                    |fail
///        v                                                                        v
///     (removed)     idle/dirty/broken --shrink/cleanup--> destroying --> (removed)   broken
///
/// `creating`, `resetting` and `destroying` record the process doing the slow work. `SlotTransition`
/// lists every allowed change, recoveries included; the ledger makes no other.
public enum SlotState: String, CaseIterable, Sendable, Codable {
    case creating
    case idle
    case leased
    case dirty
    case resetting
    case broken
    case destroying

    /// States in which a worker process is doing slow work on the slot.
    public var isIntermediate: Bool {
        self == .creating || self == .resetting || self == .destroying
    }
}

/// A slot as the ledger records it.
public struct Slot: Hashable, Sendable, Identifiable {
    public var id: Int64
    public var pool: String
    /// Per-pool sequence number; never reused.
    public var number: Int64
    public var name: String
    public var path: String
    public var state: SlotState
    public var worker: ProcessIdentity?
    public var error: String?
    public var createdAt: Timestamp
    public var stateChangedAt: Timestamp
    public var lastUsedAt: Timestamp?
    public var useCount: Int
    /// Set on a slot just claimed for reset, never stored: the fencing token its reset presents to the
    /// resource, newer than every earlier holder's (the next holder's own token, or a fresh one), so the
    /// resource refuses them from then on.
    public var fence: FencingToken? = nil
    /// By when the slow work of an intermediate state must end (see `WorkTimeouts`); nil otherwise.
    public var workDeadline: Timestamp? = nil
    /// The pool's config version when this slot was read. Slow work begun on a slot read by its claim (a
    /// creation or a reset, which follow the config) counts only if the version is unchanged when it ends.
    public var configVersion: Int64
}

/// A fencing token: strictly increasing across the whole database, presented with every write made on
/// behalf of a lease so that a holder whose lease was taken away cannot act on the slot.
public struct FencingToken: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: FencingToken, rhs: FencingToken) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { String(rawValue) }
}

/// A live claim on one slot by one holder.
public struct Lease: Hashable, Sendable {
    public var token: FencingToken
    public var pool: String
    public var holder: String
    public var slotID: Int64
    public var slotName: String
    public var path: String
    /// The process whose death ends the lease.
    public var owner: ProcessIdentity
    public var acquiredAt: Timestamp
    public var expiresAt: Timestamp?
    /// The smallest integer >= 0 no other live lease of the pool held when this one was granted; fixed for
    /// the life of the lease (for ports, test databases).
    public var index: Int = 0
    /// The task branch checked out in the slot for this lease; nil for a slot detached at the base.
    public var branch: String? = nil
}
