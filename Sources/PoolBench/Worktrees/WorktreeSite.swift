import Foundation
import PoolCore
import Worktrees

/// The worktree workloads in one place (a tmpfs or a disk folder): a synthetic repository, a pool of
/// ready slots made by the CLI, then, interleaved in every repetition, cold `git worktree add`/`remove`,
/// warm `shesha-pool acquire`/`release`, the library call, and a release after a typical change; then
/// concurrent acquires against one alone.
struct WorktreeSite {
    var name: String
    var parent: String
    var options: BenchOptions

    private static let poolName = "bench"

    /// The workloads of one repetition.
    private enum Workload: CaseIterable {
        /// `git worktree add`, then `git worktree remove`.
        case cold
        /// `shesha-pool acquire`, then `release`.
        case warm
        /// `Pool.acquire` and `release` in this process.
        case library
        /// `shesha-pool acquire`, a typical change, then `release` (timed).
        case change
    }

    func run() async throws -> WorktreeSiteResult {
        let folder = try WorkFolder.make(in: parent, prefix: "pool-bench-worktrees")
        defer { folder.remove() }
        let runner = TimedCommands(logFolder: try folder.subfolder("logs"))
        let git = try findOnPath("git")
        let repository = folder.path + "/repo"
        let slots = options.concurrentAcquires
        let cli = SheshaPoolCLI(
            executable: options.sheshaPool ?? "", database: folder.path + "/pool.db", pool: Self.poolName,
            runner: runner
        )

        let repositorySeconds = try SyntheticRepository.make(
            at: repository, files: options.files, script: options.repositoryScript ?? "", runner: runner
        )
        let expandStarted = MonotonicTime.nanoseconds()
        try cli.initWorktree(repository: repository, slotFolder: folder.path + "/slots", maxSize: slots)
        try cli.expand(by: slots, parallel: MachineInfo.cpuCount)
        let expandSeconds = Double(MonotonicTime.nanoseconds() - expandStarted) / 1e9
        printError(
            "worktrees \(name): repository of \(Format.count(options.files)) files in "
                + "\(Format.digits(repositorySeconds)) s, "
                + "\(slots) slots in \(Format.digits(expandSeconds)) s"
        )

        let library = try await WorktreePool(ledger: try SQLiteLedger(path: cli.database), name: Self.poolName)
        let coldPath = folder.path + "/cold"
        var times: [String: [Double]] = [:]
        func record(_ key: String, _ nanoseconds: Int64) {
            times[key, default: []].append(Double(nanoseconds) / 1e3)
        }

        let repetitions = options.worktreeRepetitions
        for repetition in 0..<repetitions {
            // Each repetition starts with a different workload, so none always follows the same one.
            let all = Workload.allCases
            for workload in all[(repetition % all.count)...] + all[..<(repetition % all.count)] {
                switch workload {
                case .cold:
                    let add = ["-C", repository, "worktree", "add", "--detach", "--quiet", coldPath, "HEAD"]
                    record("coldAdd", try runner.run(git, add, log: "git").nanoseconds)
                    let remove = ["-C", repository, "worktree", "remove", "--force", coldPath]
                    record("coldRemove", try runner.run(git, remove, log: "git").nanoseconds)
                case .warm:
                    let (nanoseconds, path) = try cli.acquire(holder: "warm")
                    record("warmAcquire", nanoseconds)
                    let releaseStarted = MonotonicTime.nanoseconds()
                    record("warmRelease", try cli.release(holder: "warm"))
                    try await waitUntilIdle(library.pool, path: path)
                    record("warmUntilIdle", MonotonicTime.nanoseconds() - releaseStarted)
                case .library:
                    let started = MonotonicTime.nanoseconds()
                    let lease = try await library.pool.acquire(holder: "library")
                    let acquired = MonotonicTime.nanoseconds()
                    try await library.pool.release(lease)
                    record("libraryAcquire", acquired - started)
                    record("libraryRelease", MonotonicTime.nanoseconds() - acquired)
                case .change:
                    let path = try cli.acquire(holder: "change").path
                    try TypicalChange.apply(to: path)
                    let releasing = MonotonicTime.nanoseconds()
                    record("releaseAfterChange", try cli.release(holder: "change"))
                    try await BackgroundResets.waitForAll(library.pool.ledger, pool: library.pool.name)
                    record("idleAfterRelease", MonotonicTime.nanoseconds() - releasing)
                    try TypicalChange.verifyReset(of: path)
                }
            }
            printError(
                "worktrees \(name) [\(repetition + 1)/\(repetitions)]: "
                    + "cold add \(Format.time(microseconds: times["coldAdd"]?.last ?? 0)), "
                    + "warm acquire \(Format.time(microseconds: times["warmAcquire"]?.last ?? 0)), "
                    + "release after change \(Format.time(microseconds: times["releaseAfterChange"]?.last ?? 0))"
            )
        }

        try await checkAllIdle(library.pool, count: slots)
        let holders = (0..<slots).map { "together-\($0)" }
        for repetition in 0..<repetitions {
            // Alternate which side goes first.
            for together in repetition % 2 == 0 ? [false, true] : [true, false] {
                if together {
                    let (nanoseconds, paths) = try cli.acquireTogether(holders: holders)
                    guard Set(paths).count == slots else {
                        throw BenchError("\(slots) concurrent acquires got \(Set(paths).count) distinct slots")
                    }
                    record("together", nanoseconds)
                    try cli.releaseTogether(holders: holders)
                    try await BackgroundResets.waitForAll(library.pool.ledger, pool: library.pool.name)
                } else {
                    record("alone", try cli.acquire(holder: "alone").nanoseconds)
                    _ = try cli.release(holder: "alone")
                    try await BackgroundResets.waitForAll(library.pool.ledger, pool: library.pool.name)
                }
            }
            printError(
                "worktrees \(name) [\(repetition + 1)/\(repetitions)]: \(slots) acquires at once "
                    + "\(Format.time(microseconds: times["together"]?.last ?? 0)), "
                    + "1 alone \(Format.time(microseconds: times["alone"]?.last ?? 0))"
            )
        }

        func spread(_ key: String) -> Spread { Spread(times[key] ?? []) }
        func sum(_ first: String, _ second: String) -> [Double] {
            zip(times[first] ?? [], times[second] ?? []).map(+)
        }
        let coldCycle = sum("coldAdd", "coldRemove")
        let warmCycle = sum("warmAcquire", "warmRelease")
        return WorktreeSiteResult(
            site: name, folder: parent, fileSystem: MachineInfo.fileSystem(of: folder.path), files: options.files,
            slots: slots, repetitions: repetitions, repositorySeconds: repositorySeconds, expandSeconds: expandSeconds,
            coldAddRemoveMicroseconds: Spread(coldCycle),
            warmAcquireReleaseMicroseconds: Spread(warmCycle),
            coldOverWarmCycle: .ratios(coldCycle, warmCycle),
            coldAddMicroseconds: spread("coldAdd"),
            coldRemoveMicroseconds: spread("coldRemove"),
            warmAcquireMicroseconds: spread("warmAcquire"),
            warmReleaseMicroseconds: spread("warmRelease"),
            releaseUntilIdleMicroseconds: spread("warmUntilIdle"),
            coldAddOverWarmAcquire: .ratios(times["coldAdd"] ?? [], times["warmAcquire"] ?? []),
            libraryAcquireReleaseMicroseconds: Spread(sum("libraryAcquire", "libraryRelease")),
            libraryAcquireMicroseconds: spread("libraryAcquire"),
            libraryReleaseMicroseconds: spread("libraryRelease"),
            releaseAfterChangeMicroseconds: spread("releaseAfterChange"),
            idleAfterReleaseMicroseconds: spread("idleAfterRelease"),
            concurrentAcquires: slots,
            acquireAloneMicroseconds: spread("alone"),
            concurrentAcquiresMicroseconds: spread("together"),
            concurrentOverAlone: .ratios(times["together"] ?? [], times["alone"] ?? [])
        )
    }

    /// Polls the ledger, as `shesha-pool status` would, until the slot at `path` is idle again: at once if
    /// `release` reset it before returning, later if a reset runs after it returns.
    private func waitUntilIdle(_ pool: Pool, path: String) async throws {
        let deadline = MonotonicTime.nanoseconds() + 600 * 1_000_000_000
        while MonotonicTime.nanoseconds() < deadline {
            let slot = try await pool.ledger.slots(pool: pool.name).first { $0.path == path }
            switch slot?.state {
            case .idle: return
            case .broken, nil: throw BenchError("the slot at \(path) did not come back after release")
            default: try await Task.sleep(for: .milliseconds(1))
            }
        }
        throw BenchError("the slot at \(path) was not idle 10 minutes after release")
    }

    /// The concurrent acquires must each find a ready slot, or they would measure creation.
    private func checkAllIdle(_ pool: Pool, count: Int) async throws {
        let idle = try await pool.ledger.slots(pool: pool.name).filter { $0.state == .idle }.count
        guard idle == count else {
            throw BenchError("expected \(count) idle slots before the concurrent acquires, found \(idle)")
        }
    }
}
