import PoolCore

/// Waits, untimed, for the resets `release` left to run in the background: the next measured command must
/// find the pool as it would after a pause, not share the CPUs with a resetter.
enum BackgroundResets {
    /// Returns once no slot of `pool` is dirty or being reset. Woken by the reset's commit.
    static func waitForAll(_ ledger: any Ledger, pool: String) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while true {
            let mark = ledger.changeMark()
            let slots = try await ledger.slots(pool: pool)
            if !slots.contains(where: { $0.state == .dirty || $0.state == .resetting }) { return }
            guard ContinuousClock.now < deadline else {
                throw BenchError("a released slot was not idle again within 10 minutes: \(slots)")
            }
            if let mark {
                _ = try await ledger.waitForChange(after: mark, timeout: .seconds(1))
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }
}
