import Foundation
import Glibc
import SheshaSQLite
import Synchronization
import Testing

// Small helpers shared by the SheshaSQLite tests. They need only SheshaSQLite and Foundation; helpers for
// other test targets live in PoolTesting.

/// The permission bits (`st_mode & 0o777`) of the file or folder at `path`.
func permissions(of path: String) throws -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    return status.st_mode & 0o777
}

/// The exact bytes of a file.
func contents(of url: URL) throws -> Data {
    try Data(contentsOf: url)
}

func fileExists(_ url: URL) -> Bool {
    FileManager.default.fileExists(atPath: url.path())
}

/// `url` with `suffix` appended to its last component, e.g. `test.db` → `test.db-wal`.
func sibling(of url: URL, suffix: String) -> URL {
    url.deletingLastPathComponent().appending(path: url.lastPathComponent + suffix)
}

/// How long `body` took on the monotonic clock, and what it returned or threw.
func measure<T>(_ body: () throws -> T) -> (elapsed: Duration, result: Result<T, any Error>) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = Result { try body() }
    return (clock.now - start, result)
}

/// The `SQLiteError` that `body` throws; records an issue and returns nil if it returns or throws another error.
func sqliteError<T>(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) -> SQLiteError? {
    do {
        _ = try body()
        Issue.record("expected a SQLiteError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as SQLiteError {
        return error
    } catch {
        Issue.record("expected a SQLiteError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Holds the write lock of a database from another thread, through its own connection, the way another
/// process would: `BEGIN IMMEDIATE`, an insert into `lock_holder(note)` (which must exist), then COMMIT when
/// `release()` is called or `maximumHold` has passed, whichever comes first.
///
/// `init` returns once the lock is held. Connections are not Sendable, so the thread opens its own.
final class WriteLockHolder: Sendable {
    private let locked = DispatchSemaphore(value: 0)
    private let releaseSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    init(path: String, note: String = "holder", maximumHold: Duration = .seconds(10)) throws {
        let milliseconds = Int(
            maximumHold.components.seconds * 1_000
                + maximumHold.components.attoseconds / 1_000_000_000_000_000
        )
        Thread.detachNewThread { [self] in
            do {
                let connection = try Connection(path: path, create: false, busyPolicy: .fail)
                try connection.execute("BEGIN IMMEDIATE")
                try connection.execute("INSERT INTO lock_holder (note) VALUES (?)", [note])
                locked.signal()
                _ = releaseSignal.wait(timeout: .now() + .milliseconds(milliseconds))
                try connection.execute("COMMIT")
                try connection.close()
            } catch {
                failure.withLock { $0 = error }
                locked.signal()
            }
            finished.signal()
        }
        locked.wait()
        if let error = failure.withLock({ $0 }) {
            throw error
        }
    }

    /// Commits now (from the holder's thread) instead of waiting for `maximumHold`.
    func release() {
        releaseSignal.signal()
    }

    /// Waits until the holder has committed and closed its connection; rethrows what failed there.
    func waitUntilFinished() throws {
        finished.wait()
        finished.signal()
        if let error = failure.withLock({ $0 }) {
            throw error
        }
    }
}

/// Runs `body` on a thread of its own and waits for it without holding one of Swift's cooperative threads:
/// a test that blocks for seconds (a busy wait on a lock) would otherwise starve the tests running beside it
/// in the same process, of which there are only as many as cores.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Opens a new database at `folder/test.db` with a `lock_holder` table, in WAL mode unless told otherwise,
/// and closes it.
func makeLockableDatabase(in folder: URL, wal: Bool = true) throws -> URL {
    let file = folder.appending(path: "test.db")
    let connection = try Connection(path: file.path())
    if wal {
        try connection.enableWAL()
    }
    try connection.execute("CREATE TABLE lock_holder (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    try connection.close()
    return file
}

/// Errors collected from worker threads.
final class FailureLog: Sendable {
    private let errors = Mutex<[String]>([])

    func append(_ error: any Error) {
        errors.withLock { $0.append("\(error)") }
    }

    var all: [String] { errors.withLock { $0 } }
}
