import Foundation
import PoolCore
import SheshaSQLite
import SheshaSystem

/// A test-support process for the multi-process tests. Modes:
///
///     cycles  --db P --pool N --holder H --cycles C [--hold-us U]
///         C times: acquire, claim the slot with an O_CREAT|O_EXCL marker (proof of exclusive access that
///         does not trust the database), hold U µs, remove the marker, release. Prints `TENURE slot token`
///         per cycle; exits 3 with `DOUBLE slot token` if the marker already existed.
///     hold    --db P --pool N --holder H [--ttl-ms T]
///         acquire, print `LEASED path token`, then sleep until killed.
///     crash-creating --db P --pool N
///         expand by one slot and die by SIGKILL after the slot's folder exists, before the ledger hears.
///     hold-gate --db P --pool N
///         take the database's write gate, print `GATED`, then sleep until killed.
///     take-turn --db P --pool N --holder H [--safety-poll-ms S]
///         acquire (waiting up to 120 s, woken by changes, with a full try every S ms), print
///         `ACQUIRED token`, release, exit.
@main
struct StressWorker {
    static func main() async {
        let arguments = Arguments(CommandLine.arguments.dropFirst())
        do {
            let mode = arguments.mode
            let ledger = try SQLiteLedger(path: try arguments.value("--db"))
            let poolName = try arguments.value("--pool")
            switch mode {
            case "cycles":
                let pool = Pool(name: poolName, ledger: ledger, backend: FolderBackend())
                try await runCycles(
                    pool: pool,
                    holder: try arguments.value("--holder"),
                    cycles: try arguments.integer("--cycles"),
                    holdMicroseconds: try arguments.integer("--hold-us", default: 0)
                )
            case "hold":
                let pool = Pool(name: poolName, ledger: ledger, backend: FolderBackend())
                let ttl = try arguments.integer("--ttl-ms", default: 0)
                let lease = try await pool.acquire(
                    holder: try arguments.value("--holder"),
                    wait: .seconds(60),
                    ttl: ttl > 0 ? .milliseconds(ttl) : nil
                )
                emit("LEASED \(lease.path) \(lease.token)\n")
                while true { try await Task.sleep(for: .seconds(3600)) }
            case "crash-creating":
                let pool = Pool(name: poolName, ledger: ledger, backend: DyingBackend())
                _ = try await pool.expand(by: 1)
                emit("survived, which should not happen\n")
                exit(1)
            case "hold-gate":
                let gate = try WriteGate(databasePath: try arguments.value("--db"))
                guard gate.lock(timeout: .seconds(60)) else {
                    throw PoolError.invalidArgument("the write gate stayed taken for 60 s")
                }
                emit("GATED\n")
                while true { try await Task.sleep(for: .seconds(3600)) }
            case "take-turn":
                let safetyPoll = try arguments.integer("--safety-poll-ms", default: 1_000)
                let pool = Pool(
                    name: poolName, ledger: ledger, backend: FolderBackend(),
                    waitStrategy: .wakeUp(safetyPoll: .milliseconds(safetyPoll))
                )
                let lease = try await pool.acquire(holder: try arguments.value("--holder"), wait: .seconds(120))
                emit("ACQUIRED \(lease.token)\n")
                try await pool.release(lease)
            default:
                throw PoolError.invalidArgument(
                    "unknown mode '\(mode)'; use cycles, hold, crash-creating, hold-gate or take-turn"
                )
            }
        } catch {
            FileHandle.standardError.write(Data("pool-stress-worker: \(error)\n".utf8))
            exit(1)
        }
    }

    static func runCycles(pool: Pool, holder: String, cycles: Int, holdMicroseconds: Int) async throws {
        var output = ""
        for _ in 0..<cycles {
            let lease = try await pool.acquire(holder: holder, wait: .seconds(120))
            let marker = lease.path + "/.held-exclusively"
            let fd = open(marker, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            guard fd >= 0 else {
                emit(output + "DOUBLE \(lease.slotName) \(lease.token) errno \(errno)\n")
                exit(3)
            }
            close(fd)
            if holdMicroseconds > 0 {
                usleep(UInt32(holdMicroseconds))
            }
            guard unlink(marker) == 0 else {
                throw SystemError.last("unlink", path: marker)
            }
            try await pool.release(lease)
            output += "TENURE \(lease.slotName) \(lease.token)\n"
        }
        emit(output)
    }

    /// Writes straight to standard output, unbuffered, so a test sees it before the process is killed.
    static func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Makes the slot's folder, then dies as a crash would: after the slow work, before the ledger hears.
struct DyingBackend: ResourceBackend {
    func create(_ slot: Slot) async throws {
        try await FolderBackend().create(slot)
        kill(getpid(), SIGKILL)
    }

    func reset(_ slot: Slot) async throws {}
    func destroy(_ slot: Slot) async throws { try await FolderBackend().destroy(slot) }
    func checkHealth(_ slot: Slot) async -> [String] { [] }
}

/// `--name value` pairs after a mode word.
struct Arguments {
    let mode: String
    private var values: [String: String] = [:]

    init(_ words: ArraySlice<String>) {
        mode = words.first ?? ""
        var rest = words.dropFirst()
        while let name = rest.popFirst() {
            values[name] = rest.popFirst()
        }
    }

    func value(_ name: String) throws -> String {
        guard let value = values[name] else { throw PoolError.invalidArgument("missing \(name)") }
        return value
    }

    func integer(_ name: String, default fallback: Int? = nil) throws -> Int {
        guard let text = values[name] else {
            if let fallback { return fallback }
            throw PoolError.invalidArgument("missing \(name)")
        }
        guard let number = Int(text) else { throw PoolError.invalidArgument("\(name) needs a number") }
        return number
    }
}
