import ArgumentParser
import SheshaCommandLine
import PoolCore
import Worktrees

extension SheshaPool {
    struct Adopt: SheshaCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take existing worktrees of the pool's repository into the pool as idle slots.",
            discussion: """
                Each worktree is moved into the pool's slot folder under the pool's next slot name (so every \
                slot's path looks alike and `cleanup` can tell slots from strays) and checked out detached at \
                the base commit; its branch stays in the repository. It must be clean, ignored files aside, \
                unless --reset discards its changes. Every path is checked before anything changes: the \
                repository's main working tree, worktrees of other repositories, folders that are not \
                worktrees, and worktrees already in a pool are refused (exit 64), and so is adopting beyond \
                the pool's --max-size (exit 75: shrink or clean up first). A worktree that fails while it is \
                moved in is put back (exit 1); of several, those before it stay adopted and those after it are \
                not tried, and the message names each. Prints each new slot's path.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The worktrees to adopt.", valueName: "path"))
        var paths: [String]

        @Flag(help: "Discard uncommitted changes and untracked files in the worktrees first.")
        var reset = false

        @Flag(help: "Print the new slots as JSON.")
        var json = false

        func perform() async throws {
            let pool = try await WorktreePool(ledger: try global.openLedger(), name: global.poolName)
            let slots = try await pool.adopt(paths, reset: reset)
            Console.message("adopted \(slots.count) worktree\(slots.count == 1 ? "" : "s") into pool '\(global.poolName)'")
            if json {
                Console.output(try Console.json(zip(paths, slots).map { AdoptedSlot(from: $0, slot: $1.name, path: $1.path) }))
            } else {
                for slot in slots {
                    Console.output(slot.path)
                }
            }
        }
    }
}

/// One adopted worktree as `adopt --json` prints it.
struct AdoptedSlot: Encodable {
    /// The path the worktree had.
    var from: String
    var slot: String
    var path: String
}
