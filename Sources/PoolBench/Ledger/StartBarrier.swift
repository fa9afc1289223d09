import Foundation

/// Lines the workers of one run up: each announces it is ready (pool open, warmed up) with a file in
/// `ready/`; once all have, the parent writes `start` holding a start instant and a deadline
/// (`MonotonicTime`), a little in the future, and every worker sleeps until that instant.
struct StartBarrier {
    let folder: String

    private var readyFolder: String { folder + "/ready" }
    private var startFile: String { folder + "/start" }

    /// Parent: makes the folder, before any worker starts.
    func prepare() throws {
        try FileManager.default.createDirectory(atPath: readyFolder, withIntermediateDirectories: true)
    }

    // MARK: Worker side

    func announceReady(holder: String) throws {
        guard FileManager.default.createFile(atPath: readyFolder + "/" + holder, contents: nil) else {
            throw BenchError("cannot create the ready file for \(holder) in \(readyFolder)")
        }
    }

    /// Polls for the start file; returns (start, deadline).
    func waitForStart(timeout: Duration) throws -> (start: Int64, deadline: Int64) {
        let givingUp = MonotonicTime.nanoseconds() + timeout.nanoseconds
        while MonotonicTime.nanoseconds() < givingUp {
            if let text = try? String(contentsOfFile: startFile, encoding: .utf8) {
                let fields = text.split(separator: " ").compactMap { Int64($0) }
                guard fields.count == 2 else { throw BenchError("malformed start file \(startFile): '\(text)'") }
                return (fields[0], fields[1])
            }
            usleep(500)
        }
        throw BenchError("no start signal within \(timeout)")
    }

    // MARK: Parent side

    func readyCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: readyFolder).count) ?? 0
    }

    /// Written whole (to a temporary file, then renamed), so a worker never reads half of it.
    func release(start: Int64, deadline: Int64) throws {
        try "\(start) \(deadline)".write(toFile: startFile, atomically: true, encoding: .utf8)
    }
}
