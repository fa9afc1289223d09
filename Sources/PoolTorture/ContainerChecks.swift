import Foundation
import Sandbox

/// The checker's inventory for a container pool, in place of the worktree pool's disk / git / database
/// comparison. After the final cleanup and `doctor --fix`, with no holder alive:
///
/// - the slot folders on disk and the database's slots are the same set;
/// - every slot in the database has exactly one running sandbox (one session of processes naming it),
///   and it is the one its `sandbox.json` records;
/// - no process runs in a folder of the pool that is not a slot in the database (a leaked sandbox);
/// - every idle slot's runner answers a ping, and so does every dirty one's (slots the final cleanup took
///   back from killed holders: their reset is still to come, and needs a runner that answers).
///
/// That no tenure found an earlier tenure's name or file (UNCLEAN) is checked with the logs.
struct ContainerChecks {
    let work: WorkFolder

    func check(_ ledger: LedgerSnapshot) -> [String] {
        var violations: [String] = []
        let inDatabase = Set(ledger.slots.keys)
        let onDisk = Set(((try? FileManager.default.contentsOfDirectory(atPath: work.slots)) ?? []).map {
            work.slots + "/" + $0
        })
        for path in onDisk.subtracting(inDatabase).sorted() {
            violations.append("\(path) is on disk but not in the database")
        }
        for path in inDatabase.subtracting(onDisk).sorted() {
            violations.append("\(path) is in the database but not on disk")
        }
        let running = SandboxProcessTable(slotFolder: work.slots).bySlot
        for path in inDatabase.sorted() {
            let sessions = Set((running[path] ?? []).map(\.session))
            guard sessions.count == 1, let session = sessions.first else {
                violations.append(
                    "slot \(path) has \(sessions.count) running sandboxes, not one"
                        + (sessions.isEmpty ? "" : " (sessions \(sessions.sorted()))")
                )
                continue
            }
            let recorded = recordedSandbox(of: path)
            if recorded?.pid != session {
                violations.append(
                    "slot \(path) runs the sandbox led by pid \(session), but its sandbox.json records "
                        + (recorded.map { "pid \($0.pid)" } ?? "none")
                )
            }
        }
        for (path, processes) in running.sorted(by: { $0.key < $1.key }) where !inDatabase.contains(path) {
            violations.append(
                "leaked sandbox in \(path), which is no slot in the database: "
                    + processes.map { "\($0.pid) (\($0.command))" }.joined(separator: ", ")
            )
        }
        for (path, state) in ledger.slots.sorted(by: { $0.key < $1.key }) where state == "idle" || state == "dirty" {
            if let failure = RunnerPing.failure(socket: SlotLayout(slot: path).socket) {
                violations.append("\(state) slot \(path) does not answer a ping: \(failure)")
            }
        }
        return violations
    }

    private func recordedSandbox(of path: String) -> SandboxRecord? {
        guard let data = FileManager.default.contents(atPath: SlotLayout(slot: path).record) else { return nil }
        return try? JSONDecoder().decode(SandboxRecord.self, from: data)
    }
}
