import Foundation
import Glibc
import PoolCore
import SheshaSQLite

/// Resetters that holders' releases started run in sessions of their own, so stopping the holders does not
/// stop them: the checker lets the ones still running finish before it judges the slots.
enum BackgroundResets {
    /// Returns once no slot is being reset by a live process, or after `limit` seconds (the slots are then
    /// reported by the checks as still resetting).
    static func waitForEnd(database: String, limitSeconds: Int = 300) throws {
        let deadline = MonotonicClock.now() + Int64(limitSeconds) * 1_000_000_000
        while MonotonicClock.now() < deadline {
            let db = try Connection(path: database, create: false)
            let workers = try db.query(
                "SELECT worker_host, worker_boot_id, worker_pid, worker_start_time FROM slot WHERE state = 'resetting'"
            ) { row in
                ProcessIdentity(
                    host: try row.string(0), bootID: try row.string(1),
                    pid: Int32(truncatingIfNeeded: row.int64(2)), startTime: row.int64(3)
                )
            }
            try db.close()
            guard workers.contains(where: \.isRunning) else { return }
            MonotonicClock.sleep(milliseconds: 20)
        }
    }

    /// Kills (SIGKILL) one running background resetter of this database (`shesha-pool __reset-slot --db
    /// DATABASE …`), whether it is still starting, claiming, or resetting. Returns its pid, or nil if none runs.
    static func killOne(database: String) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries.compactMap(Int32.init) {
            let data = (try? Data(contentsOf: URL(filePath: "/proc/\(pid)/cmdline"))) ?? Data()
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.count > 3, arguments[1] == Pool.resetCommand, arguments[2] == "--db", arguments[3] == database
            else { continue }
            if kill(pid, SIGKILL) == 0 { return pid }
        }
        return nil
    }
}
