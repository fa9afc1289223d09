/// How `Pool.acquire` waits while the pool is exhausted.
public enum WaitStrategy: Hashable, Sendable {
    /// Sleep until another process commits something that may serve the waiter (a release, a finished
    /// reset or creation, a removal, a waiter leaving the queue), with a full try at least every
    /// `safetyPoll`: that reclaims the leases of holders that died (a death announces nothing), drops dead
    /// waiters ahead, and keeps the waiter's place in the queue fresh (keep it well under the minute after
    /// which a waiter not seen is dropped). Falls back to `poll` when the ledger cannot wake waiters.
    case wakeUp(safetyPoll: Duration)
    /// Ask again with a write transaction every 1 to 20 ms: the old way, kept for pool-bench's `wait`
    /// section to measure against.
    case poll

    /// Woken by changes, with a full try at least once a second.
    public static let standard = WaitStrategy.wakeUp(safetyPoll: .seconds(1))
}

extension Pool {
    /// Sleeps until the ledger announces a change after `mark` that lets `holder` be served (checked with a
    /// read, so waiters that are not next go back to sleep without writing), until `safetyPoll` has passed,
    /// or until `deadline`, whichever comes first. With `isQueued` false (the holder's own slot is being
    /// prepared), any change ends the sleep.
    func sleepUntilServable(
        holder: String,
        after mark: ChangeMark,
        isQueued: Bool,
        safetyPoll: Duration,
        deadline: ContinuousClock.Instant
    ) async throws {
        let wakeBy = min(deadline, ContinuousClock.now + safetyPoll)
        var mark = mark
        while true {
            let left = wakeBy - ContinuousClock.now
            guard left > .zero else { return }
            guard try await ledger.waitForChange(after: mark, timeout: left) else { return }
            guard isQueued, let next = ledger.changeMark() else { return }
            mark = next
            if try await ledger.couldServe(pool: name, holder: holder) {
                return
            }
        }
    }
}
