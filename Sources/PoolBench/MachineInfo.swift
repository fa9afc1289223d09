import Foundation
import SheshaSQLite

/// What the figures depend on besides the code: CPUs, SQLite's version, and how busy the machine was
/// (other processes competing for the CPUs distort multi-process numbers most).
enum MachineInfo {
    static var cpuCount: Int {
        sysconf(Int32(_SC_NPROCESSORS_ONLN))
    }

    static var sqliteVersion: String {
        guard let connection = try? Connection(path: ":memory:", create: false) else { return "unknown" }
        defer { try? connection.close() }
        return (try? connection.query("SELECT sqlite_version()") { try $0.string(0) }.first) ?? "unknown"
    }

    /// The 1-minute load average from /proc/loadavg.
    static var loadAverage: Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}
