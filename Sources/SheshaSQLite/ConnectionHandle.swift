internal import CSQLite

/// Owns the `sqlite3*` so that statements can keep it alive without keeping their `Connection` alive
/// (the connection caches statements; a back reference from statement to connection would be a cycle).
final class ConnectionHandle {
    let pointer: OpaquePointer
    private(set) var isClosed = false

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Closes now; fails with `SQLITE_BUSY` while statements are still alive.
    func close() throws {
        guard !isClosed else { return }
        let code = sqlite3_close(pointer)
        guard code == SQLITE_OK else {
            throw SQLiteError(code: ResultCode(rawValue: code), message: errorMessage)
        }
        isClosed = true
    }

    /// The message of the last failed call. Valid only until the next call on this handle: read it at once.
    var errorMessage: String {
        sqlite3_errmsg(pointer).map { String(cString: $0) } ?? "unknown error"
    }

    /// The single place where a return code becomes an error.
    func check(_ code: Int32, sql: String? = nil) throws {
        guard code == SQLITE_OK else {
            throw SQLiteError(code: ResultCode(rawValue: code), message: errorMessage, sql: sql)
        }
    }

    deinit {
        // close_v2 defers the close until the last statement is finalized instead of failing.
        if !isClosed {
            sqlite3_close_v2(pointer)
        }
    }
}
