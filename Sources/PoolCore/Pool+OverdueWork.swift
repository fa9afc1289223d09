import Foundation
import Logging

/// Slow work past its deadline while its worker lives (a hung command the worker does not stop, or a
/// worker that is itself stopped): found by `doctor`, stopped by `doctor --fix` and `cleanup`.
extension Pool {
    /// How long a live worker gets, after its commands were killed, to record the failure itself.
    static let overdueWorkerGrace: Duration = .seconds(10)

    /// Overdue work as `doctor --json` reports it.
    public struct OverdueWork: Sendable, Hashable, Codable {
        /// creating, resetting or destroying.
        public var state: String
        public var workerPid: Int32
        /// When the work began, and by when it had to end (ISO 8601).
        public var since: String
        public var deadline: String
        /// The commands running for it: pid, process group, command line.
        public var processes: [WorkProcess]
    }

    func describeOverdue(_ slot: Slot) -> OverdueWork {
        OverdueWork(
            state: slot.state.rawValue,
            workerPid: slot.worker?.pid ?? 0,
            since: Self.iso8601(slot.stateChangedAt),
            deadline: slot.workDeadline.map(Self.iso8601) ?? "",
            processes: WorkProcesses.find(workingOn: slot.path)
        )
    }

    static func overdueMessage(_ work: OverdueWork, worker: ProcessIdentity?) -> String {
        let running = work.processes.first.map { "pid \($0.pid) `\($0.command)`" } ?? "no command running"
        return
            "\(work.state) by \(worker.map(String.init(describing:)) ?? "pid \(work.workerPid)") since \(work.since), "
            + "past its deadline \(work.deadline); \(running)"
    }

    /// Stops overdue work: kills the process groups working on each slot, gives a running worker a moment
    /// to record the failure (its command died), and takes the slot over as broken if it did not.
    /// Returns the slots it could not recover.
    func stopOverdueWork(_ slots: [Slot]) async -> [SlotFailure] {
        var failures: [SlotFailure] = []
        for slot in slots {
            let killed = WorkProcesses.stop(workingOn: slot.path)
            logger.warning(
                "stopped overdue \(slot.state.rawValue) of \(slot.name): killed \(killed.map(\.pid))"
            )
            // A worker that is stopped (SIGSTOP) cannot record anything: take over at once.
            if let worker = slot.worker, !WorkProcesses.isStopped(worker.pid), !killed.isEmpty {
                let deadline = ContinuousClock.now + Self.overdueWorkerGrace
                while ContinuousClock.now < deadline,
                    let current = try? await ledger.slots(pool: name).first(where: { $0.id == slot.id }),
                    current.state == slot.state, current.worker == slot.worker
                {
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let message =
                "\(slot.state.rawValue) overran its deadline and was stopped by \(ProcessIdentity.current)"
                + (killed.first.map { " (it was running `\($0.command)`)" } ?? "")
            do {
                _ = try await ledger.takeOverOverdueWork(slot, error: message)
            } catch {
                failures.append(SlotFailure(slot: slot, message: "\(error)"))
            }
        }
        return failures
    }

    static func iso8601(_ time: Timestamp) -> String {
        Date(timeIntervalSince1970: Double(time.microsecondsSince1970) / 1_000_000).formatted(.iso8601)
    }
}
