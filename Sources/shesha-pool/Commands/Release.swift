import ArgumentParser
import SheshaCommandLine
import Foundation
import PoolCore

extension SheshaPool {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "End a lease; the slot is reset and returned to the pool.",
            discussion: """
                By holder, the lease must belong to the calling process (or --owner-pid) unless --force. \
                By token, the token is the proof; a token whose lease is already gone is an error (exit 1). \
                A holder that holds no lease is a usage error (exit 64).
                """
        )

        @OptionGroup var global: GlobalOptions

        @OptionGroup var lease: LeaseOptions

        func run() async throws {
            let pool = try await global.openPool()
            let token = try await lease.ownedLease(in: pool).token
            let slot = try await pool.release(token: token)
            Console.message("released \(slot.name) (lease \(token))")
        }
    }
}
