import Logging

extension Pool {
    /// Leases a slot to `holder` like `acquire(holder:wait:ttl:owner:)` and, with a branch, checks that
    /// branch out in it. A request the pool must refuse (a bad name, an unknown start point, a branch checked
    /// out in another worktree or recorded by another lease of the pool, a holder already on another branch)
    /// throws before anything changes. If the checkout fails all the same (a process outside the pool took
    /// the branch meanwhile), the lease is released.
    ///
    /// A branch left checked out in a slot of this pool that nobody holds any more (its lease ended with its
    /// owner, and the slot awaits its reset) does not count as in use: that slot is reset first.
    public func acquire(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        owner: ProcessIdentity = .current,
        branch: TaskBranch?
    ) async throws -> Lease {
        guard let branch else {
            return try await acquire(holder: holder, wait: wait, ttl: ttl, owner: owner)
        }
        guard let backend = backend as? any TaskBranchBackend else {
            throw PoolError.invalidArgument(
                "pool '\(name)' has no task branches (its slots are not git worktrees); drop --branch, or pass "
                    + "the --pool of a worktree pool"
            )
        }
        try Names.validate(holder, kind: "holder")
        let held = try await ledger.lease(pool: name, holder: holder)
        if let held, held.branch != branch.name {
            throw PoolError.invalidArgument(
                "holder \(quoted(holder)) already holds \(held.slotName) "
                    + (held.branch.map { "on branch \(quoted($0))" } ?? "without a branch")
                    + "; release it first, or ask for the same branch"
            )
        }
        // A lease of a dead owner is not the holder's any more: acquire will end it and grant a new one.
        let ownSlot = held.flatMap { isLive($0) ? $0.path : nil }
        do {
            try await backend.checkTaskBranch(branch, ownSlot: ownSlot)
        } catch PoolError.branchInUse(let inUse, let path) {
            guard try await resetAbandonedSlot(at: path) else {
                throw PoolError.branchInUse(branch: inUse, path: path)
            }
            try await backend.checkTaskBranch(branch, ownSlot: ownSlot)
        }
        let lease: Lease
        do {
            lease = try await acquire(holder: holder, wait: wait, ttl: ttl, owner: owner, recordingBranch: branch.name)
        } catch PoolError.branchInUse(let inUse, let path) {
            // Another holder's grant took the branch while this one waited: leave the queue.
            try? await ledger.abandonWait(pool: name, holder: holder, requestedAt: clock.now(), timedOut: false)
            throw PoolError.branchInUse(branch: inUse, path: path)
        }
        // Acquiring again: the branch is checked out already.
        if lease.token == held?.token {
            return lease
        }
        do {
            try await backend.checkOutTaskBranch(branch, in: lease.path)
        } catch {
            do {
                try await release(lease)
            } catch let releaseError {
                logger.error("could not release lease \(lease.token) after its branch failed: \(releaseError)")
            }
            throw error
        }
        return lease
    }

    private func isLive(_ lease: Lease) -> Bool {
        lease.owner.isRunning && lease.expiresAt.map { $0 > clock.now() } != false
    }

    /// Resets the slot of this pool at `path` if no live lease holds it: a lease of a dead owner or past its
    /// TTL is reclaimed first. Returns whether the slot is now reset (false: not a slot of this pool, or held).
    private func resetAbandonedSlot(at path: String) async throws -> Bool {
        guard let resolved = resolvedPath(path) else { return false }
        let found = try await ledger.slots(pool: name).first { resolvedPath($0.path) == resolved }
        guard var slot = found else { return false }
        if slot.state == .leased {
            let lease = try await ledger.leases(pool: name).first { $0.slotID == slot.id }
            if let lease, isLive(lease) {
                return false
            }
            await destroy(try await ledger.reclaim(pool: name, worker: worker).orphans)
            guard let reclaimed = try await ledger.slots(pool: name).first(where: { $0.id == slot.id }) else {
                return false
            }
            slot = reclaimed
        }
        guard slot.state == .dirty, let claimed = try await ledger.claimForReset(slotID: slot.id, worker: worker)
        else { return false }
        return try await reset(claimed)
    }
}
