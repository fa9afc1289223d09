import ArgumentParser
import SheshaCommandLine
import FoundationEssentials
import PoolCore

extension SheshaPool {
    struct Which: SheshaCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell which slot a folder is in.",
            discussion: """
                Prints the pool, slot, path and state of the slot that contains PATH (default: the current \
                folder), however deep inside it and through symlinks, looking in every pool of the database; \
                and, if the slot is leased, its holder, token, index and branch. A path in no slot exits 1.
                  shesha-pool which --json
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("A file or folder. Default: the current folder.", valueName: "path"))
        var path: String?

        @Flag(help: "Print as JSON.")
        var json = false

        func perform() async throws {
            let ledger = try global.openLedger()
            let path = self.path ?? FileManager.default.currentDirectoryPath
            guard let location = try await ledger.slot(containing: path) else {
                Console.error("\(path) is in no slot of the pools in \(global.databasePath)")
                throw ExitCode.failure
            }
            let found = WhichJSON(location)
            if json {
                Console.output(try Console.json(found))
                return
            }
            let rows: [(String, String)] = [
                ("pool", found.pool), ("slot", found.slot), ("path", found.path), ("state", found.state),
                ("holder", found.holder ?? "-"), ("token", found.token.map(String.init) ?? "-"),
                ("index", found.index.map(String.init) ?? "-"), ("branch", found.branch ?? "-"),
            ]
            Console.output(
                rows.map { $0.0 + String(repeating: " ", count: max(1, 7 - $0.0.count)) + $0.1 }.joined(separator: "\n")
            )
        }
    }
}

struct WhichJSON: Encodable {
    var pool: String
    var slot: String
    var path: String
    var state: String
    var holder: String?
    var token: Int64?
    var index: Int?
    var branch: String?

    init(_ location: SlotLocation) {
        pool = location.slot.pool
        slot = location.slot.name
        path = location.slot.path
        state = location.slot.state.rawValue
        holder = location.lease?.holder
        token = location.lease?.token.rawValue
        index = location.lease?.index
        branch = location.lease?.branch
    }
}
