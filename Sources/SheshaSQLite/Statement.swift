internal import CSQLite

/// A prepared statement. Values are bound to `?` placeholders, never spliced into the SQL text.
public final class Statement {
    let handle: OpaquePointer
    let connection: ConnectionHandle
    public let sql: String

    init(connection: ConnectionHandle, sql: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.pointer, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        try connection.check(code, sql: sql)
        guard let handle else {
            // A string holding only whitespace or comments prepares to no statement.
            throw SQLiteError(code: .SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Resets the statement and binds `arguments` to its placeholders in order.
    public func bind(_ arguments: [any SQLiteBindable]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw SQLiteError(
                code: .SQLITE_RANGE,
                message: "statement takes \(expected) arguments, \(arguments.count) given",
                sql: sql
            )
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument.sqliteValue {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let value): code = sqlite3_bind_int64(handle, index, value)
            case .real(let value): code = sqlite3_bind_double(handle, index, value)
            case .text(let value):
                // An explicit byte count, not -1: text may hold NUL characters, which -1 would cut at.
                let byteCount = sqlite3_uint64(value.utf8.count)
                code = sqlite3_bind_text64(handle, index, value, byteCount, SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT)
                }
            }
            try connection.check(code, sql: sql)
        }
    }

    /// Advances to the next row: true when a row is available, false when the statement is done.
    /// Any other outcome throws.
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            // Read the message before reset, which would overwrite it.
            let error = SQLiteError(code: ResultCode(rawValue: code), message: connection.errorMessage, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Releases the statement's read snapshot and locks; call when done stepping early.
    public func reset() {
        sqlite3_reset(handle)
    }

    var row: Row { Row(statement: self) }
}

// A statement belongs to one connection, used by one thread at a time.
@available(*, unavailable)
extension Statement: Sendable {}

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the bind call returns.
/// Swift does not import the macro, which casts -1 to a function pointer.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
