public import Logging

/// One named pool: drives a `ResourceBackend` from the ledger's decisions. Slow work (create, reset,
/// destroy) happens here, between two ledger transactions, never inside one.
public final class Pool: Sendable {
    public let name: String
    public let ledger: any Ledger
    public let backend: any ResourceBackend
    let clock: any WallClock
    let logger: Logger
    /// This process: the one doing any creation, reset or removal.
    let worker: ProcessIdentity
    let waitStrategy: WaitStrategy
    /// Where `release` resets a slot (see `ReleaseReset`).
    public let releaseReset: ReleaseReset

    /// How long `acquire` waits under the `wait` policy when the caller names no limit.
    public static let defaultWaitTimeout: Duration = .seconds(300)

    public init(
        name: String,
        ledger: any Ledger,
        backend: any ResourceBackend,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "shesha-pool"),
        waitStrategy: WaitStrategy = .standard,
        releaseReset: ReleaseReset = .beforeReturning
    ) {
        self.name = name
        self.ledger = ledger
        self.backend = backend
        self.clock = clock
        self.logger = logger
        self.worker = .current
        self.waitStrategy = waitStrategy
        self.releaseReset = releaseReset
    }

    /// Leases a slot to `holder`, preparing it first if needed. Acquiring again with the same holder
    /// returns the same lease.
    ///
    /// - Parameters:
    ///   - wait: how long to wait if the pool is exhausted. nil follows the pool's policy (`wait` waits
    ///     up to `defaultWaitTimeout`; `fail` fails at once; `create` never waits); zero never waits.
    ///   - ttl: the lease ends by itself this long after it is taken (or last renewed).
    ///   - owner: the process whose death ends the lease; this one by default.
    public func acquire(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        owner: ProcessIdentity = .current
    ) async throws -> Lease {
        try await acquire(holder: holder, wait: wait, ttl: ttl, owner: owner, recordingBranch: nil)
    }

    /// `acquire`, with the task branch the lease records (see `acquire(holder:wait:ttl:owner:branch:)`).
    func acquire(
        holder: String,
        wait: Duration?,
        ttl: Duration?,
        owner: ProcessIdentity,
        recordingBranch branch: String?
    ) async throws -> Lease {
        let requestedAt = clock.now()
        let started = ContinuousClock.now
        let request = AcquireRequest(
            pool: name, holder: holder, owner: owner, worker: worker, ttl: ttl, requestedAt: requestedAt,
            willWait: wait.map { $0 > .zero }, branch: branch
        )
        let limit = wait ?? Self.defaultWaitTimeout
        var pause = Duration.milliseconds(1)
        while true {
            // Taken before the try, so that a release committed after it looked ends the sleep at once.
            let mark = waitStrategy == .poll ? nil : ledger.changeMark()
            var isQueued = false
            let outcome = try await ledger.acquire(request)
            await destroy(outcome.orphans)
            switch outcome.grant {
            case .ready(let lease):
                return lease
            case .mustCreate(let lease, let slot):
                try await create(slot)
                return lease
            case .mustReset(let lease, let slot):
                // A slot that fails its reset is broken and never handed out; try the next one.
                if try await reset(slot) {
                    return lease
                }
                continue
            case .inProgress:
                // Another live process is preparing this holder's slot: wait for it, within the limit.
                break
            case .exhausted(let usage, let queued):
                guard queued else {
                    throw PoolError.exhausted(
                        pool: name, leased: usage.leased, size: usage.size, maxSize: usage.maxSize
                    )
                }
                isQueued = true
            }
            let waited = ContinuousClock.now - started
            if waited >= limit {
                try await ledger.abandonWait(pool: name, holder: holder, requestedAt: requestedAt, timedOut: true)
                throw PoolError.waitTimedOut(pool: name, waited: waited)
            }
            do {
                if case .wakeUp(let safetyPoll) = waitStrategy, let mark {
                    try await sleepUntilServable(
                        holder: holder, after: mark, isQueued: isQueued, safetyPoll: safetyPoll,
                        deadline: started + limit
                    )
                } else {
                    try await Task.sleep(for: pause)
                    // Poll often at first (slots are usually held briefly), then settle at a modest rate.
                    pause = min(pause * 2, .milliseconds(20))
                }
            } catch {
                try? await ledger.abandonWait(pool: name, holder: holder, requestedAt: requestedAt, timedOut: false)
                throw error
            }
        }
    }

    /// Ends the lease and, with `reset`, resets the slot where the pool's `releaseReset` says (at once
    /// with `waitForReset`). A stale lease throws `leaseLost` and changes nothing.
    public func release(_ lease: Lease, reset shouldReset: Bool = true, waitForReset: Bool = false) async throws {
        try await release(token: lease.token, reset: shouldReset, waitForReset: waitForReset)
    }

    /// Ends the lease with this token; returns its slot as it was left: idle after a reset here, broken
    /// if that failed, or dirty (without `reset`, or while its reset runs off the caller's path).
    @discardableResult
    public func release(token: FencingToken, reset shouldReset: Bool = true, waitForReset: Bool = false) async throws
        -> Slot
    {
        let inBackground = shouldReset && !waitForReset && releaseReset != .beforeReturning
        let slot = try await ledger.release(token, resetBy: shouldReset && !inBackground ? worker : nil)
        if inBackground, slot.state == .dirty {
            await startReset(of: slot)
            return slot
        }
        guard slot.state == .resetting, slot.worker == worker else { return slot }
        var result = slot
        result.state = try await reset(slot) ? .idle : .broken
        result.worker = nil
        return result
    }

    /// Claims a dirty slot and resets it: the work of a background resetter, safe to race with acquirers
    /// and other resetters (one claim wins). Returns the slot's state afterwards (idle, or broken if the
    /// reset failed), or nil if the slot was not dirty (another process claimed it first).
    @discardableResult
    public func resetDirtySlot(id: Int64) async throws -> SlotState? {
        guard let claimed = try await ledger.claimForReset(slotID: id, worker: worker) else { return nil }
        return try await reset(claimed) ? .idle : .broken
    }

    /// Hands a released slot's reset to the resetter `releaseReset` names. If no resetter process can be
    /// started, this process claims and resets the slot itself, as any acquirer may.
    private func startReset(of slot: Slot) async {
        switch releaseReset {
        case .beforeReturning:
            break
        case .detachedProcess(let executable, let database):
            do {
                try DetachedProcess.start([
                    executable, Self.resetCommand, "--db", database, "--pool", name, String(slot.id),
                ])
                return
            } catch {
                logger.warning("could not start a resetter for \(slot.name), resetting it here: \(error)")
            }
        case .detachedTask:
            Task.detached { [self] in
                do {
                    try await resetDirtySlot(id: slot.id)
                } catch {
                    logger.error("the background reset of \(slot.name) failed: \(error)")
                }
            }
            return
        }
        do {
            try await resetDirtySlot(id: slot.id)
        } catch {
            logger.error("the reset of \(slot.name) failed: \(error)")
        }
    }

    /// The `shesha-pool` subcommand that resets one dirty slot (`ReleaseReset.detachedProcess`).
    public static let resetCommand = "__reset-slot"

    /// Extends a TTL lease; a lease that is gone throws `leaseLost`.
    public func renew(_ lease: Lease, ttl: Duration) async throws -> Lease {
        try await ledger.renew(lease.token, ttl: ttl)
    }

    /// Runs `body` with a lease and releases it afterwards, whether `body` returns or throws. With a TTL,
    /// the lease is renewed while `body` runs; if it is lost all the same, `body` is cancelled and this
    /// throws `leaseLost` (see `withRenewal`).
    public nonisolated(nonsending) func withLease<R>(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        _ body: nonisolated(nonsending) (Lease) async throws -> R
    ) async throws -> R {
        let lease = try await acquire(holder: holder, wait: wait, ttl: ttl)
        let result: R
        do {
            result = try await withRenewal(of: lease, ttl: ttl) { try await body(lease) }
        } catch PoolError.leaseLost(let token) where token == lease.token {
            // Nothing to release: the lease is gone, and its slot may be someone else's now.
            throw PoolError.leaseLost(token)
        } catch {
            await releaseLogging(lease)
            throw error
        }
        await releaseLogging(lease)
        return result
    }

    /// Releases without throwing: a lease that cannot be released is reclaimed later by cleanup.
    private func releaseLogging(_ lease: Lease) async {
        do {
            try await release(lease)
        } catch {
            logger.error("could not release lease \(lease.token) on \(lease.slotName): \(error)")
        }
    }

    // MARK: Slow work, bracketed by ledger transactions

    /// Creates a reserved slot; on failure removes its remains and reports it to the ledger, then throws.
    func create(_ slot: Slot) async throws {
        let started = ContinuousClock.now
        // The ledger has committed a `creating` row for this process, and nothing exists on disk: a
        // crash here leaves a row with no resource, which only the worker's death explains.
        CrashPoint.reached(.afterReserve)
        do {
            try await backend.create(slot)
        } catch {
            let cleanedUp = error is any KeepsFailedSlot ? false : (try? await backend.destroy(slot)) != nil
            try await ledger.failCreate(slot, worker: worker, error: "\(error)", cleanedUp: cleanedUp)
            throw error
        }
        if let again = try await ledger.finishCreate(slot, worker: worker, duration: ContinuousClock.now - started) {
            // The pool's config changed while the slot was made: bring it to the new one.
            guard try await reset(again) else {
                throw PoolError.backendFailed(
                    slot: slot.name, operation: "reset", message: "the reset to the pool's new config failed"
                )
            }
        }
    }

    /// Resets a slot claimed for reset. Returns false if the reset failed (the slot is now broken).
    func reset(_ slot: Slot) async throws -> Bool {
        var slot = slot
        while true {
            let started = ContinuousClock.now
            var failure: String?
            do {
                try await backend.reset(slot)
            } catch {
                failure = "\(error)"
                logger.warning("reset of \(slot.name) failed, marking it broken: \(error)")
            }
            let again = try await ledger.finishReset(
                slot, worker: worker, error: failure, duration: ContinuousClock.now - started
            )
            // The pool's config changed during the reset (a refresh moved the base): reset to the new one.
            guard var again else { return failure == nil }
            // The same claim goes on, so its fence still holds the earlier holders out.
            again.fence = slot.fence
            slot = again
        }
    }

    /// Destroys slots claimed for removal, recording failures as broken slots.
    @discardableResult
    func destroy(_ slots: [Slot]) async -> [SlotFailure] {
        var failures: [SlotFailure] = []
        for slot in slots {
            var failure: String?
            do {
                try await backend.destroy(slot)
            } catch {
                failure = "\(error)"
            }
            do {
                try await ledger.finishDestroy(slot, worker: worker, error: failure)
            } catch {
                failure = failure ?? "\(error)"
            }
            if let failure {
                logger.error("could not remove slot \(slot.name): \(failure)")
                failures.append(SlotFailure(slot: slot, message: failure))
            }
        }
        return failures
    }
}

/// A slot whose creation, reset or removal failed, and why.
public struct SlotFailure: Sendable, Hashable {
    public var slot: Slot
    public var message: String
}
