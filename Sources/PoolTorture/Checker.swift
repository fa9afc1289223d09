import Foundation
import Glibc
import PoolCore
import Sandbox
import Worktrees

/// The independent checker, run after every child has stopped. It first lets `shesha-pool cleanup` and
/// `doctor --fix` reclaim what dead holders left, then checks, from the logs, the disk and git wherever
/// possible and from read-only SQL otherwise:
///
/// - no two tenures of one slot overlap, and no holder ever found its slot taken or unclean;
/// - fencing tokens are unique and, per slot, strictly increase in tenure order;
/// - the slot folders on disk, `git worktree list` and the database name the same slots (for a container
///   pool, `ContainerChecks` instead: disk, database and running sandboxes agree, and runners answer);
/// - `PRAGMA integrity_check` is ok, no foreign key dangles, no lease or half-done slot remains;
/// - every tenure that ended without a release (killed, abandoned) was reclaimed;
/// - the event log accounts for every acquire: each tenure's token was acquired there, and each acquire
///   ended exactly once, by release or reclaim.
struct Checker {
    let work: WorkFolder
    let sheshaPool: String

    func check() throws -> TortureReport {
        var report = TortureReport()
        var violations: [String] = []
        try BackgroundResets.waitForEnd(database: work.database)
        violations += repair()
        let logs = RunLogs(work: work, into: &report)
        violations += logs.violations
        violations += checkTenures(logs.tenures)
        let ledger = try LedgerSnapshot(path: work.database, pool: WorkFolder.poolName)
        report.acquireEvents = ledger.events.filter { $0.kind == "acquire" }.count
        report.finalSlots = ledger.slots.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        violations += checkDatabase(ledger)
        violations += checkEvents(ledger, tenures: logs.tenures, holderNames: logs.holderNames)
        violations += ledger.kind == ContainerPool.kind
            ? ContainerChecks(work: work).check(ledger) : try checkInventory(ledger)
        report.violations = violations
        return report
    }

    /// What any process would do after the crashes: reclaim and repair. Afterwards `doctor` must find
    /// nothing left.
    private func repair() -> [String] {
        var violations: [String] = []
        for command in [["cleanup"], ["doctor", "--fix"], ["doctor"]] {
            do {
                let result = try runToEnd(
                    sheshaPool,
                    command + ["--db", work.database, "--pool", WorkFolder.poolName],
                    label: "check",
                    outputFolder: work.logs
                )
                if result.status != 0 {
                    let output = (result.stdout + result.stderr).split(separator: "\n").joined(separator: " | ")
                    violations.append(
                        "final `shesha-pool \(command.joined(separator: " "))` exited \(result.status): \(output)"
                    )
                }
            } catch {
                violations.append("final `shesha-pool \(command.joined(separator: " "))` could not run: \(error)")
            }
        }
        return violations
    }

    private func checkTenures(_ tenures: [Tenure]) -> [String] {
        var violations: [String] = []
        var holderOfToken: [Int64: Int] = [:]
        for tenure in tenures {
            if let other = holderOfToken.updateValue(tenure.holder, forKey: tenure.token) {
                violations.append(
                    "token \(tenure.token) was used by two tenures (holders \(other) and \(tenure.holder))"
                )
            }
        }
        for (path, ofSlot) in Dictionary(grouping: tenures, by: \.path) {
            let ordered = ofSlot.sorted { $0.begin < $1.begin }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                if later.begin < earlier.end {
                    violations.append(
                        "tenures overlap in \(path): holder \(earlier.holder) (token \(earlier.token), ended "
                            + "\(earlier.ending)) until \(earlier.end), holder \(later.holder) (token \(later.token)) "
                            + "from \(later.begin)"
                    )
                }
                if later.token <= earlier.token {
                    violations.append(
                        "tokens do not increase in \(path): \(earlier.token) then \(later.token) (holders "
                            + "\(earlier.holder), \(later.holder))"
                    )
                }
            }
        }
        return violations
    }

    private func checkDatabase(_ ledger: LedgerSnapshot) -> [String] {
        var violations: [String] = []
        if ledger.integrity != ["ok"] {
            violations.append("PRAGMA integrity_check: \(ledger.integrity.joined(separator: "; "))")
        }
        if ledger.foreignKeyProblems > 0 {
            violations.append("PRAGMA foreign_key_check: \(ledger.foreignKeyProblems) dangling references")
        }
        if !ledger.leaseTokens.isEmpty {
            violations.append("leases remain after every holder died and cleanup ran: tokens \(ledger.leaseTokens)")
        }
        for (path, state) in ledger.slots.sorted(by: { $0.key < $1.key }) where state != "idle" && state != "dirty" {
            violations.append("slot \(path) is \(state) after every process stopped and doctor --fix ran")
        }
        return violations
    }

    private func checkEvents(_ ledger: LedgerSnapshot, tenures: [Tenure], holderNames: [Int: String]) -> [String] {
        var violations: [String] = []
        var acquires: [Int64: LedgerSnapshot.Event] = [:]
        var endings: [Int64: [String]] = [:]
        for event in ledger.events {
            guard let token = event.token else { continue }
            if token > ledger.tokenCounter {
                violations.append(
                    "event \(event.kind) carries token \(token), beyond the counter \(ledger.tokenCounter)"
                )
            }
            switch event.kind {
            case "acquire":
                if acquires.updateValue(event, forKey: token) != nil {
                    violations.append("token \(token) was granted by two acquire events")
                }
            case "release", "reclaim":
                endings[token, default: []].append(event.kind)
            default:
                break
            }
        }
        for (token, acquire) in acquires.sorted(by: { $0.key < $1.key }) {
            let ends = endings[token] ?? []
            if ends.count != 1 && !ledger.leaseTokens.contains(token) {
                violations.append(
                    "lease \(token) (\(acquire.holder ?? "?") on \(acquire.slotName ?? "?")) ended "
                        + "\(ends.count) times in the event log: \(ends)"
                )
            }
        }
        for (token, _) in endings where acquires[token] == nil {
            violations.append("lease \(token) ended in the event log but was never acquired there")
        }
        for tenure in tenures {
            let slotName = URL(filePath: tenure.path).lastPathComponent
            guard let acquire = acquires[tenure.token] else {
                violations.append(
                    "holder \(tenure.holder)'s tenure of \(tenure.path) (token \(tenure.token)) has no acquire event"
                )
                continue
            }
            if acquire.slotName != slotName || acquire.holder != holderNames[tenure.holder] {
                violations.append(
                    "token \(tenure.token): holder \(tenure.holder) was in \(slotName), but the event log gave it to "
                        + "\(acquire.holder ?? "?") on \(acquire.slotName ?? "?")"
                )
            }
            if tenure.needsReclaim && !(endings[tenure.token] ?? []).contains("reclaim") {
                violations.append(
                    "holder \(tenure.holder) was \(tenure.ending) holding \(slotName) (token \(tenure.token)), but the "
                        + "lease was not reclaimed: \(endings[tenure.token] ?? [])"
                )
            }
        }
        return violations
    }

    /// The slot folders on disk, git's worktrees and the database's slots must be the same set.
    private func checkInventory(_ ledger: LedgerSnapshot) throws -> [String] {
        let onDisk = Set(
            ((try? FileManager.default.contentsOfDirectory(atPath: work.slots)) ?? []).map {
                canonical(work.slots + "/" + $0)
            }
        )
        guard let git = CommandRunner.find("git") else { throw TortureError.setup("git is not on PATH") }
        let listing = try runToEnd(
            git,
            ["-C", work.repository, "worktree", "list", "--porcelain"],
            label: "check",
            outputFolder: work.logs
        )
        let repository = canonical(work.repository)
        let inGit = Set(
            listing.stdout.split(separator: "\n").filter { $0.hasPrefix("worktree ") }
                .map { canonical(String($0.dropFirst("worktree ".count))) }
                .filter { $0 != repository }
        )
        let inDatabase = Set(ledger.slots.keys.map(canonical))
        var violations: [String] = []
        for (name, mine, other, otherName) in [
            ("disk", onDisk, inDatabase, "the database"), ("git", inGit, inDatabase, "the database"),
            ("the database", inDatabase, onDisk, "disk"), ("the database", inDatabase, inGit, "git"),
        ] {
            for path in mine.subtracting(other).sorted() {
                violations.append("\(path) is in \(name) but not in \(otherName)")
            }
        }
        return violations
    }

    /// A path with its folder's symbolic links resolved, so the three sources compare equal.
    private func canonical(_ path: String) -> String {
        let url = URL(filePath: path)
        let folder = url.deletingLastPathComponent().path(percentEncoded: false)
        guard let resolved = realpath(folder, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved).trimmingSuffix("/") + "/" + url.lastPathComponent
    }
}
