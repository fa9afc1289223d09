/// One schema change: a numbered SQL script, applied once, in order.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads the version and name from a file name such as `0001_init.sql`: decimal digits, an underscore,
    /// a name, and `.sql`.
    public init(fileName: String, sql: String) throws {
        guard fileName.hasSuffix(".sql") else {
            throw MigrationError.badFileName(fileName)
        }
        let parts = fileName.dropLast(4).split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isWholeNumber }),
            let version = Int(parts[0]), version > 0, !parts[1].isEmpty
        else {
            throw MigrationError.badFileName(fileName)
        }
        self.init(version: version, name: String(parts[1]), sql: sql)
    }
}
