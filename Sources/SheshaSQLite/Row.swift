internal import CSQLite

/// The current row of a statement being stepped. Valid only inside the closure that receives it.
public struct Row {
    let statement: Statement

    private var handle: OpaquePointer { statement.handle }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    public func int64(_ index: Int) -> Int64 {
        sqlite3_column_int64(handle, Int32(index))
    }

    public func int(_ index: Int) -> Int {
        Int(sqlite3_column_int64(handle, Int32(index)))
    }

    public func optionalInt64(_ index: Int) -> Int64? {
        isNull(index) ? nil : int64(index)
    }

    public func double(_ index: Int) -> Double {
        sqlite3_column_double(handle, Int32(index))
    }

    /// The column as text; a NULL column throws (use `optionalString` where NULL is expected).
    public func string(_ index: Int) throws -> String {
        guard let text = optionalString(index) else {
            throw SQLiteError(code: .SQLITE_MISMATCH, message: "column \(index) is NULL", sql: statement.sql)
        }
        return text
    }

    public func optionalString(_ index: Int) -> String? {
        // Text may hold NUL characters: read its byte count (after the text, as SQLite advises), not up to a NUL.
        guard let text = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func value(_ index: Int) -> SQLiteValue {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return optionalString(index).map(SQLiteValue.text) ?? .null
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, Int32(index)))
            guard count > 0, let bytes = sqlite3_column_blob(handle, Int32(index)) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }
}

@available(*, unavailable)
extension Row: Sendable {}
