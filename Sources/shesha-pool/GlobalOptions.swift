import ArgumentParser
import Foundation
import PoolCore

/// `--db` and `--pool`, on every command.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The database file.",
            discussion: "Default: $SHESHA_POOL_DB, else $XDG_STATE_HOME/shesha-pool/pool.db, else ~/.local/state/shesha-pool/pool.db.",
            valueName: "path"
        )
    )
    var databaseOption: String?

    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp("The pool to work on. Default: $SHESHA_POOL, else 'default'.", valueName: "name")
    )
    var poolOption: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Flag, then `SHESHA_POOL_DB`, then the XDG state folder.
    var databasePath: String {
        if let path = databaseOption ?? environment["SHESHA_POOL_DB"], !path.isEmpty {
            return URL(filePath: path).standardizedFileURL.path(percentEncoded: false)
        }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/shesha-pool/pool.db"
    }

    var poolName: String {
        if let name = poolOption ?? environment["SHESHA_POOL"], !name.isEmpty {
            return name
        }
        return "default"
    }

    func validate() throws {
        do {
            try Names.validate(poolName, kind: "pool")
        } catch {
            throw ValidationError("\(error)")
        }
        if let path = databaseOption ?? environment["SHESHA_POOL_DB"], path.isEmpty {
            throw ValidationError("the database path is empty; pass --db PATH or unset SHESHA_POOL_DB")
        }
    }

    /// Opens the existing database; only `init` creates one, so a mistyped --db changes nothing.
    func openLedger() throws -> SQLiteLedger {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw CLIError.noDatabase(databasePath)
        }
        return try SQLiteLedger(path: databasePath)
    }
}
