public import FoundationEssentials
public import SheshaSQLite

/// Opens a new database file in a fresh temporary folder, runs `body`, then closes the connection and
/// removes the folder, whether `body` returned or threw.
public func withTestDatabase<R>(
    busyPolicy: BusyPolicy = .default,
    _ body: (Connection, URL) async throws -> R
) async throws -> R {
    try await withTemporaryFolder { folder in
        let file = folder.appending(path: "test.db")
        let connection = try Connection(path: file.path(), busyPolicy: busyPolicy)
        do {
            let result = try await body(connection, file)
            try connection.close()
            return result
        } catch {
            try? connection.close()
            throw error
        }
    }
}
