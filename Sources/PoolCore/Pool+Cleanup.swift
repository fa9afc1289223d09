/// `cleanup`: the cron-safe sweep. Reclaims leases of dead owners and expired TTLs, removes slots left
/// half-made by dead processes, retires old, long-idle and broken slots, and removes resources the
/// ledger does not know. Never touches a leased slot or one a live process is working on.
extension Pool {
    public struct CleanupOptions: Sendable {
        /// Retire idle slots created longer ago than this.
        public var maxAge: Duration?
        /// Retire idle slots unused for longer than this.
        public var idleFor: Duration?
        /// Report what would be done, change nothing.
        public var dryRun: Bool

        public init(maxAge: Duration? = nil, idleFor: Duration? = nil, dryRun: Bool = false) {
            self.maxAge = maxAge
            self.idleFor = idleFor
            self.dryRun = dryRun
        }
    }

    public struct CleanupReport: Sendable {
        public var reclaimedLeases: [Lease] = []
        public var recoveredSlots: [Slot] = []
        public var removedOrphans: [Slot] = []
        /// Slots whose work ran past its deadline under a live worker, stopped and left broken (then retired).
        public var stoppedWork: [Slot] = []
        public var retired: [Slot] = []
        public var strays: [String] = []
        public var failures: [String] = []
        public var dryRun: Bool

        public var summary: String {
            let verb = dryRun ? "would reclaim" : "reclaimed"
            return "\(verb) \(reclaimedLeases.count) leases, "
                + "\(dryRun ? "would recover" : "recovered") \(recoveredSlots.count + removedOrphans.count) stuck slots, "
                + "\(dryRun ? "would retire" : "retired") \(retired.count) slots, "
                + "\(dryRun ? "would remove" : "removed") \(strays.count) stray resources"
                + (stoppedWork.isEmpty ? "" : ", \(dryRun ? "would stop" : "stopped") \(stoppedWork.count) overdue works")
                + (failures.isEmpty ? "" : "; \(failures.count) failures")
        }
    }

    public func cleanup(_ options: CleanupOptions, parallelism: Int = 4) async throws -> CleanupReport {
        var report = CleanupReport(dryRun: options.dryRun)

        if options.dryRun {
            let findings = try await ledger.inspect(pool: name)
            report.reclaimedLeases = findings.deadLeases + findings.expiredLeases
            report.recoveredSlots = findings.stuckSlots
            report.stoppedWork = findings.overdueSlots
            let slots = try await ledger.slots(pool: name)
            // Only a report: the retirement itself measures the ages in its own transaction.
            let now = clock.now()
            let createdBefore = options.maxAge.map { Timestamp(microsecondsSince1970: now.microsecondsSince1970 - $0.microseconds) }
            let unusedSince = options.idleFor.map { Timestamp(microsecondsSince1970: now.microsecondsSince1970 - $0.microseconds) }
            report.retired = slots.filter { slot in
                slot.state == .broken
                    || (slot.state == .idle
                        && (createdBefore.map { slot.createdAt < $0 } == true
                            || unusedSince.map { (slot.lastUsedAt ?? slot.createdAt) < $0 } == true))
            }
            report.strays = try await strayResources()
            return report
        }

        let recovery = try await recover()
        report.reclaimedLeases = recovery.reclaimedLeases
        report.recoveredSlots = recovery.recoveredSlots
        report.removedOrphans = recovery.removedOrphans
        report.failures += recovery.failures.map { "\($0.slot.name): \($0.message)" }

        // Work past its deadline is stopped first, so that its slot, now broken, is retired below.
        let overdue = try await ledger.inspect(pool: name).overdueSlots
        let stopFailures = await stopOverdueWork(overdue)
        report.stoppedWork = overdue.filter { slot in !stopFailures.contains { $0.slot.id == slot.id } }
        report.failures += stopFailures.map { "\($0.slot.name): \($0.message)" }

        let retirement = try await remove(
            .retire(olderThan: options.maxAge, unusedFor: options.idleFor, includeBroken: true),
            parallelism: parallelism
        )
        report.retired = retirement.removed
        report.failures += retirement.failures.map { "\($0.slot.name): \($0.message)" }

        for stray in try await strayResources() {
            do {
                try await backend.removeStray(stray)
                report.strays.append(stray)
            } catch {
                report.failures.append("\(stray): \(error)")
            }
        }
        return report
    }

    /// Resources in the pool's folder (or registered by the backend) that no slot row accounts for.
    func strayResources() async throws -> [String] {
        let definition = try await ledger.pool(named: name)
        let ledger = self.ledger
        let name = self.name
        return try await backend.strayResources(slotFolder: definition.slotFolder) {
            Set(try await ledger.slots(pool: name).map(\.path))
        }
    }
}
