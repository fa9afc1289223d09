/// `doctor`: every drift between the ledger, the disk and the backend, and repair of what is safe.
extension Pool {
    public struct Finding: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Codable {
            case deadLease = "dead-lease"
            case expiredLease = "expired-lease"
            case stuckSlot = "stuck-slot"
            case strayResource = "stray-resource"
            case unhealthySlot = "unhealthy-slot"
            case brokenSlot = "broken-slot"
            case overdueWork = "overdue-work"
        }

        public var kind: Kind
        public var slot: String?
        public var path: String?
        public var message: String
        public var isFixed: Bool
        /// For overdue work: what runs, for whom, since when.
        public var work: OverdueWork? = nil
    }

    /// Looks for problems; with `fix`, repairs them: reclaims dead and expired leases, recovers stuck
    /// slots, stops work past its deadline, removes stray resources, and removes broken or unhealthy slots
    /// that nobody holds.
    public func doctor(fix: Bool) async throws -> [Finding] {
        var findings: [Finding] = []
        let inspection = try await ledger.inspect(pool: name)
        for lease in inspection.deadLeases {
            findings.append(
                Finding(kind: .deadLease, slot: lease.slotName, path: lease.path,
                        message: "lease \(lease.token) of \(lease.holder): owner \(lease.owner) is gone", isFixed: fix)
            )
        }
        for lease in inspection.expiredLeases {
            findings.append(
                Finding(kind: .expiredLease, slot: lease.slotName, path: lease.path,
                        message: "lease \(lease.token) of \(lease.holder) expired", isFixed: fix)
            )
        }
        for slot in inspection.stuckSlots {
            findings.append(
                Finding(kind: .stuckSlot, slot: slot.name, path: slot.path,
                        message: "\(slot.state.rawValue) by \(slot.worker.map(String.init(describing:)) ?? "nobody"), who is gone",
                        isFixed: fix)
            )
        }
        for slot in inspection.overdueSlots {
            let work = describeOverdue(slot)
            findings.append(
                Finding(kind: .overdueWork, slot: slot.name, path: slot.path,
                        message: Self.overdueMessage(work, worker: slot.worker), isFixed: fix, work: work)
            )
        }
        var failed: [String] = []
        if fix && !inspection.isEmpty {
            let recovery = try await recover()
            failed += recovery.failures.map(\.slot.name)
        }
        if fix && !inspection.overdueSlots.isEmpty {
            failed += await stopOverdueWork(inspection.overdueSlots).map(\.slot.name)
        }

        for stray in try await strayResources() {
            var isFixed = false
            if fix {
                isFixed = (try? await backend.removeStray(stray)) != nil
            }
            findings.append(
                Finding(kind: .strayResource, slot: nil, path: stray,
                        message: "not a slot of the pool (left by a crash or by hand)", isFixed: isFixed)
            )
        }

        var toRemove: [Int64] = []
        for slot in try await ledger.slots(pool: name) where !slot.state.isIntermediate {
            if slot.state == .broken {
                findings.append(
                    Finding(kind: .brokenSlot, slot: slot.name, path: slot.path,
                            message: slot.error ?? "broken", isFixed: fix)
                )
                toRemove.append(slot.id)
                continue
            }
            let problems = await backend.checkHealth(slot)
            guard !problems.isEmpty else { continue }
            // A slot taken or reset while it was checked was in use, and what looked wrong (a git lock, say)
            // may have been that use: judge it on another run, when it stands still.
            guard try await ledger.slots(pool: name).first(where: { $0.id == slot.id }) == slot else { continue }
            let removable = slot.state != .leased
            findings.append(
                Finding(kind: .unhealthySlot, slot: slot.name, path: slot.path,
                        message: problems.joined(separator: "; ") + (removable ? "" : " (leased: left alone)"),
                        isFixed: fix && removable)
            )
            if removable { toRemove.append(slot.id) }
        }
        if fix && !toRemove.isEmpty {
            let removal = try await remove(.slots(ids: toRemove))
            failed += removal.failures.map(\.slot.name)
        }
        return findings.map { finding in
            var finding = finding
            if let slot = finding.slot, failed.contains(slot) { finding.isFixed = false }
            return finding
        }
    }
}
