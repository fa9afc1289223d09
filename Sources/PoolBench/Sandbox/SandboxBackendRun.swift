import Foundation
import PoolCore
import Sandbox

/// One backend's workloads: a warm pool that keeps one sandbox idle (started before any timing) and a
/// cold pool with none; then rounds in which the warm cycle in process, the warm cycle through the CLI and
/// (in some rounds, as the cold cycles are fewer) the cold cycle run in turn, each round starting with a
/// different one, so a slow moment of a shared machine weighs on all of them; then both pools are stopped
/// and no sandbox of theirs may be left running.
struct SandboxBackendRun {
    var backend: IsolationKind
    var options: BenchOptions
    /// Holds one slot folder per pool; other users can enter it (as root, bwrap sandboxes run as nobody).
    var slotFolder: String
    var database: String
    var runner: TimedCommands

    private enum Workload: CaseIterable {
        case library, cli, cold
    }

    private var isEngine: Bool { backend == .podman || backend == .docker }

    private var config: ContainerConfig {
        ContainerConfig(backend: backend, image: isEngine ? ContainerEngineIsolation.defaultImage : nil)
    }

    var coldCycles: Int { isEngine ? options.engineColdCycles : options.sandboxColdCycles }

    func run() async throws -> SandboxBackendResult {
        do {
            try await config.isolation.checkAvailable()
        } catch let unavailable as SandboxUnavailable {
            printError("sandbox \(backend): skipped, \(unavailable.reason)")
            return SandboxBackendResult(backend: backend.rawValue, skipped: unavailable.reason)
        }
        let ledger = try SQLiteLedger(path: database)
        let warm = try await makePool(ledger, name: "warm-\(backend)", minIdle: 1)
        let cold = try await makePool(ledger, name: "cold-\(backend)", minIdle: 0)
        let measured: SandboxBackendResult.Measured
        do {
            measured = try await measure(warm: warm, cold: cold)
        } catch {
            await stopEverything([warm, cold])
            throw error
        }
        try await stop(warm)
        try await stop(cold)
        return SandboxBackendResult(backend: backend.rawValue, measured: measured)
    }

    private func measure(warm: ContainerPool, cold: ContainerPool) async throws -> SandboxBackendResult.Measured {
        let startBegan = MonotonicTime.nanoseconds()
        let report = try await warm.start()
        let startSeconds = Double(MonotonicTime.nanoseconds() - startBegan) / 1e9
        if let failure = report?.failures.first {
            throw BenchError("sandbox \(backend): the warm pool's sandbox did not start: \(failure.message)")
        }
        guard let warmSlot = report?.created.first else {
            throw BenchError("sandbox \(backend): the warm pool made no sandbox")
        }
        printError("sandbox \(backend): warm pool's sandbox ready in \(Format.digits(startSeconds)) s")

        let cli = SandboxCLI(
            cli: SheshaPoolCLI(
                executable: options.sheshaPool ?? "", database: database, pool: warm.pool.name, runner: runner
            )
        )
        var library: [Double] = []
        var viaCLI: [Double] = []
        var coldPhases: [ColdCycle.Phases] = []
        let warmCycles = options.sandboxCycles
        let rounds = max(warmCycles, coldCycles)
        // Round -1 runs every workload once unmeasured: page cache, the dynamic loader, an image's first use.
        for round in -1..<rounds {
            let all = Workload.allCases
            let first = (round + 1) % all.count
            for workload in all[first...] + all[..<first] {
                switch workload {
                case .library where Self.isScheduled(round, cycles: warmCycles, rounds: rounds):
                    let nanoseconds = try await WarmCycle.run(warm, holder: "warm-library")
                    if round >= 0 { library.append(Double(nanoseconds) / 1e3) }
                case .cli where Self.isScheduled(round, cycles: warmCycles, rounds: rounds):
                    let nanoseconds = try cli.cycle(holder: "warm-cli")
                    if round >= 0 { viaCLI.append(Double(nanoseconds) / 1e3) }
                case .cold where Self.isScheduled(round, cycles: coldCycles, rounds: rounds):
                    let phases = try await ColdCycle.run(cold, holder: "cold")
                    if round >= 0 { coldPhases.append(phases) }
                default:
                    break
                }
            }
        }
        try await checkWarmSandboxServedEveryCycle(warm, slot: warmSlot)

        func latencies(_ nanoseconds: (ColdCycle.Phases) -> Int64) -> CycleLatencies {
            CycleLatencies(microseconds: coldPhases.map { Double(nanoseconds($0)) / 1e3 })
        }
        let warmLibrary = CycleLatencies(microseconds: library)
        let warmCLI = CycleLatencies(microseconds: viaCLI)
        let coldTotal = latencies(\.total)
        printError(
            "sandbox \(backend): p50 warm in process \(Format.time(microseconds: warmLibrary.p50Microseconds)), "
                + "warm CLI \(Format.time(microseconds: warmCLI.p50Microseconds)), "
                + "cold \(Format.time(microseconds: coldTotal.p50Microseconds))"
        )
        return SandboxBackendResult.Measured(
            warmLibrary: warmLibrary, warmCLI: warmCLI, cold: coldTotal,
            coldStart: latencies(\.start), coldExecute: latencies(\.execute), coldStop: latencies(\.stop),
            coldOverWarmLibrary: CycleRatio(coldTotal, over: warmLibrary),
            coldOverWarmCLI: CycleRatio(coldTotal, over: warmCLI),
            warmPoolStartSeconds: startSeconds
        )
    }

    /// Whether `cycles` cycles spread evenly over `rounds` rounds put one in `round`; the unmeasured
    /// round -1 has one of each.
    private static func isScheduled(_ round: Int, cycles: Int, rounds: Int) -> Bool {
        round < 0 || (round + 1) * cycles / rounds > round * cycles / rounds
    }

    private func makePool(_ ledger: SQLiteLedger, name: String, minIdle: Int) async throws -> ContainerPool {
        let definition = try await ContainerPool.prepare(
            name: name, config: config, slotFolder: slotFolder + "/" + name, maxSize: 1, minIdle: minIdle
        )
        try await ledger.createPool(definition)
        return try ContainerPool(ledger: ledger, definition: definition)
    }

    /// A warm cycle that found no ready sandbox would have timed a start: the pool must still hold the one
    /// sandbox it started with, idle.
    private func checkWarmSandboxServedEveryCycle(_ pool: ContainerPool, slot: Slot) async throws {
        let slots = try await pool.pool.ledger.slots(pool: pool.pool.name)
        guard slots.count == 1, let only = slots.first, only.id == slot.id, only.state == .idle else {
            let states = slots.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
            throw BenchError("sandbox \(backend): the warm pool's sandbox was replaced during the run (\(states))")
        }
    }

    /// Removes the pool's sandboxes and checks that none of them still runs.
    private func stop(_ pool: ContainerPool) async throws {
        let report = try await pool.stop()
        if let failure = report.failures.first {
            throw BenchError("sandbox \(backend): could not stop \(failure.slot.name): \(failure.message)")
        }
        let folder = slotFolder + "/" + pool.pool.name
        let left = try await config.isolation.runningSandboxes(in: folder)
        guard left.isEmpty else {
            await stopEverything([pool])
            throw BenchError("sandbox \(backend): sandboxes still ran after the pool stopped: \(left.keys.sorted())")
        }
    }

    /// After a failure: stops every sandbox the pools started, leased or not, ledger or no ledger.
    private func stopEverything(_ pools: [ContainerPool]) async {
        let isolation = config.isolation
        for pool in pools {
            _ = try? await pool.stop()
            let running = (try? await isolation.runningSandboxes(in: slotFolder + "/" + pool.pool.name)) ?? [:]
            for record in running.values {
                try? await isolation.stop(record)
            }
        }
    }
}
