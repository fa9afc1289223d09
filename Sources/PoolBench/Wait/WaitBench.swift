import Foundation
import PoolCore
import SheshaSQLite

/// The wait section: `waiters` processes wait on a pool of one slot that the bench holds for a while, then
/// the slot is handed along the queue (each waiter releases as soon as it has it). Measures the CPU the
/// waiters burn per second of waiting, and the hand-over latency from the start of a release to the next
/// waiter's acquire returning. The old polling wait and the wake-up wait run side by side in each repetition.
struct WaitBench {
    var options: BenchOptions
    var folder: WorkFolder

    static let waiters = 32

    enum Strategy: String, Codable, CaseIterable {
        case poll
        case wakeUp = "wake-up"

        var waitStrategy: WaitStrategy {
            switch self {
            case .poll: .poll
            case .wakeUp: .standard
            }
        }

        var title: String {
            switch self {
            case .poll: "poll (a write every 1-20 ms)"
            case .wakeUp: "wake-up (futex, full try every 1 s)"
            }
        }
    }

    struct StrategyResult: Codable {
        var strategy: Strategy
        /// CPU time of all waiters together, per second of waiting (ms/s).
        var cpuMillisecondsPerSecond: Spread
        var handOverMedianMicroseconds: Spread
        var handOverP95Microseconds: Spread
        var handOverMaxMicroseconds: Spread
    }

    struct Section: Codable {
        var waiters: Int
        var heldSeconds: Double
        var repetitions: Int
        var results: [StrategyResult]

        var heading: String {
            """
            WAIT: \(waiters) processes wait on 1 busy slot held for \(Format.digits(heldSeconds)) s, then \
            hand it along the queue; \(repetitions) repetitions, both strategies in each. CPU is the waiters' \
            utime+stime from /proc (10 ms ticks) over the held time; hand-over is from the start of a \
            release to the next acquire returning, over the \(waiters) hand-overs of a repetition.
            """
        }

        var table: String {
            var table = TextTable(["wait strategy", "CPU of all waiters", "per waiter", "hand-over median", "p95", "max"])
            for result in results {
                table.add([
                    result.strategy.title,
                    Format.digits(result.cpuMillisecondsPerSecond.median) + " ms/s "
                        + "(\(Format.digits(result.cpuMillisecondsPerSecond.min))..\(Format.digits(result.cpuMillisecondsPerSecond.max)))",
                    Format.digits(result.cpuMillisecondsPerSecond.median / Double(waiters)) + " ms/s",
                    Format.time(result.handOverMedianMicroseconds),
                    Format.time(result.handOverP95Microseconds),
                    Format.time(result.handOverMaxMicroseconds),
                ])
            }
            return table.render()
        }
    }

    private struct Measurement {
        var cpuMillisecondsPerSecond: Double
        var handOverMicroseconds: [Double]
    }

    func run() async throws -> Section {
        let repetitions = options.repetitions ?? (options.isQuick ? 1 : 3)
        let held: Duration = options.isQuick ? .seconds(2) : .seconds(4)
        var measured: [Strategy: [Measurement]] = [:]
        for repetition in 0..<repetitions {
            // Alternate which goes first, so neither always meets a warmer machine.
            let order = repetition % 2 == 0 ? Strategy.allCases : Strategy.allCases.reversed()
            for strategy in order {
                let result = try await measure(strategy, repetition: repetition, held: held)
                measured[strategy, default: []].append(result)
                printError(
                    "wait \(strategy.rawValue): waiters' CPU \(Format.digits(result.cpuMillisecondsPerSecond)) ms/s, "
                        + "hand-over median \(Format.time(microseconds: Self.percentile(result.handOverMicroseconds, 0.5)))"
                )
            }
        }
        return Section(
            waiters: Self.waiters,
            heldSeconds: Double(held.nanoseconds) / 1e9,
            repetitions: repetitions,
            results: Strategy.allCases.map { strategy in
                let runs = measured[strategy] ?? []
                return StrategyResult(
                    strategy: strategy,
                    cpuMillisecondsPerSecond: Spread(runs.map(\.cpuMillisecondsPerSecond)),
                    handOverMedianMicroseconds: Spread(runs.map { Self.percentile($0.handOverMicroseconds, 0.5) }),
                    handOverP95Microseconds: Spread(runs.map { Self.percentile($0.handOverMicroseconds, 0.95) }),
                    handOverMaxMicroseconds: Spread(runs.map { $0.handOverMicroseconds.max() ?? 0 })
                )
            }
        )
    }

    private func measure(_ strategy: Strategy, repetition: Int, held: Duration) async throws -> Measurement {
        let runFolder = try folder.subfolder("wait-\(strategy.rawValue)-\(repetition)")
        let database = runFolder + "/pool.db"
        let ledger = try SQLiteLedger(path: database)
        try await ledger.createPool(
            PoolDefinition(
                name: LedgerPool.name, kind: "bench", slotFolder: runFolder + "/slots", maxSize: 1, onExhausted: .wait
            )
        )
        let pool = Pool(name: LedgerPool.name, ledger: ledger, backend: NoOpBackend())
        _ = try await pool.expand(by: 1)
        let lease = try await pool.acquire(holder: "bench")

        let executable = try currentExecutablePath()
        var children: [ChildProcess] = []
        // Whatever happens, no waiter outlives the run.
        defer {
            for child in children {
                child.kill()
                _ = try? child.wait()
            }
        }
        for index in 0..<Self.waiters {
            let holder = "waiter-\(index)"
            let arguments = Waiter.arguments(
                database: database, strategy: strategy, holder: holder, output: runFolder + "/" + holder
            )
            children.append(try ChildProcess(executable: executable, arguments: arguments, label: holder))
        }
        try waitUntilQueued(children, database: database)

        let cpuBefore = try children.map { try Self.cpuTicks(of: $0.pid) }
        let start = MonotonicTime.nanoseconds()
        MonotonicTime.sleep(until: start + held.nanoseconds)
        let cpuAfter = try children.map { try Self.cpuTicks(of: $0.pid) }
        let waitedSeconds = Double(MonotonicTime.nanoseconds() - start) / 1e9
        let ticks = zip(cpuAfter, cpuBefore).map { $0 - $1 }.reduce(0, +)
        let cpuMilliseconds = Double(ticks) * 1_000 / Double(sysconf(Int32(_SC_CLK_TCK)))

        let releasingAt = MonotonicTime.nanoseconds()
        try await pool.release(lease)
        for child in children {
            let status = try child.wait()
            guard status == 0 else { throw BenchError("\(child.label) exited with status \(status)") }
        }
        let turns = try children.map { child -> (acquiredAt: Int64, releasingAt: Int64) in
            let text = try String(contentsOfFile: runFolder + "/" + child.label, encoding: .utf8)
            let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
            guard fields.count == 2 else { throw BenchError("\(child.label) wrote '\(text)'") }
            return (fields[0], fields[1])
        }.sorted { $0.acquiredAt < $1.acquiredAt }
        var previousRelease = releasingAt
        var handOvers: [Double] = []
        for turn in turns {
            handOvers.append(Double(turn.acquiredAt - previousRelease) / 1e3)
            previousRelease = turn.releasingAt
        }
        return Measurement(cpuMillisecondsPerSecond: cpuMilliseconds / waitedSeconds, handOverMicroseconds: handOvers)
    }

    /// Returns once every child has queued (a row in the waiter table), so the CPU window sees only waiting.
    private func waitUntilQueued(_ children: [ChildProcess], database: String) throws {
        let connection = try Connection(path: database, create: false)
        defer { try? connection.close() }
        let givingUp = MonotonicTime.nanoseconds() + Duration.seconds(120).nanoseconds
        while try connection.scalarInt("SELECT count(*) FROM waiter") ?? 0 < children.count {
            for child in children where try child.hasExited() {
                throw BenchError("\(child.label) exited with status \(child.exitStatus ?? 1) while queueing")
            }
            guard MonotonicTime.nanoseconds() < givingUp else {
                throw BenchError("not all \(children.count) waiters queued within 120 s")
            }
            MonotonicTime.sleep(until: MonotonicTime.nanoseconds() + 10_000_000)
        }
    }

    /// utime + stime of the whole process (all its threads, live or ended), in clock ticks.
    private static func cpuTicks(of pid: pid_t) throws -> Int64 {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which sits in parentheses and may hold spaces: state is the 3rd
        // field of the line, utime the 14th, stime the 15th.
        guard let close = text.lastIndex(of: ")") else { throw BenchError("cannot read /proc/\(pid)/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else {
            throw BenchError("cannot read the CPU times in /proc/\(pid)/stat")
        }
        return user + system
    }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }
}
