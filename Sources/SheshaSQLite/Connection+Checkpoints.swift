internal import CSQLite

extension Connection {
    /// Stops commits from checkpointing by themselves. SQLite's automatic checkpoint runs inside the COMMIT
    /// that takes the log past 1,000 frames, fsyncs included; instead `takeDueCheckpoint()` turns true and
    /// the owner calls `checkpoint()`, on this or another connection, where a slow call does no harm.
    public func deferCheckpoints(thresholdFrames: Int32 = 1_000) {
        let request = CheckpointRequest(thresholdFrames: thresholdFrames)
        checkpointRequest = request
        // Unretained: the connection owns the request and removes the hook before it goes.
        sqlite3_wal_hook(handle.pointer, walHookCallback, Unmanaged.passUnretained(request).toOpaque())
    }

    /// True once commits have grown the log by the threshold given to `deferCheckpoints`; reading it
    /// clears it.
    public func takeDueCheckpoint() -> Bool {
        guard let request = checkpointRequest, request.isDue else { return false }
        request.isDue = false
        return true
    }

    /// Copies the write-ahead log back into the database file.
    ///
    /// `.passive` copies what it can without waiting for readers or writers; another connection already
    /// checkpointing is not an error. `.restart` also waits (through the busy handler) for the writer lock
    /// and for readers, so that the next writer starts the log again from its beginning; without that, a
    /// log that is written to while every passive checkpoint runs only grows.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode = .passive) throws -> CheckpointResult {
        var logFrames: Int32 = 0
        var checkpointedFrames: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle.pointer, nil, mode.rawValue, &logFrames, &checkpointedFrames)
        if code != SQLITE_BUSY {
            try handle.check(code, sql: "wal_checkpoint")
        }
        return CheckpointResult(
            logFrames: Int(logFrames), checkpointedFrames: Int(checkpointedFrames), completed: code == SQLITE_OK
        )
    }
}

public enum CheckpointMode: Sendable {
    case passive, restart

    var rawValue: Int32 {
        switch self {
        case .passive: SQLITE_CHECKPOINT_PASSIVE
        case .restart: SQLITE_CHECKPOINT_RESTART
        }
    }
}

public struct CheckpointResult: Sendable, Hashable {
    /// Frames in the log when the checkpoint ended.
    public var logFrames: Int
    /// Of those, frames now copied into the database file.
    public var checkpointedFrames: Int
    /// False when another connection held a lock the checkpoint needed (SQLITE_BUSY).
    public var completed: Bool
}

/// What the WAL hook records for `Connection.deferCheckpoints`: a checkpoint is due each time the log has
/// grown by `thresholdFrames` since the last one was due (or since it started again from its beginning), not
/// after every commit while it stays long.
final class CheckpointRequest {
    let thresholdFrames: Int32
    var isDue = false
    private var dueAtFrames: Int32
    private var lastFrames: Int32 = 0

    init(thresholdFrames: Int32) {
        self.thresholdFrames = thresholdFrames
        self.dueAtFrames = thresholdFrames
    }

    func committed(logFrames: Int32) {
        if logFrames < lastFrames {
            dueAtFrames = thresholdFrames
        }
        lastFrames = logFrames
        if logFrames >= dueAtFrames {
            isDue = true
            dueAtFrames = logFrames + thresholdFrames
        }
    }
}

private func walHookCallback(
    context: UnsafeMutableRawPointer?,
    db: OpaquePointer?,
    name: UnsafePointer<CChar>?,
    frames: Int32
) -> Int32 {
    guard let context else { return SQLITE_OK }
    Unmanaged<CheckpointRequest>.fromOpaque(context).takeUnretainedValue().committed(logFrames: frames)
    return SQLITE_OK
}
