import SheshaSQLite

extension SQLiteLedger {
    /// The smallest integer >= 0 that no live lease of the pool holds as its index: 0, or one past a held
    /// index whose successor is free. Runs in the grant's transaction, so two grants never pick the same
    /// one (and the unique index `lease_by_index` would refuse it if they did).
    func smallestFreeLeaseIndex(_ db: Connection, poolID: Int64) throws -> Int {
        let index = try db.scalarInt(
            """
            SELECT min(candidate) FROM (
                SELECT 0 AS candidate
                UNION ALL SELECT lease_index + 1 FROM lease WHERE pool_id = ?1 AND lease_index IS NOT NULL)
            WHERE candidate NOT IN (SELECT lease_index FROM lease WHERE pool_id = ?1 AND lease_index IS NOT NULL)
            """,
            [poolID]
        )
        guard let index else {
            throw PoolError.damagedDatabase("no free lease index could be found")
        }
        return Int(index)
    }
}
