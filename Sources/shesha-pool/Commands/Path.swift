import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    struct Path: SheshaCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the path of a holder's slot.",
            discussion: """
                Prints the folder of the slot the holder's live lease is on; a holder without one is a usage \
                error (exit 64).
                  cd "$(shesha-pool path --holder agent-7)"
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The holder whose slot to print.", valueName: "id"))
        var holder: String

        @Flag(help: "Print slot, path, token, index, branch and expiry as JSON.")
        var json = false

        func validate() throws {
            try validateHolder(holder)
        }

        func perform() async throws {
            let ledger = try global.openLedger()
            guard let lease = try await ledger.lease(pool: global.poolName, holder: holder) else {
                throw PoolError.noLease(pool: global.poolName, holder: holder)
            }
            Console.output(json ? try Console.json(LeaseJSON(lease)) : lease.path)
        }
    }
}
