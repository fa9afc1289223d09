/// The slot life cycle as a table: which state may follow which. The ledger changes `slot.state` in one
/// place (`SQLiteLedger.transition`), which refuses any change this table does not allow.
///
///     creating --ok--> idle --acquire--> leased --release--> dirty --claim--> resetting --ok--> idle
///        |                                  |                  ^                 |  |
///        |                                  +--(reset now)-----|---------------->+  +--fail--> broken
///        |                                                     +--(worker died)--+
///     creating, resetting: ok with a lease waiting --> leased (an acquirer's creation or reset)
///     idle --(the base moved)--> resetting;  creating --(the config changed meanwhile)--> resetting
///     idle, dirty, broken --remove--> destroying --> (removed) | broken
///     creating, destroying --(worker died)--> destroying, by the process that recovers it
///     creating, resetting, destroying --(failed, or overdue and taken over)--> broken
///
/// A slot is born `creating` (an insert, not a change) and leaves the table by deletion from `creating`
/// (a failed creation cleaned up) or `destroying`.
public struct SlotTransition: Hashable, Sendable, CustomStringConvertible {
    public var from: SlotState
    public var to: SlotState

    public init(from: SlotState, to: SlotState) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from.rawValue) -> \(to.rawValue)" }

    /// Every state each state may change to.
    public static let allowed: [SlotState: Set<SlotState>] = [
        // Made; made for a waiting holder; to be reset to a config that changed meanwhile; failed (kept for
        // its error); its creator died (removed by the process that found it).
        .creating: [.idle, .leased, .resetting, .broken, .destroying],
        // Handed out; reset to a moved base; removed.
        .idle: [.leased, .resetting, .destroying],
        // Released (or its owner died, or its TTL passed); released and reset at once by the releaser.
        .leased: [.dirty, .resetting],
        // Claimed for reset (by a background resetter or by an acquirer that found nothing idle); removed.
        .dirty: [.resetting, .destroying],
        // Reset; reset for a waiting holder; reset again (the config changed meanwhile, or a new deadline);
        // its resetter died; failed.
        .resetting: [.idle, .leased, .resetting, .dirty, .broken],
        // Removed (cleanup, doctor --fix, shrink never: it takes idle ones).
        .broken: [.destroying],
        // Its remover died (another process takes the removal over); the resource could not be removed.
        .destroying: [.destroying, .broken],
    ]

    /// Whether `to` may follow `from`.
    public static func isAllowed(from: SlotState, to: SlotState) -> Bool {
        allowed[from]?.contains(to) == true
    }

    public var isAllowed: Bool { Self.isAllowed(from: from, to: to) }
}

/// A slot state change the life cycle does not allow: a fault in the code that asked for it, refused
/// before anything is written.
public struct DisallowedTransition: Error, CustomStringConvertible {
    public var slotID: Int64
    public var transition: SlotTransition

    public var description: String {
        "slot \(slotID) may not change \(transition) (see SlotTransition.allowed); nothing was changed"
    }
}
