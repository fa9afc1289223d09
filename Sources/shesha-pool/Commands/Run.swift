import ArgumentParser
import SheshaCommandLine
import PoolCore
import Sandbox

extension SheshaPool {
    struct Run: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Acquire a slot, run a command inside it, release it.",
            discussion: """
                The command runs with the slot as working directory and SHESHA_POOL_SLOT, SHESHA_POOL_PATH, \
                SHESHA_POOL_TOKEN, SHESHA_POOL_INDEX (the smallest number from 0 up that no other live lease \
                of the pool holds, for ports and test databases) and SHESHA_POOL_BRANCH (empty without \
                --branch) set. Its output and exit code pass through; SIGINT and SIGTERM are \
                forwarded; the slot is released whatever happens, and reset in the background, so `run` exits \
                with the command's code without waiting for the reset. If `run` itself is killed, the command \
                is killed too and the slot is reclaimed by the next process that needs one.
                  shesha-pool run --holder ci-7 -- make test

                With --ttl the lease is renewed while the command runs. If it is lost all the same (released \
                with --force, or expired while this host was stalled), the command is stopped (SIGTERM, then \
                SIGKILL after 10 s; its whole process group if it leads one) and `run` exits 75.
                  shesha-pool run --holder ci-7 --ttl 5m -- make test

                With --branch the command runs on that branch (made at --from, default the pool's base \
                commit, if it does not exist); its commits stay on the branch after the slot is released.
                  shesha-pool run --holder ci-7 --branch task/7 -- make test
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Who holds the lease.", valueName: "id"))
        var holder: String

        @Option(help: ArgumentHelp("Wait this long if every slot is taken (e.g. 5m).", valueName: "duration"))
        var wait: HumanDuration?

        @Option(
            help: ArgumentHelp(
                "End the lease this long after its last renewal if run stops renewing it (e.g. 5m).",
                valueName: "duration"
            )
        )
        var ttl: HumanDuration?

        @OptionGroup var branch: TaskBranchOptions

        /// How long a command stopped for a lost lease gets between SIGTERM and SIGKILL.
        static let stopGrace = Duration.seconds(10)

        @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
        var command: [String] = []

        func validate() throws {
            try validateHolder(holder)
            if let ttl, ttl.duration < .seconds(1) {
                throw ValidationError("--ttl must be at least 1s (got \(ttl))")
            }
            guard !command.isEmpty else {
                throw ValidationError("give the command to run after --, e.g. `shesha-pool run --holder ci-7 -- make test`")
            }
        }

        func perform() async throws {
            let pool = try await global.openPool()
            // A command run in a sandbox's slot folder would run on the host, outside the sandbox.
            if pool.backend is ContainerBackend {
                throw PoolError.invalidArgument(
                    "pool '\(pool.name)' holds sandboxes, and `run` runs its command on this host; run Python in a "
                        + "sandbox with `shesha-pool acquire`, `shesha-pool exec` and `shesha-pool release`"
                )
            }
            // This process owns the lease: if it dies, the lease ends and its command dies with it.
            let lease = try await pool.acquire(
                holder: holder, wait: wait?.duration, ttl: ttl?.duration, owner: .current, branch: branch.taskBranch
            )
            let status: Int32
            do {
                let command = try await ChildLauncher.start(
                    self.command,
                    in: lease.path,
                    environment: [
                        "SHESHA_POOL_SLOT": lease.slotName,
                        "SHESHA_POOL_PATH": lease.path,
                        "SHESHA_POOL_TOKEN": String(lease.token.rawValue),
                        "SHESHA_POOL_INDEX": String(lease.index),
                        "SHESHA_POOL_BRANCH": lease.branch ?? "",
                    ]
                )
                // A lost lease cancels the wait, which stops the command.
                status = try await pool.withRenewal(of: lease, ttl: ttl?.duration) {
                    await command.exitStatus(stoppingAfterCancellationWithin: Self.stopGrace)
                }
            } catch PoolError.leaseLost(let token) where token == lease.token {
                Console.error(
                    "the lease \(token) on \(lease.slotName) was lost while the command ran (released by another "
                        + "process, or expired), so the command was stopped; run it again on a new lease"
                )
                throw ExitCode(ExitCodes.temporaryFailure)
            } catch {
                try? await pool.release(lease)
                throw error
            }
            try await pool.release(lease)
            if status != 0 {
                throw ExitCode(status)
            }
        }
    }
}
