import ArgumentParser

/// The start-up reference of the benchmark: the least a command-line tool built like `shesha-pool` can
/// cost, a static Swift program parsing three subcommands with swift-argument-parser and doing nothing else.
/// `shesha-pool acquire`, `release` and `status` are measured against it in the same run.
@main
struct StartupReference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup-reference",
        abstract: "Parses a subcommand and prints one line; the start-up reference of the benchmark.",
        subcommands: [Acquire.self, Release.self, Status.self]
    )

    struct Acquire: ParsableCommand {
        @Option(help: "Who takes the lease.") var holder: String
        @Option(help: "The process that owns the lease.") var ownerPID: Int32?
        @Option(help: "The database.") var db: String?
        @Option(help: "The pool.") var pool: String?

        func run() {
            print("/slots/\(holder)")
        }
    }

    struct Release: ParsableCommand {
        @Option(help: "Who gives the lease back.") var holder: String
        @Option(help: "The process that owns the lease.") var ownerPID: Int32?
        @Option(help: "The database.") var db: String?
        @Option(help: "The pool.") var pool: String?

        func run() {}
    }

    struct Status: ParsableCommand {
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "The database.") var db: String?
        @Option(help: "The pool.") var pool: String?

        func run() {
            print(json ? "{}" : "empty")
        }
    }
}
