import Foundation
import Glibc
import PoolCore
import Sandbox

/// The end of a container run: every sandbox stopped. The pool removes its slots (and their sandboxes)
/// first; anything still running under the slot folder after that is a leak, stopped and reported.
struct ContainerTeardown {
    let work: WorkFolder

    /// Stops every sandbox of the run; returns the violations: slots the pool could not remove and
    /// sandboxes that still ran after it removed them all.
    func stopEverySandbox() async -> [String] {
        var violations: [String] = []
        var removed = 0
        do {
            let containers = try await ContainerPool(
                ledger: try SQLiteLedger(path: work.database),
                name: WorkFolder.poolName
            )
            // A run that failed half-way may have left leases of dead holders and half-made slots.
            _ = try await containers.pool.recover()
            let report = try await containers.stop()
            removed = report.removed.count
            for failure in report.failures {
                violations.append("the final stop could not remove \(failure.slot.path): \(failure.message)")
            }
        } catch {
            violations.append("the final stop of the pool's sandboxes failed: \(error)")
        }
        let isolation = BwrapIsolation()
        let leftovers = (try? await isolation.runningSandboxes(in: work.slots)) ?? [:]
        for (path, record) in leftovers.sorted(by: { $0.key < $1.key }) {
            violations.append("a sandbox of \(path) (pid \(record.pid)) still ran after the pool removed every slot")
            try? await isolation.stop(record)
        }
        // Whatever the isolation does not recognise as a sandbox but still runs in a slot (see SandboxProcessTable).
        for (path, processes) in SandboxProcessTable(slotFolder: work.slots).bySlot.sorted(by: { $0.key < $1.key }) {
            violations.append(
                "processes still ran in \(path) after the final stop: "
                    + processes.map { "\($0.pid) (\($0.command))" }.joined(separator: ", ")
            )
            for process in processes { kill(process.pid, SIGKILL) }
        }
        emit(
            "sandboxes: stopped \(removed) at the end"
                + (violations.isEmpty ? ", none left running" : "; problems: \(violations.count) (see the violations)")
        )
        return violations
    }
}
