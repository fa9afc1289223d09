import Glibc
import PoolCore

/// The startup section: what every CLI call pays before doing anything. `shesha-pool acquire`, `release` and
/// `status` on a one-slot worktree pool of a tiny repository, against the start-up reference (a static program
/// parsing the same command lines with argument-parser and doing nothing else, built as `shesha-pool` is)
/// and against spawning /bin/true.
struct StartupBench {
    var options: BenchOptions
    var folder: WorkFolder

    struct Section: Codable {
        var runs: Int
        var fileSystem: String
        /// The executables' sizes: start-up grows with them (relocations, and the conformance records the Swift
        /// runtime scans at each protocol lookup argument-parser makes).
        var sheshaPoolBytes: Int
        var referenceBytes: Int
        var trueMicroseconds: Spread
        var referenceAcquireMicroseconds: Spread
        var referenceReleaseMicroseconds: Spread
        var referenceStatusMicroseconds: Spread
        var acquireMicroseconds: Spread
        var releaseMicroseconds: Spread
        var statusMicroseconds: Spread
        var helpMicroseconds: Spread
        /// Each command over the reference's same command, paired within each run (target ≤ 1.5).
        var acquireOverReference: Spread
        var releaseOverReference: Spread
        var statusOverReference: Spread

        var heading: String {
            """
            STARTUP: whole processes spawned by the bench and waited for; \(runs) runs of each, interleaved; \
            the database on \(fileSystem); a one-slot worktree pool of a 3-file repository; the reference \
            parses the same command lines with swift-argument-parser (three subcommands) and does nothing else; \
            executables of \(Format.count(Double(sheshaPoolBytes) / 1e6)) MB (shesha-pool) and \
            \(Format.count(Double(referenceBytes) / 1e6)) MB (reference)
            """
        }

        var table: String {
            var table = TextTable(["command", "wall time", "vs reference"])
            table.add(["/bin/true (spawning any process)", Format.time(trueMicroseconds), ""])
            table.add(["reference acquire", Format.time(referenceAcquireMicroseconds), ""])
            table.add(["reference release", Format.time(referenceReleaseMicroseconds), ""])
            table.add(["reference status", Format.time(referenceStatusMicroseconds), ""])
            table.add(["shesha-pool acquire", Format.time(acquireMicroseconds), Format.ratio(acquireOverReference)])
            table.add(["shesha-pool release", Format.time(releaseMicroseconds), Format.ratio(releaseOverReference)])
            table.add(["shesha-pool status", Format.time(statusMicroseconds), Format.ratio(statusOverReference)])
            table.add(["shesha-pool --help", Format.time(helpMicroseconds), ""])
            return table.render()
        }
    }

    /// What one run measures, in the order of `Section`'s figures.
    private enum Command: Int, CaseIterable {
        case spawnTrue, referenceAcquire, referenceRelease, referenceStatus, acquire, release, status, help
        /// Not a figure: after `release`, the wait for its background reset, so that no measured command
        /// shares the CPUs with the resetter.
        case untimedWait
    }

    func run() async throws -> Section {
        let runner = TimedCommands(logFolder: try folder.subfolder("startup-logs"))
        let repository = folder.path + "/startup-repo"
        try SyntheticRepository.make(at: repository, files: 3, script: options.repositoryScript ?? "", runner: runner)
        let database = folder.path + "/startup.db"
        let cli = SheshaPoolCLI(executable: options.sheshaPool ?? "", database: database, pool: "tiny", runner: runner)
        try cli.initWorktree(repository: repository, slotFolder: folder.path + "/startup-slots", maxSize: 1)
        try cli.expand(by: 1, parallel: 1)
        let trueExecutable = isExecutable("/bin/true") ? "/bin/true" : try findOnPath("true")
        let reference = options.startupReference ?? ""
        let owner = String(getpid())
        let common = ["--db", database, "--pool", "tiny"]
        let lease = ["--holder", "startup", "--owner-pid", owner]
        let ledger = try SQLiteLedger(path: database)
        func waitForReset() async throws -> Int64 {
            try await BackgroundResets.waitForAll(ledger, pool: "tiny")
            return 0
        }
        func time(_ executable: String, _ arguments: [String]) throws -> Int64 {
            try runner.run(executable, arguments, log: "startup").nanoseconds
        }
        // Acquire runs just before release in every run, so that each release gives back a lease.
        let groups: [[(Command, () async throws -> Int64)]] = [
            [(.spawnTrue, { try time(trueExecutable, []) })],
            [
                (.referenceAcquire, { try time(reference, ["acquire"] + lease + common) }),
                (.referenceRelease, { try time(reference, ["release"] + lease + common) }),
            ],
            [(.referenceStatus, { try time(reference, ["status"] + common) })],
            [
                (.acquire, { try cli.acquire(holder: "startup").nanoseconds }),
                (.release, { try cli.release(holder: "startup") }),
                (.untimedWait, { try await waitForReset() }),
            ],
            [(.status, { try cli.status() })],
            [(.help, { try cli.help() })],
        ]

        var times = Array(repeating: [Double](), count: Command.allCases.count)
        // Two unmeasured rounds first: page cache, dynamic loader. Each run starts with another group.
        for run in -2..<options.startupRuns {
            let first = (run + 2) % groups.count
            for group in groups[first...] + groups[..<first] {
                for (command, measure) in group {
                    let nanoseconds = try await measure()
                    if run >= 0 && command != .untimedWait { times[command.rawValue].append(Double(nanoseconds) / 1e3) }
                }
            }
        }
        func spread(_ command: Command) -> Spread { Spread(times[command.rawValue]) }
        func ratio(_ command: Command, _ reference: Command) -> Spread {
            .ratios(times[command.rawValue], times[reference.rawValue])
        }
        let section = Section(
            runs: options.startupRuns, fileSystem: MachineInfo.fileSystem(of: folder.path),
            sheshaPoolBytes: try Self.size(of: options.sheshaPool ?? ""), referenceBytes: try Self.size(of: reference),
            trueMicroseconds: spread(.spawnTrue),
            referenceAcquireMicroseconds: spread(.referenceAcquire),
            referenceReleaseMicroseconds: spread(.referenceRelease),
            referenceStatusMicroseconds: spread(.referenceStatus),
            acquireMicroseconds: spread(.acquire), releaseMicroseconds: spread(.release),
            statusMicroseconds: spread(.status), helpMicroseconds: spread(.help),
            acquireOverReference: ratio(.acquire, .referenceAcquire),
            releaseOverReference: ratio(.release, .referenceRelease),
            statusOverReference: ratio(.status, .referenceStatus)
        )
        printError(
            "startup: acquire \(Format.time(microseconds: section.acquireMicroseconds.median)), "
                + "release \(Format.time(microseconds: section.releaseMicroseconds.median)), "
                + "status \(Format.time(microseconds: section.statusMicroseconds.median)); reference "
                + "\(Format.time(microseconds: section.referenceStatusMicroseconds.median))"
        )
        return section
    }

    private static func size(of path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw BenchError("cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        return Int(info.st_size)
    }
}
