import Foundation

/// The sandbox section: per backend, a warm sandbox from a pool against a cold sandbox per call, each
/// cycle running `print(1+1)`; a backend that cannot run here is listed with the reason.
struct SandboxBench {
    var options: BenchOptions
    var folder: WorkFolder

    struct Section: Codable {
        var warmCycles: Int
        var coldCycles: Int
        var engineColdCycles: Int
        var slotFileSystem: String
        var databaseFileSystem: String
        var backends: [SandboxBackendResult]

        var heading: String {
            """
            SANDBOX: one cycle = `\(SandboxProbe.code)` in a Python sandbox, per backend. Warm: a pool keeping \
            one sandbox idle (started before timing), \(warmCycles) cycles in process (ContainerPool) and \
            \(warmCycles) through the CLI (3 processes: acquire, exec, release); release resets the \
            namespace. Cold: a new sandbox per call (start and first ping, execute, stop and remove), \
            \(coldCycles) cycles (podman and docker: \(engineColdCycles)). The workloads interleaved; one \
            unmeasured round first; slots on \(slotFileSystem), the database on \(databaseFileSystem). \
            Percentiles over the cycles of one run; ratios compare the percentiles.
            """
        }

        var table: String {
            var table = TextTable(["backend", "workload", "cycles", "p50", "p90", "max"], leftAligned: [0, 1])
            for (index, result) in backends.enumerated() {
                if index > 0 { table.note("") }
                guard let measured = result.measured else {
                    table.note(BenchReport.wrap("\(result.backend): skipped, \(result.skipped ?? "not measured")"))
                    continue
                }
                func times(_ label: String, _ latencies: CycleLatencies, backend: String = "") -> [String] {
                    [backend, label, Format.count(latencies.count)]
                        + [latencies.p50Microseconds, latencies.p90Microseconds, latencies.maxMicroseconds]
                        .map { Format.time(microseconds: $0) }
                }
                func ratios(_ label: String, _ ratio: CycleRatio) -> [String] {
                    ["", label, ""] + [ratio.p50, ratio.p90, ratio.max].map(Format.ratio)
                }
                table.add(
                    times("warm, in process: acquire + execute + release", measured.warmLibrary, backend: result.backend)
                )
                table.add(times("warm, CLI: acquire + exec + release", measured.warmCLI))
                table.add(times("cold: start + execute + stop", measured.cold))
                table.add(times("  start, first ping, connect", measured.coldStart))
                table.add(times("  execute", measured.coldExecute))
                table.add(times("  stop and remove", measured.coldStop))
                table.add(ratios("cold / warm in process", measured.coldOverWarmLibrary))
                table.add(ratios("cold / warm CLI", measured.coldOverWarmCLI))
            }
            return table.render()
        }
    }

    func run() async throws -> Section {
        // As root, bwrap sandboxes run as nobody, who must be able to enter the slot folders.
        let slots = try WorkFolder.make(in: options.sandboxFolder, prefix: "pool-bench-sandbox")
        defer { slots.remove() }
        guard chmod(slots.path, 0o755) == 0 else {
            throw BenchError("cannot open \(slots.path) to other users: \(String(cString: strerror(errno)))")
        }
        let database = folder.path + "/sandbox.db"
        let runner = TimedCommands(logFolder: try folder.subfolder("sandbox-logs"))
        var results: [SandboxBackendResult] = []
        for backend in options.sandboxBackends {
            let run = SandboxBackendRun(
                backend: backend, options: options, slotFolder: slots.path, database: database, runner: runner
            )
            results.append(try await run.run())
        }
        return Section(
            warmCycles: options.sandboxCycles, coldCycles: options.sandboxColdCycles,
            engineColdCycles: options.engineColdCycles, slotFileSystem: MachineInfo.fileSystem(of: slots.path),
            databaseFileSystem: MachineInfo.fileSystem(of: folder.path), backends: results
        )
    }
}
