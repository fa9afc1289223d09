import Foundation
import Glibc

/// The processes whose command line names something inside a slot of a container pool, read from /proc:
/// the checker's own view of which sandboxes run, independent of the pool's records and of the
/// isolation's search (which only knows the runner's exact arguments). A bwrap sandbox shows as bwrap
/// and its namespace init, both naming the slot's runner and box, in one session led by the first.
struct SandboxProcessTable {
    struct Process {
        var pid: Int32
        var session: Int32
        /// The command line, NULs as spaces, for reports.
        var command: String
    }

    /// Slot path (`<folder>/<entry>`) → the processes naming it.
    private(set) var bySlot: [String: [Process]] = [:]

    init(slotFolder: String) {
        let prefix = slotFolder.trimmingSuffix("/") + "/"
        let me = getpid()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me,
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                let session = Self.session(of: pid)
            else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let named = arguments.first(where: { $0.hasPrefix(prefix) && $0.count > prefix.count }) else {
                continue
            }
            let entryName = named.dropFirst(prefix.count).prefix { $0 != "/" }
            bySlot[prefix + entryName, default: []].append(
                Process(pid: pid, session: session, command: arguments.joined(separator: " "))
            )
        }
    }

    /// The session of `pid` from /proc/PID/stat (after "pid (comm)": state, ppid, pgrp, session).
    private static func session(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let commandEnd = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        return fields.count > 3 ? Int32(fields[3]) : nil
    }
}
