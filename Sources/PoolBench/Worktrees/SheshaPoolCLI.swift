import Foundation

/// The `shesha-pool` command line as a user's script calls it: a new process per command, one database,
/// one pool, leases owned by this bench process.
struct SheshaPoolCLI {
    let executable: String
    let database: String
    let pool: String
    let runner: TimedCommands
    private let owner = String(getpid())

    init(executable: String, database: String, pool: String, runner: TimedCommands) {
        self.executable = executable
        self.database = database
        self.pool = pool
        self.runner = runner
    }

    /// The subcommand and its options, then the global options (which follow the subcommand).
    private func arguments(_ command: [String]) -> [String] {
        command + ["--db", database, "--pool", pool]
    }

    func initWorktree(repository: String, slotFolder: String, maxSize: Int) throws {
        try runner.run(
            executable,
            arguments(["init", "worktree", "--repo", repository, "--dir", slotFolder, "--max-size", String(maxSize)]),
            log: "init"
        )
    }

    func expand(by count: Int, parallel: Int) throws {
        try runner.run(executable, arguments(["expand", String(count), "--parallel", String(parallel)]), log: "expand")
    }

    /// Times `acquire`; returns the time and the slot's path.
    func acquire(holder: String) throws -> (nanoseconds: Int64, path: String) {
        let finished = try runner.run(executable, acquireArguments(holder), log: "acquire")
        return (finished.nanoseconds, try slotPath(finished.stdout))
    }

    /// Times `release` (which resets the slot).
    func release(holder: String) throws -> Int64 {
        try runner.run(executable, arguments(["release", "--holder", holder, "--owner-pid", owner]), log: "release")
            .nanoseconds
    }

    /// Starts one `acquire` per holder at once; returns the wall time until the last exits, and the paths.
    func acquireTogether(holders: [String]) throws -> (nanoseconds: Int64, paths: [String]) {
        let (nanoseconds, stdouts) = try runner.runTogether(
            holders.map { (executable, acquireArguments($0)) }, log: "acquire-together"
        )
        return (nanoseconds, try stdouts.map(slotPath))
    }

    func releaseTogether(holders: [String]) throws {
        _ = try runner.runTogether(
            holders.map { (executable, arguments(["release", "--holder", $0, "--owner-pid", owner])) },
            log: "release-together"
        )
    }

    func help() throws -> Int64 {
        try runner.run(executable, ["--help"], log: "help").nanoseconds
    }

    func status() throws -> Int64 {
        try runner.run(executable, arguments(["status"]), log: "status").nanoseconds
    }

    private func acquireArguments(_ holder: String) -> [String] {
        arguments(["acquire", "--holder", holder, "--owner-pid", owner])
    }

    private func slotPath(_ stdout: String) throws -> String {
        let path = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard path.hasPrefix("/") else { throw BenchError("`shesha-pool acquire` printed '\(path)', not a path") }
        return path
    }
}
