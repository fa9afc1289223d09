import Foundation
import Glibc
import Synchronization

/// Set by SIGINT, SIGTERM or SIGHUP: the run stops early, kills its children and still checks.
let interruptRequested = Atomic<Bool>(false)

/// `pool-torture run`: sets up a pool of real worktrees (or of bwrap sandboxes), runs holders, maintenance
/// lanes and the killer for the given time in one single-threaded loop (so no state is shared between
/// threads), stops every child, then runs the checker and returns its report.
struct Orchestrator {
    let options: RunOptions
    let work: WorkFolder
    /// How often a kill also hits a background resetter, if one is running.
    static let resetterKillChance = 0.3

    init(options: RunOptions) {
        self.options = options
        work = WorkFolder(options.work)
    }

    /// The pool's maximum: below the number of holders, so they also queue, wait and create.
    var maxSize: Int { max(2, options.holders * 3 / 4) }

    /// The run up to the checker's report, which the caller prints; `run()` wraps it.
    func runAndCheck() throws -> TortureReport {
        emit(
            "pool-torture: seed \(options.seed); replay with: pool-torture run --seed \(options.seed) "
                + "--seconds \(options.seconds) --until-holder-kills \(options.untilHolderKills) "
                + "--until-cycles \(options.untilCycles) --max-seconds \(options.maxSeconds) "
                + "--holders \(options.holders) --maintenance \(options.maintenanceLanes) "
                + "--kill-every-ms \(options.killEveryMilliseconds) --max-hold-ms \(options.maxHoldMilliseconds) "
                + "--repo-files \(options.repositoryFiles) --kind \(options.kind.rawValue)"
        )
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { _ in interruptRequested.store(true, ordering: .relaxed) }
        }
        try work.create(repositoryFiles: options.repositoryFiles)
        try setUpPool()
        let log = try TenureLog(path: work.orchestratorLog)
        var random = SplitMix64(seed: options.seed)
        var holders: [SpawnedProcess?] = Array(repeating: nil, count: options.holders)
        var holderNumbers = Array(repeating: 0, count: options.holders)
        var lanes = Array(repeating: MaintenanceLane(), count: options.maintenanceLanes)
        var spawned = 0
        let start = MonotonicClock.now()
        let deadline = start + Int64(options.seconds) * 1_000_000_000
        let hardDeadline = start + Int64(options.maxSeconds) * 1_000_000_000
        var holderKills = 0
        var goalsMet = false
        var nextGoalCheck = deadline
        var killer = Killer(everyMilliseconds: options.killEveryMilliseconds, start: start, random: &random)
        var kills = 0
        var nextProgress = start + 30_000_000_000

        func startHolder(_ index: Int) throws {
            spawned += 1
            holderNumbers[index] = spawned
            holders[index] = try spawnHolder(number: spawned, seed: random.next())
        }

        do {
            for index in holders.indices { try startHolder(index) }
            while !interruptRequested.load(ordering: .relaxed) {
                let now = MonotonicClock.now()
                if now >= deadline && now >= nextGoalCheck {
                    goalsMet = holderKills >= options.untilHolderKills
                        && work.completedTenures(upTo: spawned) >= options.untilCycles
                    nextGoalCheck = now + 500_000_000
                }
                if now >= deadline && (goalsMet || now >= hardDeadline) {
                    if !goalsMet {
                        FileHandle.standardError.write(
                            Data("pool-torture: stopped at --max-seconds before the --until goals were met\n".utf8)
                        )
                    }
                    break
                }
                for index in holders.indices {
                    guard let holder = holders[index], holder.hasExited() else { continue }
                    log.append(["EXIT", "holder", "\(holderNumbers[index])", "\(holder.exitStatus ?? 1)", "\(now)"])
                    try startHolder(index)
                }
                for index in lanes.indices {
                    if let command = lanes[index].running {
                        guard command.hasExited() else { continue }
                        finish(lane: lanes[index], log: log)
                        lanes[index].running = nil
                        lanes[index].nextStart = now + Int64.random(in: 0...300_000_000, using: &random)
                    } else if now >= lanes[index].nextStart {
                        spawned += 1
                        lanes[index].number = spawned
                        let command = MaintenanceLane.commands.randomElement(using: &random)!
                        lanes[index].running = try spawnMaintenance(command, number: spawned)
                    }
                }
                if now >= killer.nextKill {
                    let liveLanes = lanes.indices.filter { lanes[$0].running != nil }
                    switch killer.choose(holders: Array(holders.indices), lanes: liveLanes, random: &random) {
                    case .holder(let index):
                        let before = holders[index]?.killGroup() ?? now
                        log.append(["KILL", "holder", "\(holderNumbers[index])", "\(before)"])
                        try startHolder(index)
                        kills += 1
                        holderKills += 1
                    case .maintenance(let index):
                        let before = lanes[index].running?.killGroup() ?? now
                        log.append(["KILL", "maintenance", "\(lanes[index].number)", "\(before)"])
                        lanes[index].running?.removeOutputFiles()
                        lanes[index].running = nil
                        kills += 1
                    case nil:
                        break
                    }
                    // Now and then a background resetter too: its slot must be recovered like any other.
                    if random.chance(Self.resetterKillChance), let pid = BackgroundResets.killOne(database: work.database) {
                        log.append(["KILL", "resetter", "\(pid)", "\(MonotonicClock.now())"])
                        kills += 1
                    }
                    killer.scheduleNext(after: MonotonicClock.now(), random: &random)
                }
                if now >= nextProgress {
                    let elapsed = (now - start) / 1_000_000_000
                    FileHandle.standardError.write(Data("pool-torture: \(elapsed) s, \(kills) kills so far\n".utf8))
                    nextProgress += 30_000_000_000
                }
                MonotonicClock.sleep(milliseconds: 5)
            }
        } catch {
            stopAll(holders: holders, numbers: holderNumbers, lanes: lanes, log: log)
            throw error
        }
        if interruptRequested.load(ordering: .relaxed) {
            FileHandle.standardError.write(Data("pool-torture: interrupted; stopping everything, then checking\n".utf8))
        }
        stopAll(holders: holders, numbers: holderNumbers, lanes: lanes, log: log)
        return try Checker(work: work, sheshaPool: options.sheshaPool).check()
    }

    /// `init worktree` with the slots inside the work folder, then a few slots to start with.
    private func setUpPool() throws {
        if options.kind == .container { return try setUpContainerPool() }
        let initial = min(3, maxSize)
        try sheshaPool([
            "init", "worktree", "--repo", work.repository, "--base", "main", "--dir", work.slots,
            "--max-size", "\(maxSize)", "--on-exhausted", "wait",
        ])
        try sheshaPool(["expand", "\(initial)"])
    }

    func sheshaPool(_ arguments: [String]) throws {
        let result = try runToEnd(
            options.sheshaPool,
            arguments + ["--db", work.database, "--pool", WorkFolder.poolName],
            label: "setup",
            outputFolder: work.logs
        )
        guard result.status == 0 else {
            throw TortureError.setup(
                "shesha-pool \(arguments.joined(separator: " ")) failed (exit \(result.status)): \(result.stderr)"
            )
        }
    }

    private func spawnHolder(number: Int, seed: UInt64) throws -> SpawnedProcess {
        let log = work.holderLog(number)
        return try SpawnedProcess(
            executable: try currentExecutablePath(),
            arguments: [
                "holder", "--db", work.database, "--pool", WorkFolder.poolName, "--log", log,
                "--seed", "\(seed)", "--name", "holder-\(number)", "--max-hold-ms", "\(options.maxHoldMilliseconds)",
                "--kind", options.kind.rawValue, "--shesha-pool", options.sheshaPool,
            ],
            label: "holder-\(number)",
            stdoutPath: log.replacingOccurrences(of: ".log", with: ".out"),
            stderrPath: log.replacingOccurrences(of: ".log", with: ".err")
        )
    }

    private func spawnMaintenance(_ command: [String], number: Int) throws -> SpawnedProcess {
        let base = work.logs + "/maintenance-\(String(format: "%04d", number))"
        return try SpawnedProcess(
            executable: options.sheshaPool,
            arguments: command + ["--db", work.database, "--pool", WorkFolder.poolName],
            label: command.joined(separator: "_"),
            stdoutPath: base + ".out",
            stderrPath: base + ".err"
        )
    }

    /// Logs a maintenance command that ended by itself, with the first line it printed if it failed (a
    /// message on stderr, or doctor's first finding on stdout); keeps its output files only then.
    private func finish(lane: MaintenanceLane, log: TenureLog) {
        guard let command = lane.running else { return }
        let status = command.exitStatus ?? 1
        var words = ["MAINT", "\(lane.number)", command.label, "\(status)", "\(MonotonicClock.now())"]
        if status == 0 {
            command.removeOutputFiles()
        } else {
            let printed = command.standardError.split(separator: "\n") + command.standardOutput.split(separator: "\n")
            words.append(printed.first.map(String.init) ?? "")
        }
        log.append(words)
    }

    /// SIGKILLs every child still running (logged as STOP: the end of the run, not a fault).
    private func stopAll(holders: [SpawnedProcess?], numbers: [Int], lanes: [MaintenanceLane], log: TenureLog) {
        for (index, holder) in holders.enumerated() {
            guard let holder else { continue }
            if holder.hasExited() {
                log.append([
                    "EXIT", "holder", "\(numbers[index])", "\(holder.exitStatus ?? 1)", "\(MonotonicClock.now())",
                ])
            } else {
                log.append(["STOP", "holder", "\(numbers[index])", "\(holder.killGroup())"])
            }
        }
        for lane in lanes {
            guard let command = lane.running else { continue }
            if command.hasExited() {
                finish(lane: lane, log: log)
            } else {
                log.append(["STOP", "maintenance", "\(lane.number)", "\(command.killGroup())"])
                command.removeOutputFiles()
            }
        }
    }
}

/// Writes a line to standard output at once (unbuffered), so the seed is out before anything can fail.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// This executable's path, for starting holders.
func currentExecutablePath() throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else {
        throw TortureError.setup("cannot read /proc/self/exe: \(String(cString: strerror(errno)))")
    }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
