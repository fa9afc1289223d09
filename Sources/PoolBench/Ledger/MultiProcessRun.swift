/// `processes` worker processes cycling on one fresh database with `slots` slots, started together,
/// each for `duration`.
struct MultiProcessRun {
    var folder: RunFolder
    var processes: Int
    var slots: Int
    var strategy: Strategy
    var duration: Duration
    var executable: String

    static let warmUpCyclesPerProcess = 20
    /// Between the barrier's release and the start: enough for every polling worker to see it.
    static let startDelay: Duration = .milliseconds(100)
    static let readyTimeout: Duration = .seconds(120)

    func run() async throws -> RunResult {
        try await LedgerPool.create(
            database: folder.database, slotFolder: folder.slots, slots: slots, strategy: strategy
        )
        let barrier = StartBarrier(folder: folder.path + "/barrier")
        try barrier.prepare()

        var children: [ChildProcess] = []
        // Whatever happens, no worker outlives the run.
        defer {
            for child in children {
                child.kill()
                _ = try? child.wait()
            }
        }
        for index in 0..<processes {
            let holder = "worker-\(index)"
            let arguments = Worker.arguments(
                database: folder.database, strategy: strategy, holder: holder, barrier: barrier,
                output: folder.output(of: holder), warmUp: Self.warmUpCyclesPerProcess
            )
            children.append(try ChildProcess(executable: executable, arguments: arguments, label: holder))
        }

        try waitUntilReady(children, barrier: barrier)
        let start = MonotonicTime.nanoseconds() + Self.startDelay.nanoseconds
        try barrier.release(start: start, deadline: start + duration.nanoseconds)

        for child in children {
            let status = try child.wait()
            guard status == 0 else { throw BenchError("\(child.label) exited with status \(status)") }
        }
        let outputs = try children.map { try WorkerOutput.read(from: folder.output(of: $0.label)) }
        return RunResult(
            processes: processes, slots: slots, strategy: strategy,
            latenciesPerProcess: outputs.map(\.latencies),
            elapsedNanoseconds: (outputs.map(\.endedAt).max() ?? start) - start,
            latestStartNanoseconds: (outputs.map(\.startedAt).max() ?? start) - start
        )
    }

    private func waitUntilReady(_ children: [ChildProcess], barrier: StartBarrier) throws {
        let givingUp = MonotonicTime.nanoseconds() + Self.readyTimeout.nanoseconds
        while barrier.readyCount() < children.count {
            for child in children where try child.hasExited() {
                throw BenchError("\(child.label) exited with status \(child.exitStatus ?? 1) before the start")
            }
            guard MonotonicTime.nanoseconds() < givingUp else {
                throw BenchError("only \(barrier.readyCount()) of \(children.count) workers were ready in time")
            }
            MonotonicTime.sleep(until: MonotonicTime.nanoseconds() + 2_000_000)
        }
    }
}
