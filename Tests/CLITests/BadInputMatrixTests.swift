import Foundation
import PoolTesting
import Testing

/// Every command against malformed input (names, counts, durations, paths, flags, environment values) and
/// against databases that are not usable (missing, another program's, cut in half, empty, a folder, text).
/// Each case gets its documented exit code and one line saying what to do, and changes nothing: the pool's
/// database and the bad one keep their bytes, no file appears or goes, git's worktree list stays the same.
/// BadInputTests holds the cases that came first; none is repeated here.
@Suite("bad input matrix")
struct BadInputMatrixTests {
    /// What the command's database path names.
    enum Target: String, Sendable {
        /// The fixture's own pool: one slot, leased by `holder`.
        case pool
        /// `bad/pool.db`, which does not exist (nor does `bad/`).
        case missing
        /// A SQLite database with another program's tables.
        case foreign
        /// The first half of a copy of the fixture's database.
        case truncated
        /// An empty file.
        case empty
        /// A folder.
        case folder
        /// A text file.
        case text
    }

    /// One refused call. `{repo}`, `{folder}` and `{target}` stand for the fixture's repository, its folder
    /// and the path the target lives at; the database is passed with --db unless the environment names it.
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var target: Target
        var environment: [String: String]
        var passesDatabase: Bool
        var status: Int32
        var message: String

        init(
            _ arguments: [String],
            on target: Target = .pool,
            environment: [String: String] = [:],
            passesDatabase: Bool = true,
            _ status: Int32,
            _ message: String
        ) {
            self.arguments = arguments
            self.target = target
            self.environment = environment
            self.passesDatabase = passesDatabase
            self.status = status
            self.message = message
        }

        var testDescription: String {
            var text = arguments.map(\.debugDescription).joined(separator: " ")
            if target != .pool { text += " on \(target.rawValue)" }
            if !environment.isEmpty { text += " with \(environment.keys.sorted().joined(separator: ", "))" }
            return text
        }
    }

    static let me = CLIFixture.testPID

    static let cases: [Case] = [
        // init: flags, counts, subcommands, database paths.
        Case(["init", "worktree"], 64, "Missing expected argument '--repo <path>'"),
        Case(["init", "worktree", "--repo", "{repo}", "--pool", "p2", "--min-idle", "-1"], 64, "--min-idle"),
        Case(["init", "worktree", "--repo", "{repo}", "--pool", "p2", "--max-size", "lots"], 64, "'lots'"),
        Case(
            ["init", "worktree", "--repo", "{repo}", "--pool", "p2", "--keep-ignored", "--clean-ignored"],
            64,
            "--clean-ignored"
        ),
        Case(["init", "lxc"], passesDatabase: false, 64, "Unexpected argument 'lxc'"),
        Case(["init", "worktree", "--repo", "{repo}"], on: .folder, 64, "is a folder"),
        Case(["init", "worktree", "--repo", "{repo}"], on: .truncated, 65, "the database is damaged"),
        // expand.
        Case(["expand"], 64, "Missing expected argument '<count>'"),
        Case(["expand", "1.5"], 64, "'1.5'"),
        Case(["expand", "1", "2"], 64, "Unexpected argument '2'"),
        Case(["expand", "1", "--parallel", "65"], 64, "--parallel must be between 1 and 64"),
        Case(["expand", "1", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["expand", "1"], on: .truncated, 65, "the database is damaged"),
        Case(["expand", "1"], on: .empty, 65, "is an empty file"),
        Case(["expand", "1"], on: .folder, 64, "is a folder"),
        // shrink.
        Case(["shrink"], 64, "Missing expected argument '<count>'"),
        Case(["shrink", "99999"], 64, "between 1 and 10000 (got 99999)"),
        Case(["shrink", "x"], 64, "'x'"),
        Case(["shrink", "1", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["shrink", "1"], on: .foreign, 65, "another program"),
        Case(["shrink", "1"], on: .text, 65, "not a SQLite database"),
        // cleanup.
        Case(["cleanup", "--max-age", ""], 64, "''"),
        Case(["cleanup", "--max-age", "-1d"], 64, "--max-age"),
        Case(["cleanup", "--idle-for", "1y"], 64, "'1y'"),
        Case(["cleanup", "now"], 64, "Unexpected argument 'now'"),
        Case(["cleanup"], on: .truncated, 65, "the database is damaged"),
        Case(["cleanup"], on: .folder, 64, "is a folder"),
        Case(["cleanup", "--dry-run"], on: .empty, 65, "is an empty file"),
        // acquire.
        Case(["acquire"], 64, "Missing expected argument '--holder <id>'"),
        Case(["acquire", "--holder", "x", "--owner-pid", "abc"], 64, "'abc'"),
        Case(["acquire", "--holder", "x", "--owner-pid", "0"], 64, "no running process with pid 0"),
        Case(["acquire", "--holder", "x", "--owner-pid", "-1"], 64, "--owner-pid"),
        Case(["acquire", "--holder", "x", "--owner-pid", me, "--ttl", "1000000d"], 64, "'1000000d'"),
        Case(["acquire", "--holder", "x", "--owner-pid", me, "--wait", "nan"], 64, "'nan'"),
        Case(["acquire", "--holder", "x", "--owner-pid", me], on: .empty, 65, "is an empty file"),
        Case(["acquire", "--holder", "x", "--owner-pid", me], on: .truncated, 65, "the database is damaged"),
        Case(
            ["acquire", "--holder", "x", "--owner-pid", me],
            on: .folder,
            environment: ["SHESHA_POOL_DB": "{target}"],
            64,
            "is a folder"
        ),
        Case(
            ["acquire", "--holder", "x", "--owner-pid", me],
            environment: ["SHESHA_POOL": "nope"],
            64,
            "there is no pool 'nope'"
        ),
        // release.
        Case(["release", "--token", "abc"], 64, "'abc'"),
        Case(["release", "--token", "-3"], 64, "--token"),
        Case(["release", "--holder", "nobody"], 64, "holder 'nobody' holds no lease"),
        Case(["release", "--holder", "holder", "--owner-pid", "1"], 64, "pass --force"),
        Case(["release", "--holder", "holder"], on: .truncated, 65, "the database is damaged"),
        Case(["release", "--holder", "holder"], on: .foreign, 65, "another program"),
        // run: the command never runs (it would create {folder}/ran).
        Case(["run", "--", "touch", "{folder}/ran"], 64, "Missing expected argument '--holder <id>'"),
        Case(["run", "--holder", "x", "--wait", "later", "--", "touch", "{folder}/ran"], 64, "'later'"),
        Case(["run", "--holder", "x", "--ttl", "0s", "--", "touch", "{folder}/ran"], 64, "--ttl must be at least 1s"),
        Case(["run", "--holder", "x", "--ttl", "soon", "--", "touch", "{folder}/ran"], 64, "'soon'"),
        Case(["run", "--holder", "x", "--ttl", "-5s", "--", "touch", "{folder}/ran"], 64, "--ttl"),
        Case(["run", "--holder", "x", "--", "touch", "{folder}/ran"], on: .foreign, 65, "another program"),
        Case(["run", "--holder", "x", "--", "touch", "{folder}/ran"], on: .empty, 65, "is an empty file"),
        Case(
            ["run", "--holder", "x", "--", "touch", "{folder}/ran"],
            environment: ["SHESHA_POOL_DB": ""],
            passesDatabase: false,
            64,
            "the database path is empty"
        ),
        // status.
        Case(["status", "extra"], 64, "Unexpected argument 'extra'"),
        Case(["status"], on: .truncated, 65, "the database is damaged"),
        Case(["status"], on: .empty, 65, "is an empty file"),
        Case(["status"], environment: ["SHESHA_POOL": "x\ny"], 64, "control character"),
        Case(
            ["status"],
            on: .missing,
            environment: ["SHESHA_POOL_DB": "{target}"],
            64,
            "there is no database at {target}"
        ),
        // An empty pool name, by flag or environment, on any command (it used to mean 'default').
        Case(["status", "--pool", ""], 64, "the pool name is empty"),
        Case(["status"], environment: ["SHESHA_POOL": ""], 64, "the pool name is empty"),
        Case(["acquire", "--holder", "x", "--pool", ""], 64, "the pool name is empty"),
        Case(["release", "--holder", "holder"], environment: ["SHESHA_POOL": ""], 64, "the pool name is empty"),
        Case(["run", "--holder", "x", "--pool", "", "--", "touch", "{folder}/ran"], 64, "the pool name is empty"),
        Case(["doctor", "--fix"], environment: ["SHESHA_POOL": ""], 64, "the pool name is empty"),
        Case(["init", "worktree", "--repo", "{repo}", "--pool", ""], 64, "the pool name is empty"),
        // stats.
        Case(["stats", "--window", "5x"], 64, "'5x'"),
        Case(["stats", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["stats"], on: .foreign, 65, "another program"),
        Case(["stats", "--json"], on: .folder, environment: ["SHESHA_POOL_DB": "{target}"], 64, "is a folder"),
        // doctor.
        Case(["doctor", "--fix", "yes"], 64, "Unexpected argument 'yes'"),
        Case(["doctor", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["doctor", "--fix"], on: .truncated, 65, "the database is damaged"),
        Case(["doctor", "--fix"], on: .empty, 65, "is an empty file"),
        Case(["doctor"], on: .text, environment: ["SHESHA_POOL_DB": "{target}"], 65, "not a SQLite database"),
        // refresh.
        Case(["refresh", "--fetch", "origin"], 64, "Unexpected argument 'origin'"),
        Case(["refresh", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["refresh"], on: .foreign, 65, "another program"),
        Case(["refresh", "--fetch"], on: .truncated, 65, "the database is damaged"),
        Case(["refresh"], on: .missing, 64, "there is no database at {target}"),
        // Task branches: refused before the database is touched, or on a database that is not usable.
        Case(["acquire", "--holder", "x", "--owner-pid", me, "--from", "main"], 64, "pass --branch NAME"),
        Case(["acquire", "--holder", "x", "--owner-pid", me, "--branch"], 64, "Missing value for '--branch <name>'"),
        Case(["acquire", "--holder", "x", "--owner-pid", me, "--branch", "t"], on: .truncated, 65, "is damaged"),
        Case(["run", "--holder", "x", "--branch", "t", "--", "touch", "{folder}/ran"], on: .empty, 65, "an empty file"),
        // path.
        Case(["path"], 64, "Missing expected argument '--holder <id>'"),
        Case(["path", "--holder", "nobody"], 64, "holder 'nobody' holds no lease"),
        Case(["path", "--holder", "holder", "--pool", "nope"], 64, "there is no pool 'nope'"),
        Case(["path", "--holder", "holder"], on: .truncated, 65, "the database is damaged"),
        Case(["path", "--holder", "holder"], on: .missing, 64, "there is no database at {target}"),
        // which.
        Case(["which", "{folder}"], 1, "is in no slot"),
        Case(["which", "{folder}/no/such/file"], 64, "does not exist"),
        Case(["which", "{folder}", "{repo}"], 64, "Unexpected argument"),
        Case(["which", "{folder}"], on: .foreign, 65, "another program"),
        Case(["which", "{folder}"], on: .empty, 65, "is an empty file"),
    ]

    @Test("bad input to any command: its exit code, one line saying what to do, nothing changed", arguments: cases)
    func badInput(call: Case) async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            _ = try await fixture.acquire("holder")
            let target = try makeTarget(call.target, in: fixture)
            let fill = { (text: String) in
                text.replacingOccurrences(of: "{repo}", with: fixture.repository.path(percentEncoded: false))
                    .replacingOccurrences(of: "{folder}", with: fixture.folder.path(percentEncoded: false))
                    .replacingOccurrences(of: "{target}", with: target)
            }
            var arguments = call.arguments.map(fill)
            let environment = call.environment.mapValues(fill)
            if call.passesDatabase && environment["SHESHA_POOL_DB"] == nil {
                let index = arguments.firstIndex(of: "--") ?? arguments.endIndex
                arguments.insert(contentsOf: ["--db", target], at: index)
            }
            let targetBytes = FileManager.default.contents(atPath: target)
            let before = try await fixture.snapshot()

            let result = try await shesha(arguments, environment: environment)

            expectCleanFailure(result, status: call.status, mentioning: fill(call.message))
            #expect(FileManager.default.contents(atPath: target) == targetBytes, "the bad database kept its bytes")
            #expect(try await fixture.snapshot() == before)
        }
    }

    /// Makes what `target` names and returns its path.
    func makeTarget(_ target: Target, in fixture: CLIFixture) throws -> String {
        if target == .pool { return fixture.databasePath }
        let folder = fixture.folder.appending(path: "bad")
        let path = folder.appending(path: "pool.db").path(percentEncoded: false)
        if target == .missing { return path }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch target {
        case .pool, .missing:
            break
        case .foreign:
            try makeForeignDatabase(at: path)
        case .truncated:
            // The pool's processes have all ended, so the log is folded in and the file is whole.
            let whole = try #require(FileManager.default.contents(atPath: fixture.databasePath))
            try #require(whole.count >= 8_192, "a database of several pages to cut")
            try whole.prefix(whole.count / 2).write(to: URL(filePath: path))
        case .empty:
            try Data().write(to: URL(filePath: path))
        case .folder:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .text:
            try Data("not a database, just notes\n".utf8).write(to: URL(filePath: path))
        }
        return path
    }
}
