/// Growing, shrinking and recovering a pool. Each works on many slots in parallel, one ledger
/// transaction before and one after each slot's slow work.
extension Pool {
    /// Creates up to `count` idle slots, never beyond the pool's maximum (the report says when it stopped
    /// short). `progress` is called after each slot with (done, total).
    public func expand(
        by count: Int,
        parallelism: Int = 4,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> ExpandReport {
        guard count >= 1 else {
            throw PoolError.invalidArgument("expand needs a count of at least 1 (got \(count))")
        }
        let reserved = try await ledger.reserveSlots(pool: name, count: count, beyondMaximum: false, worker: worker)
        let failures = await forEach(reserved, parallelism: parallelism, progress: progress) { slot in
            try await self.create(slot)
        }
        let failedIDs = Set(failures.map(\.slot.id))
        return ExpandReport(
            requested: count,
            created: reserved.filter { !failedIDs.contains($0.id) },
            failures: failures
        )
    }

    /// Removes up to `count` idle slots, least recently used first.
    public func shrink(
        by count: Int,
        parallelism: Int = 4,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> RemovalReport {
        guard count >= 1 else {
            throw PoolError.invalidArgument("shrink needs a count of at least 1 (got \(count))")
        }
        return try await remove(.leastRecentlyUsedIdle(count: count), parallelism: parallelism, progress: progress)
    }

    /// Removes the slots `selection` picks (never leased ones, nor ones a live process works on).
    public func remove(
        _ selection: DestroySelection,
        parallelism: Int = 4,
        progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> RemovalReport {
        let claimed = try await ledger.claimForDestroy(pool: name, selection: selection, worker: worker)
        let failures = await forEach(claimed, parallelism: parallelism, progress: progress) { slot in
            if let failure = await self.destroy([slot]).first {
                throw PoolError.backendFailed(slot: slot.name, operation: "remove", message: failure.message)
            }
        }
        let failedIDs = Set(failures.map(\.slot.id))
        return RemovalReport(removed: claimed.filter { !failedIDs.contains($0.id) }, failures: failures)
    }

    /// Ends leases of dead owners and expired TTLs, returns slots whose resetter died to dirty, and
    /// removes slots whose creator or remover died, with their folders.
    public func recover() async throws -> RecoveryReport {
        let report = try await ledger.reclaim(pool: name, worker: worker)
        let failures = await destroy(report.orphans)
        let failedIDs = Set(failures.map(\.slot.id))
        return RecoveryReport(
            reclaimedLeases: report.reclaimedLeases,
            recoveredSlots: report.recoveredSlots,
            removedOrphans: report.orphans.filter { !failedIDs.contains($0.id) },
            failures: failures
        )
    }

    /// Runs `work` on each slot with at most `parallelism` at once; collects failures instead of stopping
    /// at the first.
    private func forEach(
        _ slots: [Slot],
        parallelism: Int,
        progress: @Sendable (Int, Int) -> Void,
        _ work: @escaping @Sendable (Slot) async throws -> Void
    ) async -> [SlotFailure] {
        await withTaskGroup(of: SlotFailure?.self) { group in
            var pending = slots[...]
            var failures: [SlotFailure] = []
            var done = 0
            func startNext() {
                guard let slot = pending.popFirst() else { return }
                group.addTask {
                    do {
                        try await work(slot)
                        return nil
                    } catch {
                        return SlotFailure(slot: slot, message: "\(error)")
                    }
                }
            }
            for _ in 0..<max(1, parallelism) { startNext() }
            for await failure in group {
                done += 1
                progress(done, slots.count)
                if let failure { failures.append(failure) }
                startNext()
            }
            return failures
        }
    }
}

public struct ExpandReport: Sendable {
    public var requested: Int
    public var created: [Slot]
    public var failures: [SlotFailure]
    /// True when the pool's maximum size stopped the expansion short of the request.
    public var reachedMaximum: Bool { created.count + failures.count < requested }
}

public struct RemovalReport: Sendable {
    public var removed: [Slot]
    public var failures: [SlotFailure]
}

public struct RecoveryReport: Sendable {
    public var reclaimedLeases: [Lease]
    public var recoveredSlots: [Slot]
    public var removedOrphans: [Slot]
    public var failures: [SlotFailure]
}

extension Pool {
    /// Resets every idle slot (after the pool's base moved). Slots whose reset fails become broken.
    public func resetIdleSlots(parallelism: Int = 4) async throws -> (reset: [Slot], failures: [SlotFailure]) {
        let claimed = try await ledger.claimIdleForReset(pool: name, worker: worker)
        var failures: [SlotFailure] = []
        for slot in claimed where try await !reset(slot) {
            failures.append(SlotFailure(slot: slot, message: "reset failed; the slot is now broken"))
        }
        let failedIDs = Set(failures.map(\.slot.id))
        return (claimed.filter { !failedIDs.contains($0.id) }, failures)
    }
}
