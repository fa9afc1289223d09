internal import CSQLite

extension Connection {
    /// Whether the path this connection opened no longer names its file: the database was deleted, or
    /// another file was moved over it (`SQLITE_FCNTL_HAS_MOVED`: one `stat` of the path, compared with
    /// the open file's inode). Writes would then go to a file nobody else can see.
    public var fileHasMoved: Bool {
        var hasMoved: Int32 = 0
        let code = sqlite3_file_control(handle.pointer, "main", SQLITE_FCNTL_HAS_MOVED, &hasMoved)
        return code == SQLITE_OK && hasMoved != 0
    }

    /// Throws `SQLITE_READONLY_DBMOVED` if the database file was deleted or replaced since this connection
    /// opened it, so a long-running process stops instead of writing into a file that is gone.
    public func checkFileIsInPlace() throws {
        guard fileHasMoved else { return }
        throw SQLiteError(
            code: .SQLITE_READONLY_DBMOVED,
            message: "\(path) was deleted or replaced by another file after this process opened it"
        )
    }
}
