public import ArgumentParser
import FoundationEssentials
import Glibc
import SheshaSystem
public import PoolCore
import SheshaSQLite

/// `--db` and `--pool`, on every command.
public struct GlobalOptions: ParsableArguments {
    public init() {}

    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The database file.",
            discussion: "Default: $SHESHA_POOL_DB, else $XDG_STATE_HOME/shesha-pool/pool.db, else ~/.local/state/shesha-pool/pool.db.",
            valueName: "path"
        )
    )
    public var databaseOption: String?

    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp("The pool to work on. Default: $SHESHA_POOL, else 'default'.", valueName: "name")
    )
    public var poolOption: String?

    /// Flag, then `SHESHA_POOL_DB`, then the XDG state folder.
    public var databasePath: String {
        if let path = databaseOption ?? environmentVariable("SHESHA_POOL_DB"), !path.isEmpty {
            return URL(filePath: path).standardizedFileURL.path(percentEncoded: false)
        }
        let state = environmentVariable("XDG_STATE_HOME").flatMap { $0.isEmpty ? nil : $0 }
            ?? (environmentVariable("HOME") ?? FileManager.default.homeDirectoryForCurrentUser.path(percentEncoded: false))
                + "/.local/state"
        return state + "/shesha-pool/pool.db"
    }

    public var poolName: String {
        if let name = poolOption ?? environmentVariable("SHESHA_POOL"), !name.isEmpty {
            return name
        }
        return "default"
    }

    public func validate() throws {
        // An empty name would otherwise fall back to 'default' without a word.
        if let name = poolOption ?? environmentVariable("SHESHA_POOL"), name.isEmpty {
            throw ValidationError("the pool name is empty; pass --pool NAME or unset SHESHA_POOL")
        }
        do {
            try Names.validate(poolName, kind: "pool")
        } catch {
            throw ValidationError("\(error)")
        }
        if let path = databaseOption ?? environmentVariable("SHESHA_POOL_DB"), path.isEmpty {
            throw ValidationError("the database path is empty; pass --db PATH or unset SHESHA_POOL_DB")
        }
        // Only looks at the path; SQLite would say no more than "unable to open database file".
        if isFolder(databasePath) {
            throw ValidationError(
                "the database path \(databasePath) is a folder; pass the path of a database file with --db, "
                    + "e.g. \(databasePath)/pool.db"
            )
        }
    }

    /// Opens the existing database; only `init` creates one, so a mistyped --db changes nothing.
    public func openLedger() throws -> SQLiteLedger {
        var info = stat()
        guard stat(databasePath, &info) == 0 else {
            throw CLIError.noDatabase(databasePath)
        }
        // SQLite takes an empty file for an empty database and would write the schema into it.
        guard info.st_size > 0 else {
            throw CLIError.emptyDatabase(databasePath)
        }
        try DatabaseFileCheck.validate(path: databasePath)
        return try SQLiteLedger(path: databasePath)
    }
}
