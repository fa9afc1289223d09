import SheshaSQLite
import Testing

@Suite("Migration file names")
struct MigrationTests {
    @Test(
        "a well-formed file name gives the version and the name",
        arguments: [
            ("0001_init.sql", 1, "init"),
            ("0002_add_lease_index.sql", 2, "add_lease_index"),
            ("0042_x.sql", 42, "x"),
            ("7_seven.sql", 7, "seven"),
            ("10000_big.sql", 10_000, "big"),
        ]
    )
    func parsesGoodNames(fileName: String, version: Int, name: String) throws {
        let migration = try Migration(fileName: fileName, sql: "SELECT 1;")
        #expect(migration.version == version)
        #expect(migration.name == name)
        #expect(migration.sql == "SELECT 1;")
    }

    @Test(
        "a malformed file name is refused",
        arguments: [
            "",
            ".sql",
            "init.sql",
            "_init.sql",
            "0001.sql",
            "0001_.sql",
            "0000_zero.sql",
            "-001_negative.sql",
            "+001_plus.sql",
            " 001_space.sql",
            "00a1_hex.sql",
            "0001-init.sql",
            "0001_init.txt",
            "0001_init",
            "0001_init.sql.bak",
        ]
    )
    func refusesBadNames(fileName: String) {
        #expect(throws: MigrationError.badFileName(fileName)) {
            try Migration(fileName: fileName, sql: "SELECT 1;")
        }
    }

    @Test("the bad-name error explains the expected pattern")
    func badNameDescription() {
        let error = MigrationError.badFileName("init.sql")
        #expect(error.description.contains("'init.sql'"))
        #expect(error.description.contains("NNNN_name.sql"))
        #expect(error.errorDescription == error.description)
    }
}
