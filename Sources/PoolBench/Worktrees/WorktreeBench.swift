import Foundation

/// The worktrees section: the same workloads on a tmpfs and on disk, one table with a column for each.
struct WorktreeBench {
    var options: BenchOptions

    struct Section: Codable {
        var gitVersion: String
        var cpus: Int
        var sites: [WorktreeSiteResult]

        /// The concurrency target: 1.5 × (concurrent acquires ÷ cores).
        var concurrencyLimit: Double {
            1.5 * Double(sites.first?.concurrentAcquires ?? 16) / Double(max(1, cpus))
        }

        var heading: String {
            let places = sites.map { "\($0.site): \($0.fileSystem)" }.joined(separator: ", ")
            let files = sites.first.map { Format.count($0.files) } ?? "?"
            let slots = sites.first?.slots ?? 0
            let repetitions = sites.first?.repetitions ?? 0
            return """
                WORKTREES: synthetic repository of \(files) files, a pool of \(slots) ready slots; whole \
                processes (shesha-pool release build, \(gitVersion)) except the library rows; \
                \(Format.plural(repetitions, "repetition")), \
                the workloads interleaved in each; \(places)
                """
        }

        var table: String {
            let count = sites.first?.concurrentAcquires ?? 16
            let limit = Format.ratio(concurrencyLimit)
            // (label, figure, whether it is a ratio rather than a time)
            let rows: [(String, KeyPath<WorktreeSiteResult, Spread>, Bool)] = [
                ("cold: git worktree add --detach + remove --force", \.coldAddRemoveMicroseconds, false),
                ("warm: shesha-pool acquire + release", \.warmAcquireReleaseMicroseconds, false),
                ("  cold / warm (target ≥ 40×)", \.coldOverWarmCycle, true),
                ("cold: git worktree add --detach", \.coldAddMicroseconds, false),
                ("warm: shesha-pool acquire", \.warmAcquireMicroseconds, false),
                ("  cold / warm (target ≥ 50×)", \.coldAddOverWarmAcquire, true),
                ("cold: git worktree remove --force", \.coldRemoveMicroseconds, false),
                ("warm: shesha-pool release, slot unchanged", \.warmReleaseMicroseconds, false),
                ("  from release until the slot is idle again", \.releaseUntilIdleMicroseconds, false),
                ("warm: shesha-pool release after a typical change *", \.releaseAfterChangeMicroseconds, false),
                ("  from that release until the slot is idle again", \.idleAfterReleaseMicroseconds, false),
                ("library: Pool.acquire + release, in process", \.libraryAcquireReleaseMicroseconds, false),
                ("library: Pool.acquire alone", \.libraryAcquireMicroseconds, false),
                ("1 shesha-pool acquire alone", \.acquireAloneMicroseconds, false),
                ("\(count) shesha-pool acquires at once, wall time", \.concurrentAcquiresMicroseconds, false),
                ("  \(count) at once / 1 alone (target ≤ \(limit))", \.concurrentOverAlone, true),
            ]
            var table = TextTable(["workload"] + sites.map(\.site))
            for (label, figure, isRatio) in rows {
                let values = sites.map { $0[keyPath: figure] }
                table.add([label] + values.map { isRatio ? Format.ratio($0) : Format.time($0) })
            }
            table.note("* \(TypicalChange.summary); the reset undoes the edits, removes the new files, keeps build/")
            return table.render()
        }
    }

    func run() async throws -> Section {
        var sites: [WorktreeSiteResult] = []
        for (name, parent) in [("tmpfs", options.tmpfsFolder), ("disk", options.diskFolder)] {
            sites.append(try await WorktreeSite(name: name, parent: parent, options: options).run())
        }
        return Section(gitVersion: try gitVersion(), cpus: MachineInfo.cpuCount, sites: sites)
    }

    /// "git 2.39.5".
    private func gitVersion() throws -> String {
        let folder = try WorkFolder.make(in: options.diskFolder, prefix: "pool-bench-git")
        defer { folder.remove() }
        let output = try TimedCommands(logFolder: folder.path).run(try findOnPath("git"), ["--version"]).stdout
        return output.replacingOccurrences(of: "git version", with: "git")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
