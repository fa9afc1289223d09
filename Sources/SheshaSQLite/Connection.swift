internal import CSQLite
import Glibc
import SheshaSystem

/// One connection to a SQLite database file. Not thread-safe: use it from one thread (or one actor) at a time.
///
/// Opening validates that the file is a SQLite database before anything else, and never changes the file;
/// `enableWAL()` is the first write, and the caller decides when it is safe to make.
public final class Connection {
    let handle: ConnectionHandle
    public let path: String
    private var cachedStatements: [String: Statement] = [:]
    let busyHandler: BusyHandler?
    public let busyPolicy: BusyPolicy
    /// Set by `deferCheckpoints`; SQLite's WAL hook points at it, so the connection keeps it alive.
    var checkpointRequest: CheckpointRequest?

    /// SQLite 3.37 introduced STRICT tables, which the schema uses.
    public static let minimumLibraryVersion: Int32 = 3_037_000

    /// Opens (and, with `create`, creates with owner-only permissions) the database at `path`.
    public init(path: String, create: Bool = true, busyPolicy: BusyPolicy = .default) throws {
        let version = sqlite3_libversion_number()
        guard version >= Self.minimumLibraryVersion else {
            throw SQLiteError(
                code: .SQLITE_ERROR,
                message: "SQLite \(String(cString: sqlite3_libversion())) is too old; 3.37 or newer is required"
            )
        }
        if create {
            try Self.createOwnerOnly(path: path)
        }
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard let pointer else {
            throw SQLiteError(code: .SQLITE_NOMEM, message: "sqlite3_open_v2 returned no handle for \(path)")
        }
        // The handle is owned from here on, so a failed open still closes it.
        let handle = ConnectionHandle(pointer)
        try handle.check(code)
        self.handle = handle
        self.path = path
        self.busyPolicy = busyPolicy
        self.busyHandler = BusyHandler.install(busyPolicy, on: pointer)
        try configure()
    }

    deinit {
        cachedStatements.removeAll()
        if !handle.isClosed {
            sqlite3_busy_handler(handle.pointer, nil, nil)
            sqlite3_wal_hook(handle.pointer, nil, nil)
        }
    }

    /// Closes the connection now, reporting statements that are still alive.
    public func close() throws {
        cachedStatements.removeAll()
        try handle.close()
    }

    private func configure() throws {
        // Double-quoted strings are identifiers only; defensive mode forbids writes that corrupt the file.
        var ignored: Int32 = 0
        _ = csqlite_db_config_int(handle.pointer, SQLITE_DBCONFIG_DQS_DML, 0, &ignored)
        _ = csqlite_db_config_int(handle.pointer, SQLITE_DBCONFIG_DQS_DDL, 0, &ignored)
        _ = csqlite_db_config_int(handle.pointer, SQLITE_DBCONFIG_DEFENSIVE, 1, &ignored)
        // Reading the schema fails fast with SQLITE_NOTADB on a file that is not a database.
        _ = try scalarInt("SELECT count(*) FROM sqlite_master")
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")
    }

    /// Switches the file to write-ahead logging (a write to the file header) and checks that it took.
    ///
    /// The switch reads the header, then upgrades to a write, and SQLite does not call the busy handler for
    /// that upgrade: while another connection writes in rollback mode (or is switching the same new file),
    /// it fails with SQLITE_BUSY at once. So retry here, for as long as the busy policy would wait.
    public func enableWAL() throws {
        let clock = ContinuousClock()
        let deadline = clock.now + busyPolicy.timeout
        var mode: String?
        while true {
            do {
                mode = try query("PRAGMA journal_mode = WAL") { try $0.string(0) }.first
                break
            } catch let error as SQLiteError where ResultCode.SQLITE_BUSY ~= error.code && clock.now < deadline {
                usleep(1_000)
            }
        }
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(
                code: .SQLITE_ERROR,
                message: "could not switch \(path) to WAL journal mode (got \(mode ?? "nothing"))"
            )
        }
    }

    /// Creates the folder (0700) and the file (0600) unless they exist; SQLite gives its -wal and -shm
    /// files the permissions of the database file.
    private static func createOwnerOnly(path: String) throws {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty {
            try createFolders(folder)
        }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw SystemError.last("open", path: path)
        }
    }

    private static func createFolders(_ folder: String) throws {
        var current = folder.hasPrefix("/") ? "" : "."
        for component in folder.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw SystemError.last("mkdir", path: current)
            }
        }
    }

    // MARK: Statements

    /// A prepared statement for `sql`, reused across calls. `sql` must be a constant: values go in arguments.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = cachedStatements[sql] {
            return statement
        }
        let statement = try Statement(connection: handle, sql: sql)
        cachedStatements[sql] = statement
        return statement
    }

    /// Runs one statement that returns no rows, and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> Int {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        while try statement.step() {}
        return Int(sqlite3_changes(handle.pointer))
    }

    /// Runs a script of several statements without arguments (migrations).
    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle.pointer, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? handle.errorMessage
            sqlite3_free(message)
            throw SQLiteError(code: ResultCode(rawValue: code), message: text, sql: sql)
        }
    }

    /// Runs a query and maps each row.
    public func query<T>(
        _ sql: String,
        _ arguments: [any SQLiteBindable] = [],
        _ transform: (Row) throws -> T
    ) throws -> [T] {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        var results: [T] = []
        while try statement.step() {
            results.append(try transform(statement.row))
        }
        return results
    }

    /// Runs a query and maps its first row, if any.
    public func queryFirst<T>(
        _ sql: String,
        _ arguments: [any SQLiteBindable] = [],
        _ transform: (Row) throws -> T
    ) throws -> T? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        return try statement.step() ? transform(statement.row) : nil
    }

    /// The first column of the first row as an integer (NULL or no row gives nil).
    public func scalarInt(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> Int64? {
        try queryFirst(sql, arguments) { $0.optionalInt64(0) } ?? nil
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle.pointer) }

    /// True while a transaction is open.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle.pointer) == 0 }
}

// One connection per thread of control at a time: wrap it in an actor to share it.
@available(*, unavailable)
extension Connection: Sendable {}
