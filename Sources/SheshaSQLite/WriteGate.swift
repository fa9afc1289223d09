import CLinux
import Glibc
import SheshaSystem

/// A lock shared by every process that writes one database: a robust, process-shared pthread mutex in a small
/// file beside it (`<database>-gate`), taken around each write transaction.
///
/// Why: while one process holds SQLite's write lock, the others can only poll it (the busy handler sleeps and
/// retries), and with many processes on few cores the pollers compete with the holder for the CPUs. Waiters on
/// the gate sleep in the kernel instead, and an unlock wakes one of them. SQLite's own lock still decides who
/// writes: the gate only orders writers that agree to use it, so another program, a gate file deleted and made
/// again, or a gate given up after a timeout can cost speed, never correctness.
///
/// Robust: when a process dies holding the gate, the next one to lock it takes it over (EOWNERDEAD).
public final class WriteGate: @unchecked Sendable {
    // Safe to share: the mapping is written only through pthread_mutex_* calls, which are thread- and
    // process-safe, and it stays mapped until deinit, when no caller can hold a reference.
    let mapping: UnsafeMutableRawPointer
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    public let path: String

    private static let fileSize = 4_096
    private static let mutexOffset = 64
    /// Written after the mutex is initialised, so a process that sees it knows the mutex is ready.
    private static let magic: UInt64 = 0x3130_4554_4147_5348  // "SHGATE01", little-endian

    /// Opens the gate of the database at `databasePath`, creating it (owner-only) if needed. A failure is a
    /// `SystemError` naming the call and the gate's path.
    public init(databasePath: String) throws {
        let path = databasePath + "-gate"
        self.path = path
        let fd = try retryingInterruptions("open", path: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(fd) }
        // Creation is serialised by an advisory lock on the file, so two processes never both initialise it.
        _ = try retryingInterruptions("flock", path: path) { flock(fd, LOCK_EX) }
        defer { flock(fd, LOCK_UN) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw SystemError.last("fstat", path: path) }
        if status.st_size < Self.fileSize {
            guard ftruncate(fd, off_t(Self.fileSize)) == 0 else { throw SystemError.last("ftruncate", path: path) }
        }
        guard let mapping = mmap(nil, Self.fileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
            mapping != MAP_FAILED
        else { throw SystemError.last("mmap", path: path) }
        self.mapping = mapping
        self.mutex = (mapping + Self.mutexOffset).bindMemory(to: pthread_mutex_t.self, capacity: 1)
        let header = mapping.bindMemory(to: UInt64.self, capacity: 1)
        if header.pointee != Self.magic {
            var attributes = pthread_mutexattr_t()
            pthread_mutexattr_init(&attributes)
            defer { pthread_mutexattr_destroy(&attributes) }
            pthread_mutexattr_setpshared(&attributes, Int32(PTHREAD_PROCESS_SHARED))
            pthread_mutexattr_setrobust(&attributes, Int32(PTHREAD_MUTEX_ROBUST))
            let code = pthread_mutex_init(mutex, &attributes)
            guard code == 0 else {
                munmap(mapping, Self.fileSize)
                throw SystemError(call: "pthread_mutex_init", path: path, code: code)
            }
            header.pointee = Self.magic
        }
    }

    deinit {
        munmap(mapping, Self.fileSize)
    }

    /// Takes the gate if it is free; never waits.
    public func tryLock() -> Bool {
        settle(pthread_mutex_trylock(mutex))
    }

    /// Takes the gate, waiting at most `timeout`; false if it is still taken then.
    public func lock(timeout: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanoseconds = Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
        let total = deadline.tv_nsec + nanoseconds % 1_000_000_000
        deadline.tv_sec += nanoseconds / 1_000_000_000 + total / 1_000_000_000
        deadline.tv_nsec = total % 1_000_000_000
        return settle(pthread_mutex_timedlock(mutex, &deadline))
    }

    public func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// True if the call took the gate. A previous owner that died holding it left its critical section
    /// unfinished, but the gate guards nothing of its own (SQLite rolled that transaction back), so the gate
    /// is marked consistent and taken over.
    private func settle(_ code: Int32) -> Bool {
        switch code {
        case 0:
            return true
        case EOWNERDEAD:
            pthread_mutex_consistent(mutex)
            return true
        default:
            return false
        }
    }
}
