import FoundationEssentials
import Glibc
import PoolCore

/// A backend whose sandbox is a process tree on this host, led by the process `DetachedProcess` started
/// (bwrap, process): stopped, checked and found through /proc.
public protocol HostProcessIsolation: SandboxIsolation {}

extension HostProcessIsolation {
    public func stop(_ record: SandboxRecord) async throws {
        try await SandboxProcesses.stop(record)
    }

    public func isRunning(_ record: SandboxRecord) async -> Bool {
        SandboxProcesses.isRunning(record)
    }

    public func runningSandboxes(in slotFolder: String) async throws -> [String: SandboxRecord] {
        SandboxProcesses.find(under: slotFolder, backend: name)
    }
}

/// Finding and stopping sandbox processes through /proc.
enum SandboxProcesses {
    /// Kills the recorded process's group and the sandbox's init, each only if it is still the process
    /// that was recorded (same start time), so a recycled pid is never hit. Waits until they are gone.
    static func stop(_ record: SandboxRecord) async throws {
        var targets: [Int32] = []
        if let identity = ProcessIdentity.running(pid: record.pid), identity.startTime == record.startTime {
            // The recorded process leads its own session and group (DetachedProcess), so this reaches every
            // process in it that did not leave the group.
            kill(-record.pid, SIGKILL)
            targets.append(record.pid)
        }
        if let inner = record.innerPid, let identity = ProcessIdentity.running(pid: inner),
            identity.startTime == record.innerStartTime
        {
            // The pid namespace's init: when it dies, the kernel kills everything left in the namespace,
            // including processes that made sessions of their own.
            kill(inner, SIGKILL)
            targets.append(inner)
        }
        for _ in 0..<500 {
            if targets.allSatisfy({ ProcessIdentity.running(pid: $0) == nil }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SandboxStartFailed(message: "the sandbox (pid \(record.pid)) did not stop within 5 s of SIGKILL")
    }

    /// Whether the recorded process is still the one recorded.
    static func isRunning(_ record: SandboxRecord) -> Bool {
        guard let identity = ProcessIdentity.running(pid: record.pid) else { return false }
        return identity.startTime == record.startTime
    }

    /// The sandboxes running for slots of `slotFolder`, by slot path: session leaders whose command line
    /// names a slot's runner (`<slot>/repl_runner.py`, the runner's own path for the process backend and
    /// bwrap's read-only bind source).
    static func find(under slotFolder: String, backend: String) -> [String: SandboxRecord] {
        let folder = slotFolder.hasSuffix("/") ? String(slotFolder.dropLast()) : slotFolder
        var found: [String: SandboxRecord] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                let runner = data.split(separator: 0).lazy.map({ String(decoding: $0, as: UTF8.self) })
                    .first(where: { isRunner($0, in: folder) }),
                isSessionLeader(pid),
                let identity = ProcessIdentity.running(pid: pid)
            else { continue }
            let inner = children(of: pid).first
            found[String(runner.dropLast(SlotLayout.runnerFileName.count + 1))] = SandboxRecord(
                backend: backend, pid: pid, startTime: identity.startTime, innerPid: inner,
                innerStartTime: inner.flatMap { ProcessIdentity.running(pid: $0)?.startTime }
            )
        }
        return found
    }

    /// Whether `argument` is `<folder>/<slot>/repl_runner.py`.
    private static func isRunner(_ argument: String, in folder: String) -> Bool {
        guard argument.hasPrefix(folder + "/"), argument.hasSuffix("/" + SlotLayout.runnerFileName) else { return false }
        let middle = argument.dropFirst(folder.count + 1).dropLast(SlotLayout.runnerFileName.count + 1)
        return !middle.isEmpty && !middle.contains("/")
    }

    /// Whether `pid` leads its session (the process DetachedProcess started, not one of its children).
    private static func isSessionLeader(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let commandEnd = stat.lastIndex(of: ")")
        else { return false }
        // After "pid (comm)": state, ppid, pgrp, session.
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        return fields.count > 3 && Int32(fields[3]) == pid
    }

    /// The pids whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0) }
    }
}
