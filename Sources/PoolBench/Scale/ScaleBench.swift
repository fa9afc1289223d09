import PoolCore

/// The scale section: one process's acquire+release on pools of different sizes and histories, each
/// against its own database, all kept open and measured in turn in every repetition, so that each ratio
/// to the 10-slot pool compares runs made moments apart.
struct ScaleBench {
    var options: BenchOptions
    var folder: WorkFolder

    /// A pool shape to measure.
    struct Shape {
        var label: String
        var slots: Int
        /// Acquire+release cycles run before measuring, to fill the event table.
        var historyCycles: Int
    }

    struct Case: Codable {
        var label: String
        var slots: Int
        var historyCycles: Int
        /// Rows in the event table when measuring began.
        var events: Int
        var p50Microseconds: Spread
        var p99Microseconds: Spread
        /// Against the first case (10 slots) of the same repetition.
        var p50Ratio: Spread
        var p99Ratio: Spread
    }

    struct Section: Codable {
        var fileSystem: String
        var repetitions: Int
        var cyclesPerRepetition: Int
        var cases: [Case]

        var heading: String {
            """
            SCALE: one process, Pool.acquire + Pool.release on a no-op backend, project busy strategy \
            (\(fileSystem)); \(Format.count(cyclesPerRepetition)) cycles per case per repetition, \
            \(Format.plural(repetitions, "repetition")), the cases interleaved; ratios to the 10-slot pool in the same \
            repetition
            """
        }

        var table: String {
            var table = TextTable(["pool", "events", "p50", "p99", "p50 vs 10 slots", "p99 vs 10 slots"])
            for shape in cases {
                table.add([
                    shape.label, Format.count(shape.events), Format.time(shape.p50Microseconds),
                    Format.time(shape.p99Microseconds), Format.ratio(shape.p50Ratio), Format.ratio(shape.p99Ratio),
                ])
            }
            return table.render()
        }
    }

    var shapes: [Shape] {
        [
            Shape(label: "10 slots", slots: 10, historyCycles: 0),
            Shape(label: "1,000 slots", slots: 1_000, historyCycles: 0),
            Shape(label: "10,000 slots", slots: 10_000, historyCycles: 0),
            Shape(label: "10 slots, \(Format.count(options.historyCycles)) cycles of history", slots: 10,
                  historyCycles: options.historyCycles),
        ]
    }

    static let warmUpCycles = 100

    func run() async throws -> Section {
        let strategy = Strategy.project
        var loops: [CycleLoop] = []
        var events: [Int] = []
        for (index, shape) in shapes.enumerated() {
            let started = MonotonicTime.nanoseconds()
            let runFolder = try RunFolder.make(in: folder.path, name: "scale-\(index)")
            try await LedgerPool.create(
                database: runFolder.database, slotFolder: runFolder.slots, slots: shape.slots, strategy: strategy
            )
            let pool = try LedgerPool.open(database: runFolder.database, strategy: strategy)
            let loop = CycleLoop(pool: pool, holder: "solo")
            _ = try await loop.run(count: shape.historyCycles)
            loops.append(loop)
            events.append(try await loop.pool.ledger.events(pool: LedgerPool.name, since: nil).count)
            let seconds = Double(MonotonicTime.nanoseconds() - started) / 1e9
            let count = Format.count(events[index])
            printError("scale: made the pool '\(shape.label)' (\(count) events) in \(Format.digits(seconds)) s")
        }

        let repetitions = options.scaleRepetitions
        var p50s = Array(repeating: [Double](), count: shapes.count)
        var p99s = Array(repeating: [Double](), count: shapes.count)
        for repetition in 1...repetitions {
            for (index, loop) in loops.enumerated() {
                _ = try await loop.run(count: Self.warmUpCycles)
                let latency = LatencySummary(nanoseconds: try await loop.run(count: options.scaleCycles))
                p50s[index].append(latency.p50Microseconds)
                p99s[index].append(latency.p99Microseconds)
                printError(
                    "scale [\(repetition)/\(repetitions)] \(shapes[index].label): "
                        + "p50 \(Format.time(microseconds: latency.p50Microseconds)), "
                        + "p99 \(Format.time(microseconds: latency.p99Microseconds))"
                )
            }
        }

        return Section(
            fileSystem: MachineInfo.fileSystem(of: folder.path),
            repetitions: repetitions,
            cyclesPerRepetition: options.scaleCycles,
            cases: shapes.indices.map { index in
                Case(
                    label: shapes[index].label, slots: shapes[index].slots, historyCycles: shapes[index].historyCycles,
                    events: events[index], p50Microseconds: Spread(p50s[index]), p99Microseconds: Spread(p99s[index]),
                    p50Ratio: .ratios(p50s[index], p50s[0]), p99Ratio: .ratios(p99s[index], p99s[0])
                )
            }
        )
    }
}
