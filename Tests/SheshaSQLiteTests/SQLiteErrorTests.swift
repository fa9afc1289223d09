import Foundation
import PoolTesting
import SheshaSQLite
import Testing

@Suite("SQLiteError")
struct SQLiteErrorTests {
    static let schema = """
        CREATE TABLE holder (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            weight INTEGER NOT NULL CHECK (weight > 0)
        ) STRICT
        """

    @Test("a UNIQUE violation carries SQLITE_CONSTRAINT_UNIQUE, SQLite's message and the SQL")
    func uniqueViolation() async throws {
        try await withTestDatabase { db, _ in
            try db.execute(Self.schema)
            let insert = "INSERT INTO holder (name, weight) VALUES (?, ?)"
            try db.execute(insert, ["ann", 1])
            do {
                try db.execute(insert, ["ann", 2])
                Issue.record("a duplicate name was inserted")
            } catch let error as SQLiteError {
                #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= error.code)
                #expect(ResultCode.SQLITE_CONSTRAINT ~= error.code)
                #expect(error.code == .SQLITE_CONSTRAINT_UNIQUE)
                #expect(error.code.rawValue == 2067)
                #expect(error.code.primaryResultCode == .SQLITE_CONSTRAINT)
                #expect(error.message == "UNIQUE constraint failed: holder.name")
                #expect(error.sql == insert)
            }
        }
    }

    @Test("catch patterns match extended and primary codes")
    func catchPatterns() async throws {
        try await withTestDatabase { db, _ in
            try db.execute(Self.schema)
            try db.execute("INSERT INTO holder (id, name, weight) VALUES (1, 'ann', 1)")

            var matched: [String] = []
            do {
                try db.execute("INSERT INTO holder (id, name, weight) VALUES (1, 'bob', 1)")
            } catch ResultCode.SQLITE_CONSTRAINT_UNIQUE {
                matched.append("unique")
            } catch ResultCode.SQLITE_CONSTRAINT_PRIMARYKEY {
                matched.append("primary key")
            }
            do {
                try db.execute("INSERT INTO holder (name, weight) VALUES ('cid', 0)")
            } catch ResultCode.SQLITE_BUSY {
                matched.append("busy")
            } catch ResultCode.SQLITE_CONSTRAINT {
                matched.append("constraint")
            }
            #expect(matched == ["primary key", "constraint"])
        }
    }

    @Test(
        "each kind of constraint failure has its own extended code",
        arguments: [
            ("INSERT INTO holder (name, weight) VALUES (NULL, 1)", ResultCode.SQLITE_CONSTRAINT_NOTNULL),
            ("INSERT INTO holder (name, weight) VALUES ('bob', -1)", ResultCode.SQLITE_CONSTRAINT_CHECK),
            ("INSERT INTO holder (id, name, weight) VALUES (1, 'bob', 1)", ResultCode.SQLITE_CONSTRAINT_PRIMARYKEY),
            ("INSERT INTO holder (name, weight) VALUES ('bob', 'heavy')", ResultCode.SQLITE_CONSTRAINT_DATATYPE),
        ]
    )
    func constraintCodes(sql: String, expected: ResultCode) async throws {
        try await withTestDatabase { db, _ in
            try db.execute(Self.schema)
            try db.execute("INSERT INTO holder (id, name, weight) VALUES (1, 'ann', 1)")
            let error = sqliteError { try db.execute(sql) }
            #expect(error?.code == expected)
            #expect(error.map { ResultCode.SQLITE_CONSTRAINT ~= $0.code } == true)
            #expect(error?.sql == sql)
        }
    }

    @Test("the description names the code, message and SQL, but never a bound value")
    func descriptionLeavesOutBoundValues() async throws {
        try await withTestDatabase { db, _ in
            try db.execute(Self.schema)
            let secret = "s3cr3t-holder-\(UUID().uuidString)"
            let insert = "INSERT INTO holder (name, weight) VALUES (?, ?)"
            try db.execute(insert, [secret, 1])

            let error = try #require(sqliteError { try db.execute(insert, [secret, 2]) })
            #expect(error.code == .SQLITE_CONSTRAINT_UNIQUE)
            for text in [error.description, error.localizedDescription, error.errorDescription ?? "", "\(error)"] {
                #expect(!text.contains(secret))
                #expect(!text.contains("s3cr3t"))
            }
            #expect(error.description.contains("2067"))
            #expect(error.description.contains("UNIQUE constraint failed: holder.name"))
            #expect(error.description.contains(insert))
            #expect(error.errorDescription == error.description)

            // The same holds for a failed CHECK, whose message quotes the constraint, not the row.
            let check = try #require(sqliteError { try db.execute(insert, ["\(secret)-2", -5]) })
            #expect(check.code == .SQLITE_CONSTRAINT_CHECK)
            #expect(!check.description.contains(secret))
            #expect(!check.description.contains("-5"))
        }
    }

    @Test("an error without SQL says so in its description")
    func descriptionWithoutSQL() {
        let error = SQLiteError(code: .SQLITE_BUSY, message: "database is locked")
        #expect(error.sql == nil)
        #expect(error.description == "SQLite error 5: database is locked")
    }
}
