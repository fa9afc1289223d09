import Foundation
import Glibc

/// Everything the holders and the orchestrator wrote to their append-only logs, turned into tenures,
/// counts and the violations that the logs alone prove.
struct RunLogs {
    var tenures: [Tenure] = []
    /// Holder name (as given to the pool) by holder number.
    var holderNames: [Int: String] = [:]
    var violations: [String] = []

    init(work: WorkFolder, into report: inout TortureReport) {
        var killedAt: [Int: Int64] = [:]
        var stoppedAt: [Int: Int64] = [:]
        var exits: [Int: (status: Int32, at: Int64)] = [:]
        for words in TenureLog.read(work.orchestratorLog) {
            switch (words.first, words.count) {
            case ("KILL", 4), ("STOP", 4):
                guard let number = Int(words[2]), let at = Int64(words[3]) else { continue }
                if words[1] == "holder" {
                    if words[0] == "KILL" {
                        killedAt[number] = at
                        report.holderKills += 1
                    } else {
                        stoppedAt[number] = at
                    }
                } else if words[1] == "resetter" {
                    report.resetterKills += 1
                } else if words[0] == "KILL" {
                    report.maintenanceKills += 1
                }
            case ("EXIT", 5):
                guard let number = Int(words[2]), let status = Int32(words[3]), let at = Int64(words[4]) else {
                    continue
                }
                exits[number] = (status, at)
                // 0: exited after ABANDON; 3: exited after CLASH (reported below). Anything else is a crash.
                if status != 0 && status != 3 {
                    violations.append(
                        "holder \(number) died by itself with status \(status); see logs/holder-\(number).err"
                    )
                }
            case ("MAINT", let count) where count >= 5:
                let command = words[2].replacingOccurrences(of: "_", with: " ")
                guard let status = Int32(words[3]) else { continue }
                report.maintenanceRuns[command, default: [:]][status, default: 0] += 1
                if status != 0 {
                    let message = words.dropFirst(5).joined(separator: " ")
                    report.maintenanceFailures.append("\(command) exit \(status): \(message)")
                    // Swift traps end in SIGILL or SIGTRAP; the killer's SIGKILLs are logged as KILL instead.
                    if status > 128 || message.contains("Fatal error") {
                        violations.append("shesha-pool \(command) crashed (status \(status)): \(message)")
                    }
                }
            default:
                continue
            }
        }
        let logFiles = (try? FileManager.default.contentsOfDirectory(atPath: work.logs)) ?? []
        for file in logFiles.sorted() where file.hasPrefix("holder-") && file.hasSuffix(".log") {
            guard let number = Int(file.dropFirst("holder-".count).dropLast(".log".count)) else { continue }
            holderNames[number] = "holder-\(number)"
            readHolder(
                number,
                lines: TenureLog.read(work.logs + "/" + file),
                endedAt: killedAt[number].map { ($0, Tenure.Ending.killed) }
                    ?? stoppedAt[number].map { ($0, .stopped) }
                    ?? exits[number].map { ($0.at, .unexplained) },
                into: &report
            )
        }
    }

    private mutating func readHolder(
        _ number: Int,
        lines: [[String]],
        endedAt: (at: Int64, ending: Tenure.Ending)?,
        into report: inout TortureReport
    ) {
        var open: Tenure?
        for words in lines {
            guard let kind = words.first else { continue }
            if kind == "ERROR" {
                report.holderErrors.append("holder \(number): " + words.dropFirst(2).joined(separator: " "))
                continue
            }
            guard words.count >= 4, let token = Int64(words[2]), let at = Int64(words[3]) else { continue }
            let path = words[1]
            let extra = words.dropFirst(4).joined(separator: " ")
            switch kind {
            case "BEGIN":
                report.tenuresBegun += 1
                if let unfinished = open {
                    violations.append("holder \(number) began token \(token) before ending token \(unfinished.token)")
                }
                open = Tenure(holder: number, path: path, token: token, begin: at, end: at, ending: .unexplained)
            case "END", "ABANDON":
                guard var tenure = open, tenure.token == token else {
                    violations.append("holder \(number) logged \(kind) for token \(token) outside a tenure")
                    continue
                }
                tenure.end = at
                tenure.ending = kind == "END" ? .released : .abandoned
                if kind == "END" { report.cycles += 1 } else { report.abandons += 1 }
                tenures.append(tenure)
                open = nil
            case "CLASH":
                let reason =
                    extra == "\(EEXIST)"
                    ? "the marker was already there: another holder is in the slot, or a reset left a dead "
                        + "holder's marker"
                    : "errno \(extra)"
                violations.append("holder \(number) got \(path) with token \(token) but could not claim it: \(reason)")
            case "UNCLEAN":
                violations.append(
                    "holder \(number) got \(path) with token \(token) holding an earlier holder's files: \(extra)"
                )
            case "LOST":
                violations.append(
                    "holder \(number)'s marker in \(path) vanished during token \(token) (errno \(extra))"
                )
            case "RELEASE-LOST":
                violations.append("holder \(number), alive, lost its lease \(token) on \(path) before releasing it")
            default:
                violations.append("holder \(number) logged an unknown line: \(words.joined(separator: " "))")
            }
        }
        if var tenure = open {
            if let endedAt {
                tenure.end = endedAt.at
                tenure.ending = endedAt.ending
            } else {
                violations.append(
                    "holder \(number)'s tenure of token \(tenure.token) never ended, and nothing killed it"
                )
                tenure.end = .max
            }
            tenures.append(tenure)
        }
    }
}
