import Foundation
import PoolTesting
import SheshaSQLite
import Testing

@Suite("Trying without waiting, and deferred checkpoints")
struct ContentionTests {
    @Test("withoutBusyWaiting fails at once while another connection writes, then the policy waits again")
    func withoutBusyWaitingFailsFastThenRestores() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            // The holder commits by itself after 20 s; the waiter's policy would wait far longer. So a write
            // that waited would succeed, and one that did not wait fails with SQLITE_BUSY: no clock is read.
            let holder = try WriteLockHolder(path: file.path(), maximumHold: .seconds(20))
            try await onOwnThread {
                let waiter = try Connection(path: file.path(), create: false, busyPolicy: .backoff(timeout: .seconds(600)))
                defer { try? waiter.close() }

                let error = try #require(throws: SQLiteError.self) {
                    try waiter.withoutBusyWaiting {
                        try waiter.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('early')") }
                    }
                }
                #expect(ResultCode.SQLITE_BUSY ~= error.code)
                #expect(!waiter.isInTransaction)

                // Outside the block the backoff policy is back: this write waits for the holder's commit.
                try waiter.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('later')") }
                try holder.waitUntilFinished()
                let notes = try waiter.query("SELECT note FROM lock_holder ORDER BY id") { try $0.string(0) }
                #expect(notes == ["holder", "later"])
            }
        }
    }

    @Test("with deferred checkpoints, commits grow the log; a checkpoint is due once per threshold of frames")
    func deferredCheckpointsAreDueByThreshold() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let connection = try Connection(path: file.path(), create: false)
            defer { try? connection.close() }
            connection.deferCheckpoints(thresholdFrames: 20)

            var dueAfter: [Int] = []
            for commit in 1...60 {
                try connection.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES (?)", ["\(commit)"]) }
                if connection.takeDueCheckpoint() {
                    dueAfter.append(commit)
                }
            }
            // Each commit appends at least one frame, so 60 commits cross the threshold of 20 at least twice,
            // and at most three times: never after every commit once the log is past the threshold.
            #expect((2...3).contains(dueAfter.count), "due after commits \(dueAfter)")
            #expect(!connection.takeDueCheckpoint(), "reading the flag clears it")

            // Nothing was copied back yet: the log holds every frame.
            let passive = try connection.checkpoint(.passive)
            #expect(passive.completed)
            #expect(passive.logFrames >= 60)
            #expect(passive.checkpointedFrames == passive.logFrames)
        }
    }

    @Test("a restart checkpoint lets the next writer start the log again from its beginning")
    func restartCheckpointResetsTheLog() async throws {
        try await withTemporaryFolder { folder in
            let file = try makeLockableDatabase(in: folder)
            let connection = try Connection(path: file.path(), create: false)
            defer { try? connection.close() }
            connection.deferCheckpoints()
            for commit in 1...50 {
                try connection.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES (?)", ["\(commit)"]) }
            }
            let before = try connection.checkpoint(.restart)
            #expect(before.completed && before.logFrames >= 50)

            try connection.write { tx in try tx.execute("INSERT INTO lock_holder (note) VALUES ('after')") }
            let after = try connection.checkpoint(.passive)
            #expect(after.logFrames < 10, "the log went on from frame \(before.logFrames) to \(after.logFrames)")
            #expect(try connection.scalarInt("SELECT count(*) FROM lock_holder") == 51)
        }
    }
}
