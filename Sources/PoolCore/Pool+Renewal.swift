import Logging
import Synchronization

extension Pool {
    /// Runs `body` while a TTL lease is renewed every third of its TTL. When renewal finds the lease gone
    /// (released by someone else, reclaimed, or expired), `body` is cancelled and this throws `leaseLost`
    /// once `body` has ended: the slot may already belong to another holder, so its work must stop.
    /// Without a TTL the lease cannot be lost this way, and `body` simply runs.
    ///
    /// The cancellation reaches the calling task (the body runs in it, on the caller's actor, so it may
    /// use non-Sendable state), and cancellation cannot be undone: code after this call sees a cancelled
    /// task. `withLease`, `WorktreePool.withWorktree`, `ContainerPool.withExecutor` and `run --ttl` use it.
    public nonisolated(nonsending) func withRenewal<R>(
        of lease: Lease,
        ttl: Duration?,
        _ body: nonisolated(nonsending) () async throws -> R
    ) async throws -> R {
        guard let ttl else { return try await body() }
        let canceller = BodyCanceller()
        withUnsafeCurrentTask { canceller.arm($0) }
        let renewal = startRenewal(of: lease, ttl: ttl, canceller: canceller)
        let result: R
        do {
            result = try await body()
        } catch {
            let wasLost = canceller.disarm()
            renewal.cancel()
            throw wasLost ? PoolError.leaseLost(lease.token) : error
        }
        let wasLost = canceller.disarm()
        renewal.cancel()
        // The body finished, but on a slot that was no longer its own for a while: say so.
        if wasLost { throw PoolError.leaseLost(lease.token) }
        return result
    }

    /// Renews in a task of its own (the body's task may be busy or blocked) until cancelled or the lease
    /// is lost, which cancels the body.
    private func startRenewal(of lease: Lease, ttl: Duration, canceller: BodyCanceller) -> Task<Void, Never> {
        Task { [self] in
            do {
                try await keepRenewing(lease, ttl: ttl)
            } catch is CancellationError {
                return
            } catch {
                // Debug only: the holder hears of it, as the `leaseLost` that `withRenewal` throws.
                logger.debug("lease \(lease.token) on \(lease.slotName) was lost, stopping its holder: \(error)")
                canceller.cancelBody()
            }
        }
    }

    /// Renews `lease` every third of `ttl` until the task is cancelled (CancellationError) or the lease is
    /// lost (`leaseLost`). Any other failure (a database busy for a while) is retried: the lease counts as
    /// lost only when the ledger says so, or when a whole TTL has passed since the last renewal that
    /// succeeded, after which the lease has expired by itself.
    func keepRenewing(_ lease: Lease, ttl: Duration) async throws {
        var lastRenewal = ContinuousClock.now
        var pause = ttl / 3
        while true {
            try await Task.sleep(for: pause)
            let attempt = ContinuousClock.now
            do {
                _ = try await renew(lease, ttl: ttl)
                // The ledger set the new expiry after `attempt`, so counting from it errs on the safe side.
                lastRenewal = attempt
                pause = ttl / 3
            } catch PoolError.leaseLost(let token) {
                throw PoolError.leaseLost(token)
            } catch {
                try Task.checkCancellation()
                if ContinuousClock.now - lastRenewal >= ttl {
                    logger.error("lease \(lease.token) could not be renewed within its TTL (\(ttl)): \(error)")
                    throw PoolError.leaseLost(lease.token)
                }
                logger.warning("lease \(lease.token) could not be renewed, retrying: \(error)")
                pause = min(ttl / 10, .seconds(1))
            }
        }
    }
}

/// Cancels the task running a lease's body, but only while that body runs: armed before it starts,
/// disarmed (under the same lock) as soon as it ends, so a late renewal never cancels what follows.
final class BodyCanceller: Sendable {
    private struct State: ~Copyable {
        var task: BodyTask?
        var hasCancelled = false
    }

    private let state = Mutex(State())

    /// Called by the task that is about to run the body.
    func arm(_ task: UnsafeCurrentTask?) {
        state.withLock { $0.task = task.map(BodyTask.init) }
    }

    /// Cancels the body's task if it is still running the body.
    func cancelBody() {
        state.withLock { state in
            guard let body = state.task else { return }
            body.task.cancel()
            state.hasCancelled = true
        }
    }

    /// Called by the body's task once the body has ended; true if the body was cancelled.
    func disarm() -> Bool {
        state.withLock { state in
            state.task = nil
            return state.hasCancelled
        }
    }
}

/// The body's task, kept past `withUnsafeCurrentTask`'s closure.
/// Safe to keep and to share: it is used only for `cancel()`, which the runtime makes thread-safe (it is
/// what `Task.cancel()` does), and only while `BodyCanceller` is armed, that is while the task itself is
/// inside `withRenewal`, running the body, so the task is alive. Disarming happens on that task, under
/// the lock that `cancelBody` takes.
private struct BodyTask: @unchecked Sendable {
    let task: UnsafeCurrentTask
}
