import Foundation
import Glibc
import PoolCore
import Worktrees

/// One holder process: acquire, prove exclusive access with an O_CREAT|O_EXCL marker, hold for a random
/// time (sometimes changing the checkout), release (the reset runs in the background); forever, until killed. Each tenure goes to its own
/// append-only log (see `TenureLog`) so the checker need not trust the database.
struct Holder {
    static let marker = ".torture-marker"
    /// Files a holder leaves behind start with this; a reset must remove them before the next holder.
    static let untrackedPrefix = "untracked-"
    /// How often a holder exits mid-tenure without releasing, so its lease must be reclaimed.
    static let abandonChance = 0.02

    let options: HolderOptions

    func run() async throws -> Never {
        let (log, seeded) = try options.startHolder()
        var random = seeded
        let ledger = try SQLiteLedger(path: options.database)
        // Releases return at once and a detached `shesha-pool __reset-slot` resets, as with the CLI; the
        // killer's group kills never reach those resetters (sessions of their own).
        let pool = try await WorktreePool(
            ledger: ledger, name: options.pool,
            releaseReset: .detachedProcess(executable: options.sheshaPool, database: options.database)
        ).pool
        while true {
            let lease: Lease
            do {
                lease = try await pool.acquire(holder: options.name, wait: .seconds(120))
            } catch {
                log.append(["ERROR", MonotonicClock.stamp(), "acquire:", "\(error)"])
                MonotonicClock.sleep(milliseconds: 50)
                continue
            }
            let path = lease.path
            let token = "\(lease.token)"
            let marker = open(path + "/" + Self.marker, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            guard marker >= 0 else {
                log.append(["CLASH", path, token, MonotonicClock.stamp(), "\(errno)"])
                exit(3)
            }
            close(marker)
            log.append(["BEGIN", path, token, MonotonicClock.stamp()])
            let leftovers =
                (try? FileManager.default.contentsOfDirectory(atPath: path))?
                .filter { $0.hasPrefix(Self.untrackedPrefix) } ?? []
            if !leftovers.isEmpty {
                log.append(["UNCLEAN", path, token, MonotonicClock.stamp(), leftovers.sorted().joined(separator: ",")])
            }
            if random.chance(0.5) {
                change(checkout: path, token: token, random: &random)
            }
            MonotonicClock.sleep(milliseconds: Int.random(in: 0...options.maxHoldMilliseconds, using: &random))
            if random.chance(Self.abandonChance) {
                log.append(["ABANDON", path, token, MonotonicClock.stamp()])
                _exit(0)
            }
            log.append(["END", path, token, MonotonicClock.stamp()])
            if unlink(path + "/" + Self.marker) != 0 {
                log.append(["LOST", path, token, MonotonicClock.stamp(), "\(errno)"])
            }
            do {
                try await pool.release(lease)
            } catch PoolError.leaseLost {
                log.append(["RELEASE-LOST", path, token, MonotonicClock.stamp()])
            } catch {
                log.append(["ERROR", MonotonicClock.stamp(), "release:", "\(error)"])
            }
        }
    }

    /// Changes a tracked file, adds an untracked one and an ignored one, as a build would: work for the
    /// next reset.
    private func change(checkout path: String, token: String, random: inout SplitMix64) {
        let tracked = path + "/" + WorkFolder.trackedFile(Int.random(in: 0..<10, using: &random))
        if let handle = FileHandle(forWritingAtPath: tracked) {
            handle.seekToEndOfFile()
            handle.write(Data("changed by \(token)\n".utf8))
            try? handle.close()
        }
        try? Data(token.utf8).write(to: URL(filePath: path + "/" + Self.untrackedPrefix + token))
        try? FileManager.default.createDirectory(atPath: path + "/build", withIntermediateDirectories: true)
        try? Data(token.utf8).write(to: URL(filePath: path + "/build/cache-" + token))
    }

}
