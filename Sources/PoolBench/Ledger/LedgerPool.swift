import PoolCore

/// The pool every ledger and scale run uses: one per fresh database, its slots made before the clock starts.
enum LedgerPool {
    static let name = "bench"
    /// How long an acquire may wait for a free slot (only the runs with fewer slots than processes wait).
    static let acquireWait: Duration = .seconds(60)

    /// Creates the database, the pool and its idle slots.
    static func create(database: String, slotFolder: String, slots: Int, strategy: Strategy) async throws {
        let pool = try open(database: database, strategy: strategy)
        try await pool.ledger.createPool(
            PoolDefinition(name: name, kind: "bench", slotFolder: slotFolder, maxSize: slots, onExhausted: .wait)
        )
        // The no-op backend makes creation a pair of ledger transactions per slot; parallelism only keeps
        // the ledger's queue full.
        let report = try await pool.expand(by: slots, parallelism: 64)
        guard report.created.count == slots else {
            throw BenchError("expanding the pool made \(report.created.count) of \(slots) slots: \(report.failures)")
        }
    }

    /// Opens the pool in an existing (or new) database, with its own connection.
    static func open(database: String, strategy: Strategy) throws -> Pool {
        let ledger = try SQLiteLedger(
            path: database, busyPolicy: strategy.busyPolicy, writeGate: strategy.usesWriteGate
        )
        return Pool(name: name, ledger: ledger, backend: NoOpBackend())
    }
}
