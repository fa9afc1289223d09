import CLinux
import Glibc
import SheshaSystem

/// How one file's bytes reached its copy.
public enum CopyMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// A reflink (FICLONE): the copy shares the source's blocks until either is written.
    case reflink
    /// `copy_file_range`: the kernel copied the bytes, without passing them through this process.
    case kernelCopy
    /// `read` and `write`, where neither of the above is supported.
    case plainCopy
    /// A symbolic link, made again with the same target.
    case symlink
}

/// Copies one file with its mode and modification time, a symlink as a symlink. Reflinks where the file
/// system has them, then `copy_file_range`, then a plain copy: each is tried only where the one before is
/// not supported, and every other failure is an error that names the path.
enum FileCloner {
    /// Thrown when `shouldStop` said so between two chunks of a copy; the partial copy is removed.
    struct Stopped: Error {}

    /// Bytes copied between two looks at `shouldStop` (a reflink is one step, however large the file).
    static let chunkSize = 1 << 24

    /// Copies `source` (whose `lstat` is `status`) to `destination`, replacing what is there. `shouldStop`
    /// is asked between chunks of the bytes; a copy it stops is removed and throws `Stopped`. Every other
    /// failure is a `SystemError`.
    static func copy(
        from source: String,
        to destination: String,
        status: stat,
        shouldStop: () -> Bool = { false }
    ) throws -> CopyMethod {
        do {
            return try copyReplacing(from: source, to: destination, status: status, shouldStop: shouldStop)
        } catch let stopped as Stopped {
            _ = unlink(destination)
            throw stopped
        }
    }

    private static func copyReplacing(
        from source: String,
        to destination: String,
        status: stat,
        shouldStop: () -> Bool
    ) throws -> CopyMethod {
        try removeIfPresent(destination)
        if status.st_mode & S_IFMT == S_IFLNK {
            try copySymlink(from: source, to: destination, status: status)
            return .symlink
        }
        let input = try retryingInterruptions("open", path: source) { open(source, O_RDONLY | O_CLOEXEC) }
        defer { close(input) }
        // Owner-only while the bytes arrive; the source's mode is set once they are all there.
        let output = try retryingInterruptions("open", path: destination) {
            open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        }
        defer { close(output) }
        let method = try copyBytes(
            from: input, source: source, size: Int(status.st_size), to: output, destination: destination,
            shouldStop: shouldStop
        )
        _ = try retryingInterruptions("fchmod", path: destination) { fchmod(output, status.st_mode & 0o7777) }
        var times = [status.st_atim, status.st_mtim]
        _ = try retryingInterruptions("futimens", path: destination) { futimens(output, &times) }
        return method
    }

    /// errno values that mean "this way of copying is not supported here", not "this copy failed".
    private static let unsupported: Set<Int32> = [EOPNOTSUPP, ENOTTY, ENOSYS, EXDEV, EINVAL, EBADF, ENOTSUP]

    private static func copyBytes(
        from input: Int32,
        source: String,
        size: Int,
        to output: Int32,
        destination: String,
        shouldStop: () -> Bool
    ) throws -> CopyMethod {
        if clinux_clone_file(output, input) == 0 {
            return .reflink
        }
        if !unsupported.contains(errno) {
            throw SystemError.last("ioctl FICLONE", path: destination)
        }
        var copied = 0
        while true {
            if copied > 0, copied < size, shouldStop() { throw Stopped() }
            let count = clinux_copy_file_range(input, output, chunkSize)
            if count > 0 {
                copied += count
                continue
            }
            if count == 0 {
                return .kernelCopy
            }
            let code = errno
            if code == EINTR { continue }
            // Only before the first byte: after that, the file offsets have moved.
            guard copied == 0, unsupported.contains(code) else {
                throw SystemError(call: "copy_file_range", path: destination, code: code)
            }
            break
        }
        try plainCopy(from: input, source: source, to: output, destination: destination, shouldStop: shouldStop)
        return .plainCopy
    }

    private static func plainCopy(
        from input: Int32,
        source: String,
        to output: Int32,
        destination: String,
        shouldStop: () -> Bool
    ) throws {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var sinceLook = 0
        while true {
            if sinceLook >= chunkSize {
                if shouldStop() { throw Stopped() }
                sinceLook = 0
            }
            let count = try retryingInterruptions("read", path: source) { read(input, buffer, size) }
            if count == 0 { return }
            var written = 0
            while written < count {
                written += try retryingInterruptions("write", path: destination) {
                    write(output, buffer + written, count - written)
                }
            }
            sinceLook += count
        }
    }

    private static func copySymlink(from source: String, to destination: String, status: stat) throws(SystemError) {
        var target = [CChar](repeating: 0, count: Int(status.st_size) + 2)
        let length = try retryingInterruptions("readlink", path: source) {
            readlink(source, &target, target.count - 1)
        }
        target[length] = 0
        _ = try retryingInterruptions("symlink", path: destination) { symlink(target, destination) }
        var times = [status.st_atim, status.st_mtim]
        _ = try retryingInterruptions("utimensat", path: destination) {
            utimensat(AT_FDCWD, destination, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    private static func removeIfPresent(_ path: String) throws(SystemError) {
        if unlink(path) != 0, errno != ENOENT {
            throw SystemError.last("unlink", path: path)
        }
    }
}
