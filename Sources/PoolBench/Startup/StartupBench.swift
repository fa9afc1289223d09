/// The startup section: what every CLI call pays before doing anything, against spawning /bin/true.
/// `status` reads an empty pool (a worktree pool of a tiny repository, no slots).
struct StartupBench {
    var options: BenchOptions
    var folder: WorkFolder

    struct Section: Codable {
        var runs: Int
        var fileSystem: String
        var trueMicroseconds: Spread
        var helpMicroseconds: Spread
        var statusMicroseconds: Spread

        var heading: String {
            """
            STARTUP: whole processes spawned by the bench and waited for; \(runs) runs of each, interleaved; \
            the database on \(fileSystem)
            """
        }

        var table: String {
            var table = TextTable(["command", "wall time"])
            table.add(["/bin/true (spawning any process)", Format.time(trueMicroseconds)])
            table.add(["shesha-pool --help", Format.time(helpMicroseconds)])
            table.add(["shesha-pool status (empty pool)", Format.time(statusMicroseconds)])
            return table.render()
        }
    }

    func run() throws -> Section {
        let runner = TimedCommands(logFolder: try folder.subfolder("startup-logs"))
        let repository = folder.path + "/startup-repo"
        try SyntheticRepository.make(at: repository, files: 3, script: options.repositoryScript ?? "", runner: runner)
        let cli = SheshaPoolCLI(
            executable: options.sheshaPool ?? "", database: folder.path + "/startup.db", pool: "empty", runner: runner
        )
        try cli.initWorktree(repository: repository, slotFolder: folder.path + "/startup-slots", maxSize: 1)
        let trueExecutable = isExecutable("/bin/true") ? "/bin/true" : try findOnPath("true")

        var times: [[Double]] = [[], [], []]
        let commands: [() throws -> Int64] = [
            { try runner.run(trueExecutable, [], log: "true").nanoseconds },
            { try cli.help() },
            { try cli.status() },
        ]
        // Two unmeasured rounds first: page cache, dynamic loader.
        for run in -2..<options.startupRuns {
            for offset in 0..<commands.count {
                let index = (run + 3 + offset) % commands.count
                let nanoseconds = try commands[index]()
                if run >= 0 { times[index].append(Double(nanoseconds) / 1e3) }
            }
        }
        let section = Section(
            runs: options.startupRuns, fileSystem: MachineInfo.fileSystem(of: folder.path),
            trueMicroseconds: Spread(times[0]), helpMicroseconds: Spread(times[1]), statusMicroseconds: Spread(times[2])
        )
        printError(
            "startup: --help \(Format.time(microseconds: section.helpMicroseconds.median)), "
                + "status \(Format.time(microseconds: section.statusMicroseconds.median))"
        )
        return section
    }
}
