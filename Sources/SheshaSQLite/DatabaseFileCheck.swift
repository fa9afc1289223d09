import Glibc

/// Checks a database file's header before SQLite opens it, for the two cases where opening it would
/// already change it: SQLite applies a `-wal` file it finds beside the database, whoever wrote it, and
/// copies it into the file when the last connection closes.
public enum DatabaseFileCheck {
    /// Throws `SQLITE_NOTADB` if the file is neither empty nor a SQLite database, and `SQLITE_CORRUPT` if a
    /// non-empty `-wal` file lies beside a database whose header says it does not use one
    /// (`SQLITE_CANTOPEN_DIRTYWAL`): that log belongs to another file, replaced while a process had it open.
    public static func validate(path: String) throws {
        guard let header = firstBytes(of: path, count: 100), !header.isEmpty else { return }
        guard header.count == 100, header.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw SQLiteError(code: .SQLITE_NOTADB, message: "\(path) is not a SQLite database file")
        }
        // Bytes 18 and 19 are the read and write format versions: 2 in WAL mode, 1 otherwise.
        var info = stat()
        if header[18] != 2, stat(path + "-wal", &info) == 0, info.st_size > 0 {
            throw SQLiteError(
                code: .SQLITE_CANTOPEN_DIRTYWAL,
                message: "\(path)-wal belongs to another database file (\(path) was replaced while a process "
                    + "had it open), and opening it would copy that log into it; once no process uses it, "
                    + "move \(path)-wal and \(path)-shm away"
            )
        }
    }

    private static func firstBytes(of path: String, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
        return read < 0 ? nil : Array(bytes.prefix(read))
    }
}

extension ResultCode {
    /// Reserved by SQLite ("not used at this time"); here: a `-wal` file that is not the database's own.
    public static let SQLITE_CANTOPEN_DIRTYWAL = ResultCode(rawValue: 14 | (5 << 8))
}
