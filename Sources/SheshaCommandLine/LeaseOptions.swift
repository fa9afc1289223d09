public import ArgumentParser
import Foundation
public import PoolCore

/// How a command names the lease it acts on, and the check that the caller may: `--holder` (owned by the
/// calling process or `--owner-pid`, unless `--force` or its owner is dead) or `--token` (the token is the
/// proof). `release` and `exec` share it, so both check ownership the same way.
public struct LeaseOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("The holder whose lease to use.", valueName: "id"))
    public var holder: String?

    @Option(help: ArgumentHelp("The lease's fencing token, as `acquire --json` printed it.", valueName: "n"))
    public var token: Int64?

    @Option(help: ArgumentHelp("The process the lease belongs to. Default: the parent process.", valueName: "pid"))
    public var ownerPid: Int32?

    @Flag(help: "Use a holder's lease even if another live process owns it.")
    public var force = false

    public func validate() throws {
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

    /// The named lease, once the caller is allowed to act on it. A holder without a lease is `noLease`
    /// (a usage error); a token without one is `leaseLost`.
    public func ownedLease(in pool: Pool) async throws -> Lease {
        if let token {
            let wanted = FencingToken(rawValue: token)
            guard let lease = try await pool.ledger.leases(pool: pool.name).first(where: { $0.token == wanted }) else {
                throw PoolError.leaseLost(wanted)
            }
            return lease
        }
        guard let holder else { throw ValidationError("pass exactly one of --holder or --token") }
        guard let lease = try await pool.ledger.lease(pool: pool.name, holder: holder) else {
            throw PoolError.noLease(pool: pool.name, holder: holder)
        }
        if !force {
            let caller = try resolveOwner(ownerPid)
            guard lease.owner == caller || !lease.owner.isRunning else {
                throw CLIError.notOwner(holder: holder, owner: "\(lease.owner)")
            }
        }
        return lease
    }
}

/// Holder names go into messages and the database; reject unsafe ones as usage errors.
public func validateHolder(_ holder: String) throws {
    do {
        try Names.validate(holder, kind: "holder")
    } catch {
        throw ValidationError("\(error)")
    }
}

/// The owner process: the one named, or our parent (the shell that called us).
public func resolveOwner(_ pid: Int32?) throws -> ProcessIdentity {
    let wanted = pid ?? getppid()
    guard let owner = ProcessIdentity.running(pid: wanted) else {
        throw ValidationError("there is no running process with pid \(wanted) to own the lease; check --owner-pid")
    }
    return owner
}
