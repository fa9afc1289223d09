import ArgumentParser
import Foundation
import SheshaCommandLine

@main
struct SheshaPool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shesha-pool",
        abstract: "Share pools of warm git worktrees and Python sandboxes between processes through one SQLite file.",
        discussion: """
            Every process does its own short transactions on the database; no daemon is needed. A lease taken \
            by `acquire` ends when its owner process dies (by default the calling shell), so in scripts pass \
            `--owner-pid $$`.

            Exit codes: 0 ok, 64 bad usage, 65 bad data (corrupt or newer database), 69 unavailable (git, \
            bwrap, python3 or a container engine missing), 75 temporary failure (pool exhausted, wait timed out), 1 anything else (such as a full \
            disk, or a database file deleted under a running command).
            """,
        version: "0.1.0",
        subcommands: [ResetSlot.self],
        groupedSubcommands: [
            CommandGroup(
                name: "Daily work",
                subcommands: [
                    Acquire.self, Release.self, Run.self, Exec.self, Query.self, Status.self, Path.self, Which.self,
                ]
            ),
            CommandGroup(
                name: "Administration",
                subcommands: [
                    Init.self, Adopt.self, Expand.self, Shrink.self, Cleanup.self, Doctor.self, Refresh.self, Stats.self,
                ]
            ),
        ]
    )

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == ChildLauncher.trampolineCommand {
            ChildLauncher.runTrampoline(Array(arguments.dropFirst()))
        }
        // `--db X --pool Y query …` hands over too, with the options after the command's name.
        let commandFirst = LeadingGlobalOptions.moveAfterCommand(arguments)
        if commandFirst.first == Query.commandName {
            Query.handOver(Array(commandFirst.dropFirst()))
        }
        await runAsShesha(arguments)
    }
}
