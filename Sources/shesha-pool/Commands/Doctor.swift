import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    struct Doctor: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Report drift between the database, the disk and git; --fix repairs what is safe.",
            discussion: """
                Finds dead and expired leases, slots stuck mid-way by dead processes, stray folders and \
                worktrees, missing or damaged slots. Exits 1 while a problem remains unfixed.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Repair: reclaim, recover, remove strays and broken or damaged unleased slots.")
        var fix = false

        @Flag(help: "Print the findings as JSON.")
        var json = false

        func perform() async throws {
            let pool = try await global.openPool()
            let findings = try await pool.doctor(fix: fix)
            if json {
                Console.output(try Console.json(findings))
            } else if findings.isEmpty {
                Console.output("pool '\(pool.name)': no problems found")
            } else {
                for finding in findings {
                    let subject = finding.slot ?? finding.path ?? "-"
                    let mark = finding.isFixed ? "fixed" : "found"
                    Console.output("\(mark)  \(finding.kind.rawValue)  \(subject)  \(finding.message)")
                }
            }
            if findings.contains(where: { !$0.isFixed }) {
                throw ExitCode(ExitCodes.failure)
            }
        }
    }
}
