/// What a torture run did and what the checker found.
struct TortureReport {
    var tenuresBegun = 0
    /// Tenures that ran to END: complete acquire / hold / release cycles.
    var cycles = 0
    var acquireEvents = 0
    var holderKills = 0
    var maintenanceKills = 0
    /// Background resetters (`shesha-pool __reset-slot`) killed mid-reset.
    var resetterKills = 0
    var abandons = 0
    var holderErrors: [String] = []
    /// Maintenance commands that ended by themselves, by command and exit status.
    var maintenanceRuns: [String: [Int32: Int]] = [:]
    var maintenanceFailures: [String] = []
    var finalSlots: [String: Int] = [:]
    var violations: [String] = []

    var kills: Int { holderKills + maintenanceKills + resetterKills }
    /// Faults injected: SIGKILLs of holders, maintenance commands and resetters, and holders that walked away mid-tenure.
    var injectedFaults: Int { kills + abandons }

    var text: String {
        var lines = [
            "cycles: \(cycles) completed (\(tenuresBegun) tenures begun, \(acquireEvents) acquires in the event log)",
            "kills: \(kills) (holders \(holderKills), maintenance \(maintenanceKills), resetters \(resetterKills))",
            "injected faults: \(injectedFaults) (\(kills) kills, \(abandons) holders that exited holding a slot)",
        ]
        let runs = maintenanceRuns.sorted { $0.key < $1.key }.map { command, statuses in
            let total = statuses.values.reduce(0, +)
            let failed = statuses.filter { $0.key != 0 }.sorted { $0.key < $1.key }.map {
                "exit \($0.key): \($0.value)"
            }
            return "\(command) \(total)" + (failed.isEmpty ? "" : " (\(failed.joined(separator: ", ")))")
        }
        lines.append("maintenance runs: \(runs.isEmpty ? "none" : runs.joined(separator: ", "))")
        for failure in maintenanceFailures.prefix(5) {
            lines.append("  non-zero: \(failure)")
        }
        if !holderErrors.isEmpty {
            lines.append("holder errors: \(holderErrors.count)")
            for error in holderErrors.prefix(5) { lines.append("  \(error)") }
        }
        let slots = finalSlots.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("slots at the end: \(slots.isEmpty ? "none" : slots.joined(separator: ", "))")
        lines.append("violations: \(violations.count)")
        for violation in violations.prefix(50) { lines.append("  VIOLATION \(violation)") }
        if violations.count > 50 { lines.append("  ... and \(violations.count - 50) more") }
        lines.append(
            "RESULT cycles=\(cycles) kills=\(kills) holder-kills=\(holderKills) maintenance-kills=\(maintenanceKills) "
                + "resetter-kills=\(resetterKills) "
                + "faults=\(injectedFaults) violations=\(violations.count)"
        )
        return lines.joined(separator: "\n")
    }
}
