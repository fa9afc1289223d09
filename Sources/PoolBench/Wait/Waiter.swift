import Foundation
import PoolCore

/// The `waiter` subcommand: one child process of the wait section. Acquires (waiting), notes when the
/// acquire returned and when it began its release, releases at once so the next waiter gets the slot, and
/// writes both instants (`MonotonicTime`) to its output file.
struct Waiter {
    var database: String
    var strategy: WaitBench.Strategy
    var holder: String
    var outputPath: String

    static func arguments(database: String, strategy: WaitBench.Strategy, holder: String, output: String) -> [String] {
        ["waiter", "--db", database, "--strategy", strategy.rawValue, "--holder", holder, "--output", output]
    }

    static func parse(_ arguments: [String]) throws -> Waiter {
        var values: [String: String] = [:]
        var reader = ArgumentReader(arguments)
        while let flag = reader.next() {
            guard ["--db", "--strategy", "--holder", "--output"].contains(flag) else {
                throw UsageError("waiter: unknown option '\(flag)'")
            }
            values[flag] = try reader.value(for: flag)
        }
        guard let database = values["--db"], let strategyName = values["--strategy"],
            let strategy = WaitBench.Strategy(rawValue: strategyName), let holder = values["--holder"],
            let output = values["--output"]
        else { throw UsageError("waiter: needs --db, --strategy (poll or wake-up), --holder and --output") }
        return Waiter(database: database, strategy: strategy, holder: holder, outputPath: output)
    }

    func run() async throws {
        let pool = Pool(
            name: LedgerPool.name, ledger: try SQLiteLedger(path: database), backend: NoOpBackend(),
            waitStrategy: strategy.waitStrategy
        )
        let lease = try await pool.acquire(holder: holder, wait: .seconds(600))
        let acquiredAt = MonotonicTime.nanoseconds()
        let releasingAt = MonotonicTime.nanoseconds()
        try await pool.release(lease)
        try "\(acquiredAt) \(releasingAt)\n".write(toFile: outputPath, atomically: true, encoding: .utf8)
    }
}
