import Glibc
import SheshaSystem

/// Who a process is, in a way that survives pid reuse: (host, boot id, pid, start time).
///
/// The start time is field 22 of `/proc/PID/stat` (clock ticks since boot); a recycled pid has a later
/// one, so it never passes for the original owner. The boot id changes on every reboot.
public struct ProcessIdentity: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var bootID: String
    public var pid: Int32
    public var startTime: Int64

    public init(host: String, bootID: String, pid: Int32, startTime: Int64) {
        self.host = host
        self.bootID = bootID
        self.pid = pid
        self.startTime = startTime
    }

    public var description: String { "pid \(pid) on \(host)" }

    /// This process.
    public static let current: ProcessIdentity = {
        // Reading our own /proc entry cannot fail while we run; fall back to 0 rather than crash.
        ProcessIdentity(host: hostName, bootID: bootID, pid: getpid(), startTime: startTime(of: getpid()) ?? 0)
    }()

    /// A running process on this machine, or nil if there is no process with that pid.
    public static func running(pid: Int32) -> ProcessIdentity? {
        guard pid > 0, let startTime = startTime(of: pid) else { return nil }
        return ProcessIdentity(host: hostName, bootID: bootID, pid: pid, startTime: startTime)
    }

    /// Whether this exact process is still running. A process on another host cannot be checked from
    /// here and counts as running; one from an earlier boot of this host does not.
    public var isRunning: Bool {
        guard host == Self.hostName else { return true }
        guard bootID == Self.bootID else { return false }
        return Self.startTime(of: pid) == startTime
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    static let bootID: String = {
        (try? readSmallFile("/proc/sys/kernel/random/boot_id"))?.filter { !$0.isWhitespace } ?? "unknown-boot"
    }()

    /// Field 22 of /proc/PID/stat, or nil when the process does not exist or is a zombie (it has exited
    /// and only waits for its parent to reap it).
    static func startTime(of pid: Int32) -> Int64? {
        guard let stat = try? readSmallFile("/proc/\(pid)/stat"),
            let commandEnd = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)" come the fields from 3 (state) on; the command name may hold spaces.
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }
}

/// Reads a small text file (under /proc) without Foundation.
func readSmallFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError.last("open", path: path) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 {
            if errno == EINTR { continue }
            throw SystemError.last("read", path: path)
        }
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
