public import FoundationEssentials

/// An error reported by SQLite: the extended result code, SQLite's message, and the SQL it concerned.
///
/// Bound values are never part of the error, so holder names or paths do not leak into logs.
public struct SQLiteError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public let code: ResultCode
    public let message: String
    public let sql: String?

    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = "SQLite error \(code.rawValue): \(message)"
        if let sql {
            text += " - while executing `\(sql)`"
        }
        if ResultCode.SQLITE_FULL ~= code || ResultCode.SQLITE_IOERR ~= code {
            // The usual causes, which SQLite's "disk I/O error" does not name.
            text += " (check free space, the file size limit (ulimit -f) and the disk)"
        }
        return text
    }

    public var errorDescription: String? { description }
}
