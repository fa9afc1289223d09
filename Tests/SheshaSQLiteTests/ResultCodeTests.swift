import SheshaSQLite
import Testing

@Suite("ResultCode")
struct ResultCodeTests {
    @Test("a primary code pattern matches all of its extended codes")
    func primaryMatchesExtended() {
        #expect(ResultCode.SQLITE_CONSTRAINT ~= ResultCode.SQLITE_CONSTRAINT)
        #expect(ResultCode.SQLITE_CONSTRAINT ~= ResultCode.SQLITE_CONSTRAINT_UNIQUE)
        #expect(ResultCode.SQLITE_CONSTRAINT ~= ResultCode.SQLITE_CONSTRAINT_FOREIGNKEY)
        #expect(ResultCode.SQLITE_BUSY ~= ResultCode.SQLITE_BUSY_SNAPSHOT)
        #expect(!(ResultCode.SQLITE_BUSY ~= ResultCode.SQLITE_CONSTRAINT_UNIQUE))
        #expect(!(ResultCode.SQLITE_ERROR ~= ResultCode.SQLITE_BUSY))
    }

    @Test("an extended code pattern matches only itself")
    func extendedMatchesOnlyItself() {
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= ResultCode.SQLITE_CONSTRAINT_UNIQUE)
        #expect(!(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= ResultCode.SQLITE_CONSTRAINT))
        #expect(!(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= ResultCode.SQLITE_CONSTRAINT_PRIMARYKEY))
        #expect(!(ResultCode.SQLITE_BUSY_TIMEOUT ~= ResultCode.SQLITE_BUSY))
    }

    @Test("a code pattern matches a thrown SQLiteError and nothing else")
    func matchesErrors() {
        struct Other: Error {}
        let unique: any Error = SQLiteError(code: .SQLITE_CONSTRAINT_UNIQUE, message: "m")
        #expect(ResultCode.SQLITE_CONSTRAINT ~= unique)
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= unique)
        #expect(!(ResultCode.SQLITE_CONSTRAINT_CHECK ~= unique))
        #expect(!(ResultCode.SQLITE_CONSTRAINT ~= (Other() as any Error)))
    }

    static let extendedCodes: [(ResultCode, Int32, ResultCode)] = [
        (ResultCode.SQLITE_BUSY_RECOVERY, 261, ResultCode.SQLITE_BUSY),
        (ResultCode.SQLITE_BUSY_SNAPSHOT, 517, ResultCode.SQLITE_BUSY),
        (ResultCode.SQLITE_BUSY_TIMEOUT, 773, ResultCode.SQLITE_BUSY),
        (ResultCode.SQLITE_READONLY_DBMOVED, 1032, ResultCode.SQLITE_READONLY),
        (ResultCode.SQLITE_IOERR_SHORT_READ, 522, ResultCode.SQLITE_IOERR),
        (ResultCode.SQLITE_CORRUPT_INDEX, 779, ResultCode.SQLITE_CORRUPT),
        (ResultCode.SQLITE_CONSTRAINT_CHECK, 275, ResultCode.SQLITE_CONSTRAINT),
        (ResultCode.SQLITE_CONSTRAINT_FOREIGNKEY, 787, ResultCode.SQLITE_CONSTRAINT),
        (ResultCode.SQLITE_CONSTRAINT_NOTNULL, 1299, ResultCode.SQLITE_CONSTRAINT),
        (ResultCode.SQLITE_CONSTRAINT_PRIMARYKEY, 1555, ResultCode.SQLITE_CONSTRAINT),
        (ResultCode.SQLITE_CONSTRAINT_UNIQUE, 2067, ResultCode.SQLITE_CONSTRAINT),
        (ResultCode.SQLITE_CONSTRAINT_DATATYPE, 3091, ResultCode.SQLITE_CONSTRAINT),
    ]

    @Test("extended codes carry their primary code in the low byte, as in sqlite3.h", arguments: extendedCodes)
    func extendedCodeValues(code: ResultCode, rawValue: Int32, primary: ResultCode) {
        #expect(code.rawValue == rawValue)
        #expect(code.primaryResultCode == primary)
        #expect(primary.primaryResultCode == primary)
    }

    @Test("the description is SQLite's own wording with the number")
    func description() {
        #expect(ResultCode.SQLITE_BUSY.description == "database is locked (code 5)")
        #expect(ResultCode.SQLITE_NOTADB.description == "file is not a database (code 26)")
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE.description == "constraint failed (code 2067)")
    }
}
