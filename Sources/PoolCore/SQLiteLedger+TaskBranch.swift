import SheshaSQLite

extension SQLiteLedger {
    /// Refuses a grant for a task branch that another live lease of the pool has (`branchInUse`), so of two
    /// holders asking for one branch at the same moment, one gets it and the other is refused before it
    /// touches git. The unique index `lease_by_branch` holds the same rule.
    func checkBranchFree(_ db: Connection, poolID: Int64, branch: String) throws {
        let holder = try db.queryFirst(
            "SELECT s.path FROM lease l JOIN slot s ON s.id = l.slot_id WHERE l.pool_id = ? AND l.branch = ?",
            [poolID, branch]
        ) { try $0.string(0) }
        if let holder {
            throw PoolError.branchInUse(branch: branch, path: holder)
        }
    }
}
