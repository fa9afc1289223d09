extension Connection {
    /// Runs `body` in a write transaction: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on any thrown error,
    /// rethrowing the first error.
    ///
    /// IMMEDIATE takes the write lock up front: a deferred transaction that reads first and writes later
    /// can meet another writer's commit in between and fail with SQLITE_BUSY that no waiting can fix.
    /// The body is synchronous on purpose: no git, sandbox or network work inside a write transaction.
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a read transaction (BEGIN DEFERRED): one consistent snapshot for all its reads.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try transaction("BEGIN DEFERRED", body)
    }

    private func transaction<T>(_ begin: String, _ body: (Connection) throws -> T) throws -> T {
        guard !isInTransaction else {
            throw SQLiteError(code: .SQLITE_MISUSE, message: "transactions do not nest", sql: begin)
        }
        try execute(begin)
        do {
            let result = try body(self)
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction {
                // The body's error is the one that matters; a failed rollback is a closed transaction anyway.
                _ = try? execute("ROLLBACK")
            }
            throw error
        }
    }
}
