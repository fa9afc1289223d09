import ArgumentParser
import SheshaCommandLine
import PoolCore
import Worktrees

extension SheshaPool {
    struct Refresh: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh",
            abstract: "Move idle slots to the base ref's current commit.",
            discussion: """
                Setup commands run again only where a --lockfile changed. Leased and dirty slots move when \
                they are next reset.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Run `git fetch --all` in the repository first.")
        var fetch = false

        func perform() async throws {
            let ledger = try global.openLedger()
            let pool = try await WorktreePool(ledger: ledger, name: global.poolName)
            let result = try await pool.refresh(fetch: fetch)
            Console.message("moved \(result.moved.count) idle slots to \(result.commit.prefix(12))")
            for failure in result.failures {
                Console.error("\(failure.slot.name): \(failure.message)")
            }
            if !result.failures.isEmpty {
                throw ExitCode(ExitCodes.failure)
            }
        }
    }
}
