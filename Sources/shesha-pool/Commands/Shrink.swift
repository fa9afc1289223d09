import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    struct Shrink: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "shrink",
            abstract: "Remove up to N idle slots, least recently used first.",
            discussion: "Leased slots and slots being prepared are never touched."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "How many idle slots to remove at most.")
        var count: Int

        func validate() throws {
            guard (1...10_000).contains(count) else {
                throw ValidationError("the count must be between 1 and 10000 (got \(count))")
            }
        }

        func perform() async throws {
            let pool = try await global.openPool()
            let report = try await pool.shrink(by: count, progress: Console.progress("removing slots"))
            Console.message("removed \(report.removed.count) idle slots" + (report.removed.count < count ? " (no more idle ones)" : ""))
            for failure in report.failures {
                Console.error("\(failure.slot.name): \(failure.message)")
            }
            if !report.failures.isEmpty {
                throw ExitCode(ExitCodes.failure)
            }
        }
    }
}
