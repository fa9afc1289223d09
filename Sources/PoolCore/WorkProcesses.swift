import FoundationEssentials
import Glibc
import SheshaSystem

/// The processes doing slow work on a slot, found by the `SHESHA_POOL_WORK=<slot path>` tag that
/// `CommandRunner` callers put in each command's environment (children inherit it). Reading
/// /proc/<pid>/environ costs no database write per command; it sees this user's processes on this host.
public struct WorkProcess: Sendable, Hashable, Codable {
    public var pid: Int32
    public var processGroup: Int32
    /// The command line, arguments joined by spaces.
    public var command: String
}

public enum WorkProcesses {
    /// The processes tagged as working on `slotPath`, group leaders (the commands the worker started)
    /// first, then by pid.
    public static func find(workingOn slotPath: String) -> [WorkProcess] {
        let tag = Array((CommandRunner.workVariable + "=" + slotPath).utf8)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [WorkProcess] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid() else { continue }
            // A process that ended meanwhile, or another user's, cannot be read: it is not ours to report.
            guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                environment.split(separator: 0, omittingEmptySubsequences: true).contains(where: { Array($0) == tag }),
                let group = processGroup(of: pid)
            else { continue }
            found.append(WorkProcess(pid: pid, processGroup: group, command: commandLine(of: pid)))
        }
        return found.sorted { (isFollower($0), $0.pid) < (isFollower($1), $1.pid) }
    }

    /// 0 for a group leader, 1 for the rest, to list leaders first.
    private static func isFollower(_ process: WorkProcess) -> Int {
        process.pid == process.processGroup ? 0 : 1
    }

    /// Kills the process groups of the work on `slotPath` (SIGKILL: the work is already past its bound, and
    /// its own SIGTERM, if its worker could send it, came and went). Returns what was killed.
    @discardableResult
    public static func stop(workingOn slotPath: String) -> [WorkProcess] {
        let processes = find(workingOn: slotPath)
        let ours = getpgrp()
        for group in Set(processes.map(\.processGroup)) where group > 1 && group != ours {
            kill(-group, SIGKILL)
        }
        // A tagged process that left its group (setsid) is killed on its own.
        for process in processes {
            kill(process.pid, SIGKILL)
        }
        return processes
    }

    /// The process group id: field 5 of /proc/<pid>/stat, after the command name in parentheses.
    static func processGroup(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? Int32(fields[2]) : nil
    }

    /// Whether `pid` is stopped (SIGSTOP, or a debugger): field 3 of /proc/<pid>/stat.
    public static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingWhitespace().first
        return state == "T" || state == "t"
    }

    static func commandLine(of pid: Int32) -> String {
        guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "?" }
        return raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
}
