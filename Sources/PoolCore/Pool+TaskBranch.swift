import Logging

extension Pool {
    /// Leases a slot to `holder` like `acquire(holder:wait:ttl:owner:)` and, with a branch, checks that
    /// branch out in it. A request the pool must refuse (a bad name, an unknown start point, a branch checked
    /// out in another worktree, a holder already on another branch) throws before anything changes. If the
    /// checkout fails all the same (another process took the branch meanwhile), the lease is released.
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
        try await backend.checkTaskBranch(branch, ownSlot: held?.path)
        let lease = try await acquire(
            holder: holder, wait: wait, ttl: ttl, owner: owner, recordingBranch: branch.name
        )
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
}
