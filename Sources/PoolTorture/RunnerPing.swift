import Foundation
import Glibc

/// Sends a slot's runner one ping over its socket and waits for the pong: the checker's own probe,
/// synchronous and independent of the Sandbox module's executor.
enum RunnerPing {
    /// Nil when the runner answered "pong" within `timeoutSeconds`, else what went wrong.
    static func failure(socket path: String, timeoutSeconds: Int = 5) -> String? {
        let url = URL(filePath: path)
        let folderPath = url.deletingLastPathComponent().path(percentEncoded: false)
        let folder = open(folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return "cannot open \(folderPath): \(String(cString: strerror(errno)))" }
        defer { close(folder) }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return "cannot make a socket: \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(descriptor, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        // Through the open folder, so the socket's path may be longer than sun_path's 108 bytes.
        let name = Array("/proc/self/fd/\(folder)/\(url.lastPathComponent)".utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { return "the socket path is too long" }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            raw[name.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return "cannot connect to \(path): \(String(cString: strerror(errno)))" }
        let request = Array("{\"type\": \"ping\"}\n".utf8)
        guard write(descriptor, request, request.count) == request.count else {
            return "cannot send the ping: \(String(cString: strerror(errno)))"
        }
        let newline = UInt8(ascii: "\n")
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // A pong is a few bytes; stop reading a runner that never ends its line.
        while !reply.contains(newline) && reply.count < 1 << 16 {
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else {
                return count == 0
                    ? "the runner closed the connection without answering"
                    : "no answer within \(timeoutSeconds) s: \(String(cString: strerror(errno)))"
            }
            reply += chunk[..<count]
        }
        let line = Data(reply.prefix { $0 != newline })
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            object["type"] as? String == "pong"
        else { return "it answered \(String(decoding: line, as: UTF8.self)) instead of a pong" }
        return nil
    }
}
