/// Counts and timings of a pool over a window of its event history, for `stats`.
public struct PoolStatistics: Sendable, Hashable, Codable {
    public var pool: String
    public var windowSeconds: Int64?
    /// Slots per state now.
    public var slotsByState: [String: Int]
    public var acquires: Int
    /// Acquires served by an idle, ready slot.
    public var warmHits: Int
    /// Acquires that reset a dirty slot first.
    public var dirtyResets: Int
    /// Acquires that had to create a slot.
    public var coldCreates: Int
    public var slotsCreated: Int
    public var slotsDestroyed: Int
    public var failures: Int
    public var reclaimedLeases: Int
    public var exhausted: Int
    public var waitTimeouts: Int
    public var waitSeconds: Summary
    public var holdSeconds: Summary

    public struct Summary: Sendable, Hashable, Codable {
        public var count: Int
        public var mean: Double
        public var p95: Double
        public var max: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            count = sorted.count
            mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
            p95 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
            max = sorted.last ?? 0
        }
    }

    public init(pool: String, window: Duration?, slots: [Slot], events: [PoolEvent]) {
        self.pool = pool
        windowSeconds = window.map { $0.components.seconds }
        slotsByState = Dictionary(grouping: slots, by: \.state.rawValue).mapValues(\.count)
        func count(_ kind: PoolEvent.Kind) -> Int { events.filter { $0.kind == kind }.count }
        let acquireEvents = events.filter { $0.kind == .acquire }
        acquires = acquireEvents.count
        warmHits = acquireEvents.filter { $0.detail == "warm" }.count
        dirtyResets = acquireEvents.filter { $0.detail == "dirty" }.count
        coldCreates = acquireEvents.filter { $0.detail == "new" }.count
        slotsCreated = count(.create)
        slotsDestroyed = count(.destroy)
        failures = count(.createFailed) + count(.resetFailed) + count(.destroyFailed)
        reclaimedLeases = count(.reclaim)
        exhausted = count(.exhausted)
        waitTimeouts = count(.waitTimeout)
        func seconds(_ event: PoolEvent) -> Double? {
            event.duration.map { Double($0.microseconds) / 1_000_000 }
        }
        waitSeconds = Summary(acquireEvents.compactMap(seconds))
        holdSeconds = Summary(events.filter { $0.kind == .release || $0.kind == .reclaim }.compactMap(seconds))
    }
}

extension Pool {
    /// Statistics over the last `window` of history (all of it when nil).
    public func statistics(window: Duration?) async throws -> PoolStatistics {
        let since = window.map { Timestamp(microsecondsSince1970: clock.now().microsecondsSince1970 - $0.microseconds) }
        return PoolStatistics(
            pool: name,
            window: window,
            slots: try await ledger.slots(pool: name),
            events: try await ledger.events(pool: name, since: since)
        )
    }
}
