/// One of the targets of issues 4 and 13: what was measured, the limit, and whether it was met.
struct TargetCheck: Codable {
    var target: String
    var measured: String
    var limit: String
    var met: Bool
    /// The figure compared with the limit (a latency in µs or a ratio).
    var value: Double
    var limitValue: Double
    /// A figure the issue asks to report, with no limit to meet.
    var isReported: Bool? = nil

    var tableRow: [String] {
        [target, measured, limit, isReported == true ? "" : (met ? "met" : "MISSED")]
    }

    static func table(_ checks: [TargetCheck], report: BenchReport) -> String {
        var table = TextTable(["target", "measured", "limit", ""], leftAligned: [0, 1, 2, 3])
        for check in checks {
            table.add(check.tableRow)
        }
        if let files = report.worktrees?.sites.first?.files, files != 20_000 {
            table.note("* on a \(Format.count(files))-file repository; the target is set for 20,000 files")
        }
        return table.render()
    }

    /// "0.21× (124 ms vs 585 ms)": a ratio with the medians it compares.
    private static func ratio(_ ratio: Double, _ first: Spread, _ second: Spread) -> String {
        let medians = [first, second].map { Format.time(microseconds: $0.median) }
        return "\(Format.ratio(ratio)) (\(medians[0]) vs \(medians[1]))"
    }

    /// Every target whose section ran. Ratios are medians of the ratios paired within each repetition.
    static func evaluate(_ report: BenchReport) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        if let ledger = report.ledger {
            if let solo = ledger.result(processes: 1, slots: 1, strategy: .project) {
                let p50 = solo.p50Microseconds.median
                checks.append(
                    TargetCheck(
                        target: "ledger, 1 process: acquire+release p50", measured: Format.time(microseconds: p50),
                        limit: "≤ 100 µs", met: p50 <= 100, value: p50, limitValue: 100
                    )
                )
            }
            if let project = ledger.result(processes: 16, slots: 16, strategy: .project),
                let sqlite = ledger.result(processes: 16, slots: 16, strategy: .sqliteDefault)
            {
                let throughput = Spread.ratios(project.throughput.values, sqlite.throughput.values).median
                checks.append(
                    TargetCheck(
                        target: "ledger, 16 processes: throughput vs SQLite default",
                        measured: "\(Format.ratio(throughput)) (\(Format.count(project.throughput.median)) vs "
                            + "\(Format.count(sqlite.throughput.median)) cycles/s)",
                        limit: "≥ 1×", met: throughput >= 1, value: throughput, limitValue: 1
                    )
                )
                let maximum = Spread.ratios(project.maxMicroseconds.values, sqlite.maxMicroseconds.values).median
                checks.append(
                    TargetCheck(
                        target: "ledger, 16 processes: max latency vs SQLite default",
                        measured: Self.ratio(maximum, project.maxMicroseconds, sqlite.maxMicroseconds),
                        limit: "≤ 0.25×", met: maximum <= 0.25, value: maximum, limitValue: 0.25
                    )
                )
            }
        }
        if let scale = report.scale, let large = scale.cases.first(where: { $0.slots == 10_000 }) {
            let ratio = large.p50Ratio.median
            checks.append(
                TargetCheck(
                    target: "scale: p50 at 10,000 slots vs 10 slots", measured: Format.ratio(ratio),
                    limit: "≤ 1.5×", met: ratio <= 1.5, value: ratio, limitValue: 1.5
                )
            )
        }
        if let worktrees = report.worktrees {
            for site in worktrees.sites {
                let ratio = site.coldAddOverWarmAcquire.median
                let mark = site.files == 20_000 ? "" : " *"
                checks.append(
                    TargetCheck(
                        target: "\(site.site): cold git worktree add vs warm CLI acquire\(mark)",
                        measured: Self.ratio(ratio, site.coldAddMicroseconds, site.warmAcquireMicroseconds),
                        limit: "≥ 50×", met: ratio >= 50, value: ratio, limitValue: 50
                    )
                )
            }
            for site in worktrees.sites {
                let ratio = site.coldOverWarmCycle.median
                let mark = site.files == 20_000 ? "" : " *"
                checks.append(
                    TargetCheck(
                        target: "\(site.site): cold add + remove vs warm CLI acquire + release\(mark)",
                        measured: Self.ratio(
                            ratio, site.coldAddRemoveMicroseconds, site.warmAcquireReleaseMicroseconds
                        ),
                        limit: "≥ 40×", met: ratio >= 40, value: ratio, limitValue: 40
                    )
                )
            }
            let limit = worktrees.concurrencyLimit
            for site in worktrees.sites {
                let ratio = site.concurrentOverAlone.median
                checks.append(
                    TargetCheck(
                        target: "\(site.site): \(site.concurrentAcquires) CLI acquires at once vs 1 alone",
                        measured: Self.ratio(ratio, site.concurrentAcquiresMicroseconds, site.acquireAloneMicroseconds),
                        limit: "≤ \(Format.ratio(limit)) = 1.5 × \(site.concurrentAcquires)/\(worktrees.cpus) cores",
                        met: ratio <= limit, value: ratio, limitValue: limit
                    )
                )
            }
        }
        if let startup = report.startup {
            let commands = [
                ("acquire", startup.acquireOverReference, startup.acquireMicroseconds,
                 startup.referenceAcquireMicroseconds),
                ("release", startup.releaseOverReference, startup.releaseMicroseconds,
                 startup.referenceReleaseMicroseconds),
                ("status", startup.statusOverReference, startup.statusMicroseconds,
                 startup.referenceStatusMicroseconds),
            ]
            for (command, ratios, own, reference) in commands {
                let ratio = ratios.median
                checks.append(
                    TargetCheck(
                        target: "startup: shesha-pool \(command) vs the reference",
                        measured: Self.ratio(ratio, own, reference),
                        limit: "≤ 1.5×", met: ratio <= 1.5, value: ratio, limitValue: 1.5
                    )
                )
            }
        }
        if let startup = report.startup, let sandbox = report.sandbox {
            // Three processes (acquire, exec, release) against three start-ups of the reference; the sections
            // run one after the other, so this pairs medians, not repetitions.
            let reference = 3 * startup.referenceStatusMicroseconds.median
            for backend in sandbox.backends {
                guard let measured = backend.measured else { continue }
                let cycle = measured.warmCLI.p50Microseconds
                let ratio = reference == 0 ? 0 : cycle / reference
                let times = [cycle, reference].map { Format.time(microseconds: $0) }
                checks.append(
                    TargetCheck(
                        target: "sandbox \(backend.backend): warm CLI cycle vs 3 reference start-ups",
                        measured: "\(Format.ratio(ratio)) (\(times[0]) vs \(times[1]))", limit: "reported",
                        met: true, value: ratio, limitValue: 0, isReported: true
                    )
                )
            }
        }
        return checks
    }
}
