import Foundation
import SheshaSQLite

/// What the figures depend on besides the code: CPUs, SQLite's version, the file systems, and how busy
/// the machine was (other processes competing for the CPUs distort multi-process numbers most).
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

    static var kernel: String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The file system holding `path`: its type (tmpfs, ext4, overlay...) and mount point, from the
    /// longest mount point in /proc/mounts that contains it.
    static func mount(of path: String) -> (type: String, mountPoint: String) {
        let resolved = URL(filePath: path).resolvingSymlinksInPath().path(percentEncoded: false)
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return ("unknown", "?") }
        var best: (type: String, mountPoint: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = String(fields[1])
            let contains = mountPoint == "/" || resolved == mountPoint || resolved.hasPrefix(mountPoint + "/")
            if contains, mountPoint.count >= (best?.mountPoint.count ?? 0) {
                best = (String(fields[2]), mountPoint)
            }
        }
        return best ?? ("unknown", "?")
    }

    /// "ext4 on /", "tmpfs on /dev/shm".
    static func fileSystem(of path: String) -> String {
        let mount = mount(of: path)
        return "\(mount.type) on \(mount.mountPoint)"
    }
}
