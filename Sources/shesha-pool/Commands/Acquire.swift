import ArgumentParser
import SheshaCommandLine
import Foundation
import PoolCore

extension SheshaPool {
    struct Acquire: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "acquire",
            abstract: "Lease a clean slot and print its path.",
            discussion: """
                The lease belongs to --owner-pid (default: the calling process, usually your shell) and ends \
                when that process dies, on `release`, or after --ttl. In a script, pass --owner-pid $$: \
                the default would be the short-lived subshell of $( ), which frees the slot at once.
                  cd "$(shesha-pool acquire --holder job-42 --owner-pid $$)"
                Acquiring again with the same holder prints the same slot.

                With --branch, the slot checks out that branch (made at --from, default the pool's base \
                commit, if it does not exist) for your commits; a branch checked out in another worktree is \
                refused. Release returns the slot to the detached base; the branch and its commits stay.
                  cd "$(shesha-pool acquire --holder agent-7 --branch task/7 --owner-pid $$)"

                Each live lease has an index, the smallest number from 0 up that no other live lease of the \
                pool holds (for ports and test databases); --json prints it with the branch.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Who holds the lease (one lease per holder and pool).", valueName: "id"))
        var holder: String

        @Option(help: ArgumentHelp("Wait this long if every slot is taken (e.g. 5m).", valueName: "duration"))
        var wait: HumanDuration?

        @Option(help: ArgumentHelp("End the lease by itself after this long.", valueName: "duration"))
        var ttl: HumanDuration?

        @Option(help: ArgumentHelp("The process whose death ends the lease. Default: the parent process.", valueName: "pid"))
        var ownerPid: Int32?

        @OptionGroup var branch: TaskBranchOptions

        @Flag(help: "Print slot, path, token, index, branch and expiry as JSON.")
        var json = false

        func validate() throws {
            try validateHolder(holder)
            if let ttl, ttl.duration < .seconds(1) {
                throw ValidationError("--ttl must be at least 1s (got \(ttl))")
            }
        }

        func perform() async throws {
            let owner = try resolveOwner(ownerPid)
            let pool = try await global.openPool()
            let lease = try await pool.acquire(
                holder: holder, wait: wait?.duration, ttl: ttl?.duration, owner: owner, branch: branch.taskBranch
            )
            Console.output(json ? try Console.json(LeaseJSON(lease)) : lease.path)
        }
    }
}

struct LeaseJSON: Encodable {
    var pool: String
    var holder: String
    var slot: String
    var path: String
    var token: Int64
    var index: Int
    var branch: String?
    var ownerPid: Int32
    var acquiredAt: String
    var expiresAt: String?

    init(_ lease: Lease) {
        pool = lease.pool
        holder = lease.holder
        slot = lease.slotName
        path = lease.path
        token = lease.token.rawValue
        index = lease.index
        branch = lease.branch
        ownerPid = lease.owner.pid
        acquiredAt = lease.acquiredAt.iso8601
        expiresAt = lease.expiresAt?.iso8601
    }
}

extension Timestamp {
    var iso8601: String {
        Date(timeIntervalSince1970: Double(microsecondsSince1970) / 1_000_000).formatted(.iso8601)
    }
}
