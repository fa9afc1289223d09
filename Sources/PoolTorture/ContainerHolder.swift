import Foundation
import Glibc
import PoolCore
import Sandbox

/// A holder of a container pool's sandboxes: acquire one, claim it with the O_CREAT|O_EXCL marker in its
/// box (which the reset empties), check that neither its namespace nor its box holds anything an earlier
/// tenure left, set a name and write a file of its own, hold for a random time, check both read back,
/// release; forever, until killed. Logs to the same `TenureLog` lines as `Holder`, so the checker treats
/// both alike; leftovers and values that do not read back are logged UNCLEAN.
struct ContainerHolder {
    /// The name every tenure sets in the sandbox's namespace; a reset must remove it.
    static let mark = "torture_mark"
    static let executeTimeout: Duration = .seconds(10)

    /// Prints, on one line, the names an earlier tenure may have left in the namespace and the box's
    /// entries other than the runner's socket and the marker. One expression, so it leaves no name itself.
    static let leftoversCode = """
        print(' '.join(['namespace:' + name for name in globals() if name.startswith('torture')] \
        + ['box:' + name for name in sorted(__import__('os').listdir('\(SlotLayout.boxInside)')) \
        if name not in ('\(SlotLayout.socketFileName)', '\(Holder.marker)')]))
        """

    let options: HolderOptions

    func run() async throws -> Never {
        let (log, seeded) = try options.startHolder()
        var random = seeded
        let containers = try await ContainerPool(ledger: try SQLiteLedger(path: options.database), name: options.pool)
        while true {
            let sandbox: ContainerPool.LeasedSandbox
            do {
                sandbox = try await containers.acquire(holder: options.name, wait: .seconds(120))
            } catch {
                log.append(["ERROR", MonotonicClock.stamp(), "acquire:", oneLine("\(error)")])
                MonotonicClock.sleep(milliseconds: 50)
                continue
            }
            let path = sandbox.lease.path
            let token = "\(sandbox.lease.token)"
            let marker = SlotLayout(slot: path).box + "/" + Holder.marker
            let descriptor = open(marker, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                log.append(["CLASH", path, token, MonotonicClock.stamp(), "\(errno)"])
                exit(3)
            }
            close(descriptor)
            log.append(["BEGIN", path, token, MonotonicClock.stamp()])
            if let leftovers = await execute(Self.leftoversCode, in: sandbox, log: log), !leftovers.isEmpty {
                log.append(["UNCLEAN", path, token, MonotonicClock.stamp(), leftovers])
            }
            let file = "\(SlotLayout.boxInside)/torture-\(token)"
            let leave = "\(Self.mark) = '\(token)'\nopen('\(file)', 'w').write('\(token)')"
            _ = await execute(leave, in: sandbox, log: log)
            MonotonicClock.sleep(milliseconds: Int.random(in: 0...options.maxHoldMilliseconds, using: &random))
            if let readBack = await execute("print(\(Self.mark), open('\(file)').read())", in: sandbox, log: log),
                readBack != "\(token) \(token)"
            {
                log.append(["UNCLEAN", path, token, MonotonicClock.stamp(), "\(Self.mark) and \(file) read back as '\(readBack)'"])
            }
            if random.chance(Holder.abandonChance) {
                log.append(["ABANDON", path, token, MonotonicClock.stamp()])
                _exit(0)
            }
            log.append(["END", path, token, MonotonicClock.stamp()])
            if unlink(marker) != 0 {
                log.append(["LOST", path, token, MonotonicClock.stamp(), "\(errno)"])
            }
            do {
                try await containers.release(sandbox)
            } catch PoolError.leaseLost {
                log.append(["RELEASE-LOST", path, token, MonotonicClock.stamp()])
            } catch {
                log.append(["ERROR", MonotonicClock.stamp(), "release:", oneLine("\(error)")])
            }
        }
    }

    /// Runs `code` in the sandbox; returns what it printed without the last newline, or nil (and logs an
    /// ERROR) when it raised or the runner failed.
    private func execute(_ code: String, in sandbox: ContainerPool.LeasedSandbox, log: TenureLog) async -> String? {
        let result = await sandbox.executor.execute(code: code, timeout: Self.executeTimeout)
        if let failure = result.failure {
            log.append(["ERROR", MonotonicClock.stamp(), "execute:", oneLine("\(failure)")])
            return nil
        }
        if let error = result.error {
            log.append(["ERROR", MonotonicClock.stamp(), "execute:", oneLine("\(error.type): \(error.message)")])
            return nil
        }
        return result.stdout.hasSuffix("\n") ? String(result.stdout.dropLast()) : result.stdout
    }

    /// A log line is one line.
    private func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " | ")
    }

}
