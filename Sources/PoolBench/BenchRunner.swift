/// Runs the chosen sections in order, then prints the table (and writes the JSON).
struct BenchRunner {
    var options: BenchOptions
    var command: String

    func run() async throws {
        let started = MonotonicTime.nanoseconds()
        let loadBefore = MachineInfo.loadAverage
        let folder = try WorkFolder.make(in: options.diskFolder)
        defer { folder.remove() }

        var report = BenchReport(
            mode: options.isQuick ? "quick" : "full",
            command: command,
            machine: .init(
                cpus: MachineInfo.cpuCount, sqliteVersion: MachineInfo.sqliteVersion,
                swiftVersion: options.swiftVersion, kernel: MachineInfo.kernel,
                loadAverageBefore: loadBefore, loadAverageAfter: nil
            ),
            elapsedSeconds: 0
        )
        for section in options.sections {
            switch section {
            case .ledger: report.ledger = try await LedgerBench(options: options, folder: folder).run()
            case .scale: report.scale = try await ScaleBench(options: options, folder: folder).run()
            case .worktrees: report.worktrees = try await WorktreeBench(options: options).run()
            case .startup:
                // On the tmpfs, so that start-up is measured, not the disk's small writes.
                let tmpfs = try WorkFolder.make(in: options.tmpfsFolder, prefix: "pool-bench-startup")
                defer { tmpfs.remove() }
                report.startup = try await StartupBench(options: options, folder: tmpfs).run()
            case .sandbox: report.sandbox = try await SandboxBench(options: options, folder: folder).run()
            case .rlm: report.rlm = try await RLMBench(options: options, folder: folder).run()
            case .wait: report.wait = try await WaitBench(options: options, folder: folder).run()
            case .copyin: report.copyIn = try await CopyInBench(options: options, folder: folder).run()
            }
        }
        report.machine.loadAverageAfter = MachineInfo.loadAverage
        report.elapsedSeconds = Double(MonotonicTime.nanoseconds() - started) / 1e9
        report.targets = TargetCheck.evaluate(report)

        print(report.text)
        if let jsonPath = options.jsonPath {
            try report.writeJSON(to: jsonPath)
            printError("wrote \(jsonPath)")
        }
    }
}
