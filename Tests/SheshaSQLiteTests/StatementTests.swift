import Foundation
import PoolTesting
import SheshaSQLite
import Testing

@Suite("Statement binding and stepping")
struct StatementTests {
    /// Each value with the storage class SQLite must report for it.
    static let roundTrips: [(SQLiteValue, String)] = [
        (.null, "null"),
        (.integer(0), "integer"),
        (.integer(-1), "integer"),
        (.integer(Int64.max), "integer"),
        (.integer(Int64.min), "integer"),
        (.real(0), "real"),
        (.real(-0.5), "real"),
        (.real(Double.pi), "real"),
        (.real(1e300), "real"),
        (.real(-Double.greatestFiniteMagnitude), "real"),
        (.real(Double.leastNonzeroMagnitude), "real"),
        (.real(Double.infinity), "real"),
        (.text(""), "text"),
        (.text("plain ascii"), "text"),
        (.text("héllo wörld, naïve café"), "text"),
        (.text("日本語のテキスト"), "text"),
        (.text("🏊‍♀️ pool 🎱 emoji with ZWJ"), "text"),
        (.text("e\u{301} (decomposed) vs \u{e9} (precomposed)"), "text"),
        (.text("quote ' and \" and ; DROP TABLE t; --"), "text"),
        (.text("before\u{0}after"), "text"),
        (.blob([]), "blob"),
        (.blob([0]), "blob"),
        (.blob([0x00, 0xFF, 0x10, 0x00, 0x7F]), "blob"),
        (.blob(Array(0...255)), "blob"),
    ]

    @Test("a value bound to a parameter and stored in a column reads back identical", arguments: roundTrips)
    func valueRoundTripsThroughTable(value: SQLiteValue, storageClass: String) async throws {
        try await withTestDatabase { db, _ in
            // No declared type: the column applies no affinity, so it keeps each value's storage class.
            try db.execute("CREATE TABLE t (v)")
            try db.execute("INSERT INTO t (v) VALUES (?)", [value])

            let stored = try db.queryFirst("SELECT v, typeof(v) FROM t") { row in
                (row.value(0), try row.string(1))
            }
            let (readBack, type) = try #require(stored)
            #expect(type == storageClass)
            #expect(readBack == value)
            if case .text(let sent) = value, case .text(let received) = readBack {
                // String equality is canonical equivalence; the bytes must match exactly.
                #expect(Array(received.utf8) == Array(sent.utf8))
            }
        }
    }

    @Test("a large blob and a large text round trip whole")
    func largeValuesRoundTrip() async throws {
        try await withTestDatabase { db, _ in
            // Not test arguments: the test log would print every byte.
            let blob = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let text = String(repeating: "pool-é-🏊 ", count: 50_000)
            try db.execute("CREATE TABLE t (b BLOB, x TEXT)")
            try db.execute("INSERT INTO t (b, x) VALUES (?, ?)", [SQLiteValue.blob(blob), text])
            let stored = try db.queryFirst("SELECT b, x, length(b) FROM t") { row in
                (row.value(0), row.value(1), row.int(2))
            }
            let (readBlob, readText, length) = try #require(stored)
            #expect(length == blob.count)
            #expect(readBlob == .blob(blob))
            #expect(readText == .text(text))
        }
    }

    @Test(
        "text is stored as its exact UTF-8 bytes",
        arguments: [
            "héllo", "e\u{301}", "\u{e9}", "🏊‍♀️", "日本", "a\u{0}b",
        ]
    )
    func textIsStoredAsUTF8(text: String) async throws {
        try await withTestDatabase { db, _ in
            let hex = try db.queryFirst("SELECT hex(CAST(? AS BLOB))", [text]) { try $0.string(0) }
            let expected = text.utf8.map { String(format: "%02X", $0) }.joined()
            #expect(hex == expected)
        }
    }

    @Test("Swift values bind as the matching SQLite values")
    func swiftTypesBind() async throws {
        try await withTestDatabase { db, _ in
            let none: String? = nil
            let some: String? = "some"
            let row = try db.queryFirst(
                "SELECT ?, ?, ?, ?, ?, ?, ?, ?, typeof(?)",
                [42, Int64(-7), Int32(9), true, false, 2.5, "text", some, none]
            ) { row in
                (0..<row.columnCount).map { row.value($0) }
            }
            #expect(
                row == [
                    .integer(42), .integer(-7), .integer(9), .integer(1), .integer(0), .real(2.5),
                    .text("text"), .text("some"), .text("null"),
                ]
            )
        }
    }

    @Test("Row accessors read integers, doubles, text and NULL")
    func rowAccessors() async throws {
        try await withTestDatabase { db, _ in
            let checked = try db.queryFirst("SELECT 7, 1.5, 'text', NULL") { row throws -> Bool in
                #expect(row.columnCount == 4)
                #expect(row.int(0) == 7)
                #expect(row.int64(0) == 7)
                #expect(row.optionalInt64(0) == 7)
                #expect(row.double(1) == 1.5)
                #expect(try row.string(2) == "text")
                #expect(row.optionalString(2) == "text")
                #expect(row.isNull(3))
                #expect(!row.isNull(0))
                #expect(row.optionalInt64(3) == nil)
                #expect(row.optionalString(3) == nil)
                return true
            }
            #expect(checked == true)
        }
    }

    @Test("string() on a NULL column throws SQLITE_MISMATCH")
    func stringOfNullThrows() async throws {
        try await withTestDatabase { db, _ in
            let error = sqliteError { try db.query("SELECT NULL") { try $0.string(0) } }
            #expect(error?.code == .SQLITE_MISMATCH)
            #expect(error?.sql == "SELECT NULL")
        }
    }

    @Test("query maps every row, queryFirst the first, and both give nothing for no rows")
    func queryAndQueryFirst() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER)")
            #expect(try db.query("SELECT x FROM t") { $0.int(0) } == [])
            #expect(try db.queryFirst("SELECT x FROM t") { $0.int(0) } == nil)
            #expect(try db.scalarInt("SELECT x FROM t") == nil)
            for value in [3, 1, 2] {
                try db.execute("INSERT INTO t VALUES (?)", [value])
            }
            #expect(try db.query("SELECT x FROM t ORDER BY x") { $0.int(0) } == [1, 2, 3])
            #expect(try db.query("SELECT x FROM t WHERE x > ? ORDER BY x", [1]) { $0.int(0) } == [2, 3])
            #expect(try db.queryFirst("SELECT x FROM t ORDER BY x DESC") { $0.int(0) } == 3)
            #expect(try db.scalarInt("SELECT max(x) FROM t WHERE x < ?", [0]) == nil)
        }
    }

    @Test("rebinding a statement replaces every earlier argument")
    func rebindingReplacesArguments() async throws {
        try await withTestDatabase { db, _ throws in
            #expect(try db.scalarInt("SELECT ? + ?", [1, 2]) == 3)
            #expect(try db.scalarInt("SELECT ? + ?", [10, 20]) == 30)
            #expect(try db.queryFirst("SELECT typeof(?), typeof(?)", [1, "x"]) { try $0.string(0) } == "integer")
            #expect(
                try db.queryFirst("SELECT typeof(?), typeof(?)", [SQLiteValue.null, 2.0]) { try $0.string(0) } == "null"
            )
        }
    }

    @Test("a wrong number of arguments throws SQLITE_RANGE and runs nothing", arguments: [0, 1, 3])
    func wrongArgumentCount(count: Int) async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (a, b)")
            let sql = "INSERT INTO t (a, b) VALUES (?, ?)"
            let arguments: [any SQLiteBindable] = Array(repeating: 1, count: count)
            let error = sqliteError { try db.execute(sql, arguments) }
            #expect(error?.code == .SQLITE_RANGE)
            #expect(error?.sql == sql)
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
            #expect(try db.execute(sql, [1, 2]) == 1, "The statement is still usable with the right arguments")
        }
    }

    @Test("a double-quoted string literal is an unknown identifier, not a string")
    func doubleQuotedStringsAreIdentifiers() async throws {
        try await withTestDatabase { db, _ in
            let select = sqliteError { try db.query("SELECT \"hello\"") { try $0.string(0) } }
            #expect(select?.code == .SQLITE_ERROR)
            #expect(select?.message.contains("no such column: hello") == true)

            try db.execute("CREATE TABLE t (name TEXT)")
            let insert = sqliteError { try db.execute("INSERT INTO t (name) VALUES (\"ann\")") }
            #expect(insert?.code == .SQLITE_ERROR)
            let ddl = sqliteError { try db.execute("CREATE INDEX t_index ON t (\"missing\")") }
            #expect(ddl?.code == .SQLITE_ERROR)
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
            #expect(
                try db.execute("INSERT INTO \"t\" (\"name\") VALUES ('ann')") == 1,
                "Double quotes still quote identifiers"
            )
        }
    }

    @Test("SQL with a syntax error fails to prepare with SQLITE_ERROR and names the SQL")
    func syntaxError() async throws {
        try await withTestDatabase { db, _ in
            let sql = "SELEC 1"
            let error = sqliteError { try db.execute(sql) }
            #expect(error?.code == .SQLITE_ERROR)
            #expect(error?.message.contains("syntax error") == true)
            #expect(error?.sql == sql)
        }
    }

    @Test("SQL holding no statement is refused with SQLITE_MISUSE", arguments: ["", "   ", "-- only a comment"])
    func emptySQLIsMisuse(sql: String) async throws {
        try await withTestDatabase { db, _ in
            let error = sqliteError { try db.execute(sql) }
            #expect(error?.code == .SQLITE_MISUSE)
        }
    }

    @Test("a step that fails resets the statement so it can run again")
    func failedStepResets() async throws {
        try await withTestDatabase { db, _ in
            try db.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
            try db.execute("INSERT INTO t VALUES (?)", [1])
            let error = sqliteError { try db.execute("INSERT INTO t VALUES (?)", [1]) }
            #expect(error?.code == .SQLITE_CONSTRAINT_UNIQUE)
            #expect(try db.execute("INSERT INTO t VALUES (?)", [2]) == 1)
            #expect(try db.query("SELECT x FROM t ORDER BY x") { $0.int(0) } == [1, 2])
        }
    }

    @Test("a query whose transform throws resets its statement and releases its read snapshot")
    func throwingTransformResets() async throws {
        struct Stop: Error {}
        try await withTestDatabase { db, file in
            try db.enableWAL()
            try db.execute("CREATE TABLE t (x INTEGER)")
            try db.execute("INSERT INTO t VALUES (1), (2)")
            #expect(throws: Stop.self) {
                try db.query("SELECT x FROM t") { _ in throw Stop() }
            }
            #expect(!db.isInTransaction)
            // Another connection's write is visible at once: no snapshot was left open.
            let other = try Connection(path: file.path(), create: false)
            try other.execute("INSERT INTO t VALUES (3)")
            try other.close()
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 3)
        }
    }
}
