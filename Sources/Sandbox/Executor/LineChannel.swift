import FoundationEssentials
import Glibc
import SheshaSystem

/// A connected Unix stream socket, read and written as lines, every call bounded by a `Deadline`. The
/// socket is non-blocking; waiting happens in poll(2), so no call outlives its deadline.
///
/// `@unchecked Sendable`: it has mutable state and no lock. `ContainerExecutor` hands it to its own
/// dispatch queue for each call and lets only one call run at a time, so it is never used by two
/// threads at once.
final class LineChannel: @unchecked Sendable {
    /// The longest line accepted, not counting its newline.
    static let maxLineBytes = 1 << 20
    /// The most bytes held while waiting for a newline.
    static let maxBufferedBytes = 10 << 20
    private static let readSize = 64 << 10

    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// Bytes before this index in `buffer` hold no newline.
    private var searched = 0

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    // MARK: Connecting

    /// Connects to the socket at `path`, retrying while nothing listens there yet or its backlog is full,
    /// until `deadline`. A path too long for `sun_path` is reached through its folder's descriptor.
    static func connect(to path: String, deadline: Deadline) throws(SandboxProtocolError) -> LineChannel {
        while true {
            let failure: Int32
            do {
                return try attemptConnect(to: path)
            } catch let error {
                failure = error.code
            }
            // ENOENT: the runner has not bound yet; ECONNREFUSED: it has not listened yet, or died;
            // EAGAIN: its backlog is full while it serves another connection.
            guard [ENOENT, ECONNREFUSED, EAGAIN].contains(failure), deadline.pollMilliseconds != nil else {
                throw .cannotConnect(socket: path, reason: SystemError(call: "connect", code: failure).reason)
            }
            usleep(10_000)
        }
    }

    private struct ConnectFailure: Error {
        var code: Int32
    }

    private static func attemptConnect(to path: String) throws(ConnectFailure) -> LineChannel {
        let folder = parentFolder(of: path)
        let name = lastPathComponent(of: path)
        var address = path
        var folderDescriptor: Int32 = -1
        defer {
            if folderDescriptor >= 0 { Glibc.close(folderDescriptor) }
        }
        if path.utf8.count >= sunPathCapacity {
            // The kernel resolves /proc/self/fd/N to the open folder, whatever its path's length; unlike a
            // chdir, this changes nothing for the rest of the process.
            folderDescriptor = open(folder.isEmpty ? "." : folder, openPathFlag | O_DIRECTORY | O_CLOEXEC)
            guard folderDescriptor >= 0 else { throw ConnectFailure(code: errno) }
            address = "/proc/self/fd/\(folderDescriptor)/\(name)"
        }
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(AF_UNIX, socketType, 0)
        guard descriptor >= 0 else { throw ConnectFailure(code: errno) }
        let channel = LineChannel(descriptor: descriptor)
        var result: Int32
        repeat {
            result = withSocketAddress(address) { pointer, length in Glibc.connect(descriptor, pointer, length) }
        } while result != 0 && errno == EINTR
        // A Unix socket connects at once or fails (EAGAIN when the backlog is full), never EINPROGRESS.
        guard result == 0 else { throw ConnectFailure(code: errno) }
        return channel
    }

    /// Bytes `sun_path` holds, its terminating NUL included.
    private static let sunPathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// O_PATH (Linux): a descriptor that only names the folder. Glibc declares it only under _GNU_SOURCE,
    /// which Swift's Glibc module does not set; the value is the same on every Linux architecture Swift
    /// supports.
    private static let openPathFlag: Int32 = 0o10_000_000

    private static func withSocketAddress<R>(
        _ path: String,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(sunPathCapacity - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    // MARK: Lines

    /// Sends `line` (which ends with its newline) whole.
    func send(_ line: [UInt8], deadline: Deadline) throws(SandboxProtocolError) {
        var sent = 0
        while sent < line.count {
            let count = line.withUnsafeBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                sent += count
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                try wait(for: Int16(POLLOUT), deadline: deadline)
            case EPIPE, ECONNRESET:
                throw .endOfStream
            case let code:
                throw .socketFailure(operation: "send", errno: code)
            }
        }
    }

    /// The next line, without its newline, checked to be UTF-8 and no longer than `maxLineBytes`.
    func receiveLine(deadline: Deadline) throws(SandboxProtocolError) -> String {
        while true {
            if let newline = buffer[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<newline]
                guard line.count <= Self.maxLineBytes else { throw .lineTooLong(limit: Self.maxLineBytes) }
                guard let text = String(validating: line, as: UTF8.self) else { throw .invalidUTF8 }
                buffer.removeSubrange(...newline)
                searched = 0
                return text
            }
            searched = buffer.count
            guard buffer.count <= Self.maxBufferedBytes else { throw .bufferOverflow(limit: Self.maxBufferedBytes) }
            try readMore(deadline: deadline)
        }
    }

    /// Appends what the socket has (waiting for it until `deadline`).
    private func readMore(deadline: Deadline) throws(SandboxProtocolError) {
        // Never read far past the limit: a runner sending without end must not make us hold more.
        let room = min(Self.readSize, Self.maxBufferedBytes + 1 - buffer.count)
        while true {
            let count = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { chunk in
                let count = recv(descriptor, chunk.baseAddress, room, 0)
                if count > 0 { buffer.append(contentsOf: chunk[..<count]) }
                return count
            }
            if count > 0 { return }
            if count == 0 { throw .endOfStream }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                try wait(for: Int16(POLLIN), deadline: deadline)
            case ECONNRESET:
                throw .endOfStream
            case let code:
                throw .socketFailure(operation: "recv", errno: code)
            }
        }
    }

    /// Waits until the socket is ready for `events` (or hung up, which the next call reports).
    private func wait(for events: Int16, deadline: Deadline) throws(SandboxProtocolError) {
        while true {
            guard let milliseconds = deadline.pollMilliseconds else { throw deadline.expired }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .socketFailure(operation: "poll", errno: errno) }
        }
    }
}
