public import FoundationEssentials
import Glibc

/// A failed system call: which call, on which path (when there is one), and the C `errno` it set.
/// Every failed system call in shesha-pool is reported through this type, so each message names the call
/// and the path, and `strerror` is read in one place (compare swift-system's `Errno`).
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The call as C spells it: `open`, `mkdir`, `posix_spawn`.
    public var call: String
    public var path: String?
    /// The C `errno` value, such as `EACCES`.
    public var code: Int32

    public init(call: String, path: String? = nil, code: Int32) {
        self.call = call
        self.path = path
        self.code = code
    }

    /// The failure the last system call reported through `errno`; read it right after that call.
    public static func last(_ call: String, path: String? = nil) -> SystemError {
        SystemError(call: call, path: path, code: errno)
    }

    /// The C library's wording of `code`, such as "Permission denied".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        "\(call)\(path.map { " \($0)" } ?? "") failed: \(reason)"
    }

    public var errorDescription: String? { description }

    /// A permission or read-only file system problem, which the user fixes by changing permissions.
    public var isPermissionDenied: Bool { [EACCES, EPERM, EROFS].contains(code) }

    /// No room left: a full disk, a quota, or a file size limit.
    public var isOutOfSpace: Bool { [ENOSPC, EDQUOT, EFBIG].contains(code) }
}

/// Runs `call`, a system call that returns -1 and sets `errno` when it fails, again while it is interrupted
/// by a signal (EINTR); returns its result or throws `SystemError` (swift-system's `valueOrErrno` and
/// `_retryWhileInterrupted` in one).
public func retryingInterruptions<Result: FixedWidthInteger>(
    _ name: String,
    path: String? = nil,
    _ call: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemError(call: name, path: path, code: code) }
    }
}
