import ArgumentParser
import SheshaCommandLine
import Foundation
import PoolCore

extension SheshaPool {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a lease; the slot is reset and returned to the pool.",
            discussion: """
                By holder, the lease must belong to the calling process (or --owner-pid) unless --force. \
                By token, the token is the proof; a token whose lease is already gone is an error (exit 1). \
                A holder that holds no lease is a usage error (exit 64).
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The holder whose lease to end.", valueName: "id"))
        var holder: String?

        @Option(help: ArgumentHelp("The lease's fencing token, as `acquire --json` printed it.", valueName: "n"))
        var token: Int64?

        @Option(help: ArgumentHelp("The process the lease belongs to. Default: the parent process.", valueName: "pid"))
        var ownerPid: Int32?

        @Flag(help: "Release a holder's lease even if another process owns it.")
        var force = false

        func validate() throws {
            guard (holder == nil) != (token == nil) else {
                throw ValidationError("pass exactly one of --holder or --token")
            }
            if let holder {
                try validateHolder(holder)
            }
            if let token, token < 1 {
                throw ValidationError("--token must be a positive number (got \(token))")
            }
        }

        func run() async throws {
            let pool = try await global.openPool()
            let token: FencingToken
            if let holder {
                guard let lease = try await pool.ledger.lease(pool: pool.name, holder: holder) else {
                    throw PoolError.noLease(pool: pool.name, holder: holder)
                }
                if !force {
                    let caller = try resolveOwner(ownerPid)
                    guard lease.owner == caller || !lease.owner.isRunning else {
                        throw CLIError.notOwner(holder: holder, owner: "\(lease.owner)")
                    }
                }
                token = lease.token
            } else {
                token = FencingToken(rawValue: self.token ?? 0)
            }
            let slot = try await pool.release(token: token)
            Console.message("released \(slot.name) (lease \(token))")
        }
    }
}
