import ArgumentParser
import SheshaCommandLine
import PoolCore

extension SheshaPool {
    /// The background resetter that `release` and `run` start in a session of their own (see
    /// `ReleaseReset.detachedProcess`). Safe to run by hand: it only claims a slot that is dirty.
    struct ResetSlot: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: Pool.resetCommand,
            abstract: "Reset one dirty slot (started by release and run).",
            shouldDisplay: false
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The slot's id in the database.", valueName: "slot-id"))
        var slotID: Int64

        func perform() async throws {
            let pool = try await global.openPool()
            try await pool.resetDirtySlot(id: slotID)
        }
    }
}
