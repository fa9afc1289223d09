import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    struct Expand: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "expand",
            abstract: "Create N more idle slots, in parallel.",
            discussion: "Never grows the pool beyond its maximum size; says so when it stops short."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "How many slots to create.")
        var count: Int

        @Option(help: "How many slots to create at once.")
        var parallel = 4

        func validate() throws {
            guard (1...10_000).contains(count) else {
                throw ValidationError("the count must be between 1 and 10000 (got \(count))")
            }
            guard (1...64).contains(parallel) else {
                throw ValidationError("--parallel must be between 1 and 64 (got \(parallel))")
            }
        }

        func perform() async throws {
            let pool = try await global.openPool()
            let report = try await pool.expand(
                by: count, parallelism: parallel, progress: Console.progress("creating slots")
            )
            try Self.reportOutcome(report)
        }

        /// One summary line on stderr; failures listed, and exit 1 if any slot failed.
        static func reportOutcome(_ report: ExpandReport) throws {
            var line = "created \(report.created.count) of \(report.requested) slots"
            if report.reachedMaximum {
                line += "; the pool reached its maximum size (raise it with a new pool or shrink first)"
            }
            Console.message(line)
            for failure in report.failures {
                Console.error("\(failure.slot.name): \(failure.message)")
            }
            if !report.failures.isEmpty {
                throw ExitCode(ExitCodes.failure)
            }
        }
    }
}
