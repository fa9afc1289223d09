import Foundation

/// Everything a bench run produced: printed as one table, written whole with --json.
struct BenchReport: Codable {
    struct Machine: Codable {
        var cpus: Int
        var sqliteVersion: String
        var swiftVersion: String?
        var kernel: String
        /// 1-minute load averages when the bench began and ended.
        var loadAverageBefore: Double?
        var loadAverageAfter: Double?
    }

    var mode: String
    var command: String
    var machine: Machine
    var elapsedSeconds: Double
    var ledger: LedgerBench.Section?
    var scale: ScaleBench.Section?
    var worktrees: WorktreeBench.Section?
    var startup: StartupBench.Section?
    var sandbox: SandboxBench.Section?
    var rlm: RLMBench.Section?
    var wait: WaitBench.Section?
    var copyIn: CopyInBench.Section?
    var targets: [TargetCheck] = []

    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(filePath: path))
    }

    var text: String {
        var parts = [heading]
        if let ledger { parts.append(Self.wrap(ledger.heading) + "\n\n" + ledger.table) }
        if let scale { parts.append(Self.wrap(scale.heading) + "\n\n" + scale.table) }
        if let worktrees { parts.append(Self.wrap(worktrees.heading) + "\n\n" + worktrees.table) }
        if let startup { parts.append(Self.wrap(startup.heading) + "\n\n" + startup.table) }
        if let sandbox { parts.append(Self.wrap(sandbox.heading) + "\n\n" + sandbox.table) }
        if let rlm { parts.append(Self.wrap(rlm.heading) + "\n\n" + rlm.table) }
        if let wait { parts.append(Self.wrap(wait.heading) + "\n\n" + wait.table) }
        if let copyIn { parts.append(Self.wrap(copyIn.heading) + "\n\n" + copyIn.table) }
        if !targets.isEmpty {
            parts.append("TARGETS (issues 4 and 13)\n\n" + TargetCheck.table(targets, report: self))
        }
        return parts.joined(separator: "\n\n")
    }

    private var heading: String {
        let load = [machine.loadAverageBefore, machine.loadAverageAfter]
            .map { $0.map { String(format: "%.2f", $0) } ?? "unknown" }
        return Self.wrap(
            """
            shesha-pool benchmark (\(mode)): \(machine.cpus) CPUs, Linux \(machine.kernel), SQLite \
            \(machine.sqliteVersion), \(machine.swiftVersion ?? "Swift version not given"); load average \
            \(load[0]) before, \(load[1]) after; \(Format.digits(elapsedSeconds / 60)) minutes
            Figures are medians over repetitions with (min..max); ratios pair the two sides of each repetition.
            """
        )
    }

    /// Breaks long lines at spaces, to `width` characters.
    static func wrap(_ text: String, width: Int = 110) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var lines: [String] = []
            var current = ""
            for word in line.split(separator: " ") {
                if !current.isEmpty, current.count + 1 + word.count > width {
                    lines.append(current)
                    current = "  " + word
                } else {
                    current += current.isEmpty ? String(word) : " " + word
                }
            }
            lines.append(current)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
