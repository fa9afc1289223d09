/// Giving back a slot whose resource must not be used again (a sandbox that broke its protocol or hit a
/// limit): it is never handed out, then destroyed.
extension Pool {
    /// Ends the lease with `token` and destroys its slot. The slot passes through `resetting` (held by this
    /// process) to `broken` with `reason`, so no other process can take it in between; if this process dies
    /// before the removal, cleanup or doctor removes the broken slot.
    public func discard(token: FencingToken, reason: String) async throws {
        let slot = try await ledger.release(token, resetBy: worker)
        guard slot.state == .resetting, slot.worker == worker else { return }
        try await ledger.finishReset(slot, worker: worker, error: "discarded: \(reason)", duration: .zero)
        let report = try await remove(.slots(ids: [slot.id]))
        if let failure = report.failures.first {
            throw PoolError.backendFailed(slot: slot.name, operation: "remove", message: failure.message)
        }
    }
}
