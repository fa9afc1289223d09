import Foundation
import Glibc
import SheshaSystem
import Synchronization

/// `run`'s command while it runs: its exit status, awaited without blocking a Swift thread, and signals,
/// which reach it only until it has ended. The command is not reaped until it is marked ended, so its pid
/// cannot be reused by another process while a signal may still be sent to it.
final class RunningCommand: Sendable {
    let pid: pid_t

    private struct State {
        var hasEnded = false
        var status: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
        /// Set when `stop` signalled a process group: what is left of it dies with the command.
        var isStoppingGroup = false
        var onExit: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    init(pid: pid_t) {
        self.pid = pid
    }

    /// Runs `action` once the command has ended.
    func onExit(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onExit.append(action) }
    }

    /// Sends `signalNumber` to the command, and to its whole process group if it leads one of its own
    /// (a command started through `setsid`, say), unless it has ended.
    func send(_ signalNumber: Int32) {
        state.withLock { state in
            guard !state.hasEnded else { return }
            kill(Self.leadsGroup(pid) ? -pid : pid, signalNumber)
        }
    }

    private static func leadsGroup(_ pid: pid_t) -> Bool { getpgid(pid) == pid }

    /// Waits for the command to end and returns its exit status (128 + signal if a signal ended it). If the
    /// waiting task is cancelled, the command is stopped: SIGTERM, then SIGKILL after `grace`.
    func exitStatus(stoppingAfterCancellationWithin grace: Duration) async -> Int32 {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let status = state.withLock { state in
                    if state.status == nil { state.waiter = continuation }
                    return state.status
                }
                if let status { continuation.resume(returning: status) }
            }
        } onCancel: {
            stop(grace: grace)
        }
    }

    /// SIGTERM now, SIGKILL after `grace` if the command is still running then. A process group the
    /// command leads gets the same, and whatever is left of it is killed as soon as the command has ended.
    func stop(grace: Duration) {
        state.withLock { state in
            guard !state.hasEnded else { return }
            state.isStoppingGroup = Self.leadsGroup(pid)
            kill(state.isStoppingGroup ? -pid : pid, SIGTERM)
        }
        let seconds = Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in send(SIGKILL) }
    }

    /// Blocks until the command has ended, then hands its status to `exitStatus`. Called once, by the
    /// thread that spawned the command.
    func waitUntilEnded() {
        // Wait without reaping, mark it ended, and only then reap: until then the pid stays ours.
        _ = ChildExit.waitForExit(of: pid)
        let actions = state.withLock { state in
            state.hasEnded = true
            // Not reaped yet, so the group's id cannot have been taken by another process.
            if state.isStoppingGroup { kill(-pid, SIGKILL) }
            return state.onExit
        }
        let code = ChildExit.reap(pid)
        actions.forEach { $0() }
        let waiter = state.withLock { state in
            state.status = code
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: code)
    }
}
