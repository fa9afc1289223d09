import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    struct Cleanup: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "cleanup",
            abstract: "Reclaim dead leases, retire old or broken slots, and remove stray resources.",
            discussion: """
                Safe from cron and when several run at once: never touches a leased slot or one a live \
                process is working on. Prints one summary line (--json for detail). Example crontab line:
                  17 * * * * shesha-pool --db /var/lib/ci/pool.db cleanup --max-age 7d --idle-for 1d
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Retire idle slots older than this (e.g. 7d).", valueName: "duration"))
        var maxAge: HumanDuration?

        @Option(help: ArgumentHelp("Retire idle slots unused for this long (e.g. 12h).", valueName: "duration"))
        var idleFor: HumanDuration?

        @Flag(help: "Show what would be done; change nothing.")
        var dryRun = false

        @Flag(help: "Print the details as JSON.")
        var json = false

        func perform() async throws {
            let pool = try await global.openPool()
            let report = try await pool.cleanup(
                Pool.CleanupOptions(maxAge: maxAge?.duration, idleFor: idleFor?.duration, dryRun: dryRun)
            )
            if json {
                Console.output(try Console.json(CleanupJSON(report)))
            } else {
                Console.output(report.summary)
            }
            for failure in report.failures {
                Console.error(failure)
            }
            if !report.failures.isEmpty {
                throw ExitCode(ExitCodes.failure)
            }
        }
    }
}

struct CleanupJSON: Encodable {
    var dryRun: Bool
    var reclaimedLeases: [LeaseJSON]
    var recoveredSlots: [String]
    var stoppedWork: [String]
    var retiredSlots: [String]
    var strayResources: [String]
    var failures: [String]

    init(_ report: Pool.CleanupReport) {
        dryRun = report.dryRun
        reclaimedLeases = report.reclaimedLeases.map(LeaseJSON.init)
        recoveredSlots = (report.recoveredSlots + report.removedOrphans).map(\.name)
        stoppedWork = report.stoppedWork.map(\.name)
        retiredSlots = report.retired.map(\.name)
        strayResources = report.strays
        failures = report.failures
    }
}
