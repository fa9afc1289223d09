import Foundation
import PoolTesting
import SheshaSQLite
import Testing

@Suite("Files that are not sound databases")
struct FileFormatTests {
    @Test("a text file is refused with SQLITE_NOTADB and left byte-identical")
    func textFileIsNotADatabase() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "notes.txt")
            let text = Data(String(repeating: "these are my notes, not a database\n", count: 200).utf8)
            try text.write(to: file)

            let error = sqliteError { try Connection(path: file.path()) }
            #expect(error?.code == .SQLITE_NOTADB)

            #expect(try contents(of: file) == text)
            #expect(!fileExists(sibling(of: file, suffix: "-wal")))
            #expect(!fileExists(sibling(of: file, suffix: "-journal")))
        }
    }

    @Test("a short file of random bytes is refused with SQLITE_NOTADB and left byte-identical")
    func shortGarbageIsNotADatabase() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "garbage.db")
            let bytes = Data((0..<37).map { _ in UInt8.random(in: 1...255) })
            try bytes.write(to: file)

            let error = sqliteError { try Connection(path: file.path()) }
            #expect(error?.code == .SQLITE_NOTADB)
            #expect(try contents(of: file) == bytes)
        }
    }

    @Test("an empty file is a valid empty database")
    func emptyFileIsEmptyDatabase() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "empty.db")
            try Data().write(to: file)
            let connection = try Connection(path: file.path())
            defer { try? connection.close() }
            #expect(try connection.scalarInt("SELECT count(*) FROM sqlite_master") == 0)
        }
    }

    @Test(
        "a database cut in half is refused at open with SQLITE_CORRUPT and is not modified",
        arguments: [false, true]
    )
    func truncatedDatabaseIsCorrupt(wal: Bool) async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "test.db")
            do {
                let connection = try Connection(path: file.path())
                if wal {
                    try connection.enableWAL()
                }
                try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
                try connection.write { db in
                    for index in 0..<400 {
                        try db.execute(
                            "INSERT INTO t (payload) VALUES (?)",
                            [String(repeating: "\(index % 10)", count: 300)]
                        )
                    }
                }
                try connection.close()
            }
            let whole = try contents(of: file)
            #expect(whole.count > 16 * 4096, "the table should span many pages")
            let half = whole.prefix(whole.count / 2)
            try half.write(to: file)

            // The header's page count exceeds the file's size, so reading the schema at open already fails.
            let error = try #require(throws: SQLiteError.self) { try Connection(path: file.path()) }
            #expect(ResultCode.SQLITE_CORRUPT ~= error.code, "got \(error)")
            #expect(error.message == "database disk image is malformed")
            #expect(try contents(of: file) == half)
        }
    }
}
