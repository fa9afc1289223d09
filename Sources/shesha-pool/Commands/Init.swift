public import ArgumentParser
import SheshaCommandLine
import FoundationEssentials
import Glibc
public import PoolCore
import Sandbox
import Worktrees
import SheshaSystem

extension ExhaustionPolicy: ExpressibleByArgument {}

extension SheshaPool {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a pool.",
            subcommands: [InitWorktree.self, InitContainer.self]
        )
    }

    struct InitWorktree: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "worktree",
            abstract: "Create a pool of git worktrees of one repository.",
            discussion: """
                Checks the repository, the base ref and the slot folder before touching the database. \
                With --min-idle N, creates N idle slots at once.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The git repository to check out.", valueName: "path"))
        var repo: String

        @Option(help: ArgumentHelp("The branch, tag or commit slots are checked out at.", valueName: "ref"))
        var base = "HEAD"

        @Option(
            help: ArgumentHelp(
                "The folder for the slots (empty or new; outside the repository). Default: beside the database.",
                valueName: "dir"
            )
        )
        var dir: String?

        @OptionGroup var size: PoolSizeOptions

        @Option(help: ArgumentHelp("A shell command to run in each new slot (repeatable), e.g. 'npm ci'.", valueName: "cmd"))
        var setup: [String] = []

        @Option(
            help: ArgumentHelp(
                "How long one setup command may run before it is stopped and its slot marked broken (e.g. 45m).",
                valueName: "duration"
            )
        )
        var setupTimeout = HumanDuration(argument: "30m")!

        @Option(
            help: ArgumentHelp(
                "How long one git command of the pool may run before it is stopped; also the limit for copying a slot's --copy files.",
                valueName: "duration"
            )
        )
        var gitTimeout = HumanDuration(argument: "10m")!

        @Option(help: ArgumentHelp("A file whose change reruns setup on refresh (repeatable).", valueName: "file"))
        var lockfile: [String] = []

        @Option(
            help: ArgumentHelp(
                "A gitignore-style pattern, relative to the repository's root, of ignored files to copy from the "
                    + "main working tree into each new slot (repeatable), e.g. .env or 'node_modules/'. Patterns in "
                    + ".worktreeinclude at the repository's root are added.",
                valueName: "pattern"
            )
        )
        var copy: [String] = []

        @Flag(help: "Keep ignored files (build caches) across holders, or clean them on every reset.")
        var ignored: IgnoredFiles = .keepIgnored

        enum IgnoredFiles: EnumerableFlag {
            case keepIgnored, cleanIgnored
        }

        @Flag(help: "Print the pool's settings as JSON.")
        var json = false

        func validate() throws {
            if setup.contains(where: { $0.trimmingWhitespace().isEmpty }) {
                throw ValidationError("--setup needs a command; remove the empty one")
            }
            for (flag, limit) in [("--setup-timeout", setupTimeout), ("--git-timeout", gitTimeout)]
            where limit.duration <= .zero {
                throw ValidationError("\(flag) must be longer than zero (got '\(limit)'); pass e.g. \(flag) 10m")
            }
        }

        func perform() async throws {
            let existingLedger = try await PoolCreation.existingLedger(global)
            let slotFolder = PoolCreation.slotFolder(global, dir: dir)
            // Everything about the repository is checked before the database is created.
            let definition = try await WorktreePool.prepare(
                name: global.poolName, repository: repo, baseRef: base, slotFolder: slotFolder,
                maxSize: size.maxSize, minIdle: size.minIdle, onExhausted: size.onExhausted, setup: setup,
                cleanIgnored: ignored == .cleanIgnored, lockfiles: lockfile,
                setupTimeout: setupTimeout.duration, gitTimeout: gitTimeout.duration, copyPatterns: copy
            )
            let ledger = try existingLedger ?? SQLiteLedger(path: global.databasePath)
            try await ledger.createPool(definition)
            let config = try WorktreeConfig(json: definition.config)
            Console.message(
                "created worktree pool '\(global.poolName)' of \(config.repository) at \(config.baseRef) "
                    + "(\(config.baseCommit.prefix(12))); slots go in \(definition.slotFolder)"
            )
            if size.minIdle > 0 {
                let pool = try WorktreePool(ledger: ledger, definition: definition).pool
                let report = try await pool.expand(by: size.minIdle, progress: Console.progress("creating slots"))
                try Expand.reportOutcome(report)
            }
            if json {
                Console.output(try Console.json(PoolSettings(definition: definition, worktree: config, container: nil)))
            }
        }
    }
}

/// A pool's settings as `--json` prints them.
struct PoolSettings: Encodable {
    var name: String
    var kind: String
    var slotFolder: String
    var maxSize: Int
    var minIdle: Int
    var onExhausted: String
    var worktree: WorktreeConfig?
    var container: ContainerConfig?

    init(definition: PoolDefinition, worktree: WorktreeConfig?, container: ContainerConfig?) {
        name = definition.name
        kind = definition.kind
        slotFolder = definition.slotFolder
        maxSize = definition.maxSize
        minIdle = definition.minIdle
        onExhausted = definition.onExhausted.rawValue
        self.worktree = worktree
        self.container = container
    }
}

/// What every `init` does before and after its kind's own checks.
enum PoolCreation {
    /// The database's ledger when the file exists, after checking it has no pool of this name: in an
    /// existing database that is the real problem, so it is reported before the kind's checks (whose
    /// "slot folder is not empty" would otherwise hide it). Nil when there is no database yet, which is
    /// only created once everything else has been checked.
    static func existingLedger(_ global: GlobalOptions) async throws -> SQLiteLedger? {
        guard FileManager.default.fileExists(atPath: global.databasePath) else { return nil }
        let ledger = try SQLiteLedger(path: global.databasePath)
        if try await ledger.poolNames().contains(global.poolName) {
            throw PoolError.poolExists(global.poolName)
        }
        return ledger
    }

    /// --dir, or a folder named after the pool beside the database.
    static func slotFolder(_ global: GlobalOptions, dir: String?) -> String {
        dir.map { URL(filePath: $0).standardizedFileURL.path(percentEncoded: false) }
            ?? URL(filePath: global.databasePath).deletingLastPathComponent().appending(path: global.poolName)
                .path(percentEncoded: false)
    }
}
