import SheshaSQLite

/// The database as read-only SQL sees it at the end of a run: for the checks the logs cannot make
/// (integrity, leases, the event log) and for comparing slots with the disk and git.
struct LedgerSnapshot {
    struct Event {
        var kind: String
        var slotName: String?
        var holder: String?
        var token: Int64?
    }

    var integrity: [String]
    var foreignKeyProblems: Int
    /// The pool's kind: "worktree" or "container".
    var kind: String
    /// Slot path → state.
    var slots: [String: String]
    var leaseTokens: [Int64]
    var events: [Event]
    /// The database-wide fencing token counter: no token may exceed it.
    var tokenCounter: Int64

    init(path: String, pool: String) throws {
        let db = try Connection(path: path, create: false)
        defer { try? db.close() }
        integrity = try db.query("PRAGMA integrity_check") { try $0.string(0) }
        foreignKeyProblems = try db.query("PRAGMA foreign_key_check") { _ in 1 }.count
        let poolID = try db.scalarInt("SELECT id FROM pool WHERE name = ?", [pool]) ?? -1
        kind = try db.query("SELECT kind FROM pool WHERE id = ?", [poolID]) { try $0.string(0) }.first ?? ""
        slots = Dictionary(
            try db.query("SELECT path, state FROM slot WHERE pool_id = ?", [poolID]) {
                (try $0.string(0), try $0.string(1))
            },
            uniquingKeysWith: { first, _ in first }
        )
        leaseTokens = try db.query("SELECT token FROM lease WHERE pool_id = ?", [poolID]) { $0.int64(0) }
        events = try db.query(
            "SELECT kind, slot_name, holder, token FROM event WHERE pool_id = ? ORDER BY id",
            [poolID]
        ) {
            Event(
                kind: try $0.string(0),
                slotName: $0.optionalString(1),
                holder: $0.optionalString(2),
                token: $0.optionalInt64(3)
            )
        }
        tokenCounter = try db.scalarInt("SELECT value FROM counter WHERE name = 'fencing_token'") ?? 0
    }
}
