import ArgumentParser
import Foundation

@main
struct SheshaPool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shesha-pool",
        abstract: "Share pools of warm git worktrees between processes through one SQLite file.",
        discussion: """
            Every process does its own short transactions on the database; no daemon is needed. A lease taken \
            by `acquire` ends when its owner process dies (by default the calling shell), so in scripts pass \
            `--owner-pid $$`.

            Exit codes: 0 ok, 64 bad usage, 65 bad data (corrupt or newer database), 69 unavailable (git \
            missing), 75 temporary failure (pool exhausted, wait timed out), 1 anything else (such as a full \
            disk, or a database file deleted under a running command).
            """,
        version: "0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "Daily work", subcommands: [Acquire.self, Release.self, Run.self, Exec.self, Query.self, Status.self]),
            CommandGroup(
                name: "Administration",
                subcommands: [
                    Init.self, Expand.self, Shrink.self, Cleanup.self, Doctor.self, Refresh.self, Stats.self,
                ]
            ),
        ]
    )

    /// Like `AsyncParsableCommand.main()`, but domain errors print one line on stderr and exit with
    /// their documented code instead of 1.
    static func main() async {
        if CommandLine.arguments.dropFirst().first == ChildLauncher.trampolineCommand {
            ChildLauncher.runTrampoline(Array(CommandLine.arguments.dropFirst(2)))
        }
        // Past a file size limit (ulimit -f) a write raises SIGXFSZ, which kills the process when the writing
        // thread does not block it (the main thread does not; Dispatch's worker threads do). Caught, the
        // write fails with EFBIG, reported like any other error. A handler, unlike SIG_IGN, is reset by
        // exec, so git and `run`'s command keep the default.
        signal(SIGXFSZ) { _ in }
        var command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot(
                LeadingGlobalOptions.moveAfterCommand(Array(CommandLine.arguments.dropFirst()))
            )
        } catch {
            // The parser takes `-1` for an option, and then reports a value as missing. (Words after `--`
            // belong to `run`'s command.)
            let ownWords = Array(CommandLine.arguments.dropFirst().prefix { $0 != "--" })
            if exitCode(for: error) == .validationFailure,
                let index = ownWords.firstIndex(where: { Int($0) ?? 0 < 0 })
            {
                let subject = index > 0 && ownWords[index - 1].hasPrefix("--") ? ownWords[index - 1] : "the count"
                Console.error("\(subject) cannot be negative (got \(ownWords[index]))")
                exit(withError: ExitCode(ExitCodes.usage))
            }
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let code = ExitCodes.code(for: error) {
                Console.error("\(ExitCodes.message(for: error))")
                exit(withError: ExitCode(code))
            }
            exit(withError: error)
        }
    }
}
