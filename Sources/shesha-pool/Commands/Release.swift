import ArgumentParser
import SheshaCommandLine
import Foundation
import PoolCore

extension SheshaPool {
    struct Release: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "End a lease; the slot is reset in the background and returned to the pool.",
            discussion: """
                Release returns once the slot is marked dirty; a resetter in a session of its own resets it \
                and makes it idle (or broken, with the error in `status` and `doctor`). --wait-reset returns \
                only after the reset. Sandbox pools always reset before returning.

                By holder, the lease must belong to the calling process (or --owner-pid) unless --force. \
                By token, the token is the proof; a token whose lease is already gone is an error (exit 1). \
                A holder that holds no lease is a usage error (exit 64).
                """
        )

        @OptionGroup var global: GlobalOptions

        @OptionGroup var lease: LeaseOptions

        @Flag(help: "Reset the slot before returning, instead of in the background.")
        var waitReset = false

        func perform() async throws {
            let pool = try await global.openPool()
            let token = try await lease.ownedLease(in: pool).token
            let slot = try await pool.release(token: token, waitForReset: waitReset)
            let after = slot.state == .dirty ? "resetting in the background" : "now \(slot.state.rawValue)"
            Console.message("released \(slot.name) (lease \(token)); \(after)")
        }
    }
}
