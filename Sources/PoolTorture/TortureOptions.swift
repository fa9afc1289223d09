import Glibc

/// `--name value` pairs after a mode word, checked against the names the mode knows.
struct ArgumentReader {
    private var values: [String: String] = [:]

    init(_ words: [String], known: Set<String>) throws {
        var rest = words[...]
        while let name = rest.popFirst() {
            guard known.contains(name) else {
                throw TortureError.usage("unknown option '\(name)'; known: \(known.sorted().joined(separator: ", "))")
            }
            guard let value = rest.popFirst() else { throw TortureError.usage("\(name) needs a value") }
            values[name] = value
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else { throw TortureError.usage("missing \(name)") }
        return value
    }

    func optionalString(_ name: String) -> String? { values[name] }

    func integer(_ name: String, default fallback: Int, atLeast minimum: Int = 0) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let number = Int(text), number >= minimum else {
            throw TortureError.usage("\(name) needs a whole number of at least \(minimum), not '\(text)'")
        }
        return number
    }
}

/// `pool-torture run`: how long, how hard, and where.
struct RunOptions {
    var seconds: Int
    /// The run goes on past `seconds` until the killer has hit this many holders and this many tenures
    /// have ended, so a slow machine still tests what a fast one does; `maxSeconds` bounds that.
    var untilHolderKills: Int
    var untilCycles: Int
    var maxSeconds: Int
    var seed: UInt64
    var holders: Int
    var maintenanceLanes: Int
    var killEveryMilliseconds: Int
    var maxHoldMilliseconds: Int
    var repositoryFiles: Int
    var kind: TortureKind
    var work: String
    var sheshaPool: String

    static let names: Set<String> = [
        "--seconds", "--minutes", "--until-holder-kills", "--until-cycles", "--max-seconds", "--seed", "--holders", "--maintenance", "--kill-every-ms", "--max-hold-ms",
        "--repo-files", "--kind", "--work", "--shesha-pool",
    ]

    init(_ words: [String]) throws {
        let reader = try ArgumentReader(words, known: Self.names)
        let minutes = try reader.integer("--minutes", default: 0)
        seconds = try reader.integer("--seconds", default: minutes > 0 ? minutes * 60 : 30, atLeast: 1)
        untilHolderKills = try reader.integer("--until-holder-kills", default: 0)
        untilCycles = try reader.integer("--until-cycles", default: 0)
        maxSeconds = try reader.integer("--max-seconds", default: max(seconds, 600), atLeast: seconds)
        if let text = reader.optionalString("--seed") {
            guard let seed = UInt64(text) else {
                throw TortureError.usage("--seed needs a whole number, not '\(text)'")
            }
            self.seed = seed
        } else {
            seed = UInt64(MonotonicClock.now()) ^ UInt64(UInt32(bitPattern: getpid()))
        }
        holders = try reader.integer("--holders", default: 8, atLeast: 1)
        maintenanceLanes = try reader.integer("--maintenance", default: 2)
        killEveryMilliseconds = try reader.integer("--kill-every-ms", default: 1000, atLeast: 10)
        maxHoldMilliseconds = try reader.integer("--max-hold-ms", default: 200)
        repositoryFiles = try reader.integer("--repo-files", default: 200, atLeast: 1)
        kind = try TortureKind(option: reader.optionalString("--kind"))
        work = try reader.string("--work")
        sheshaPool = try reader.string("--shesha-pool")
    }
}

/// `pool-torture holder`: one holder process, started by `run`.
struct HolderOptions {
    var database: String
    var pool: String
    var log: String
    var seed: UInt64
    var name: String
    var maxHoldMilliseconds: Int
    var kind: TortureKind
    /// The CLI whose hidden resetter resets released worktrees in the background.
    var sheshaPool: String

    init(_ words: [String]) throws {
        let reader = try ArgumentReader(
            words,
            known: ["--db", "--pool", "--log", "--seed", "--name", "--max-hold-ms", "--kind", "--shesha-pool"]
        )
        database = try reader.string("--db")
        pool = try reader.string("--pool")
        log = try reader.string("--log")
        guard let seed = UInt64(try reader.string("--seed")) else { throw TortureError.usage("--seed needs a number") }
        self.seed = seed
        name = try reader.string("--name")
        maxHoldMilliseconds = try reader.integer("--max-hold-ms", default: 200)
        kind = try TortureKind(option: reader.optionalString("--kind"))
        sheshaPool = try reader.string("--shesha-pool")
    }
}

/// `pool-torture check`: the checker alone, on the folder of an earlier run.
struct CheckOptions {
    var work: String
    var sheshaPool: String

    init(_ words: [String]) throws {
        let reader = try ArgumentReader(words, known: ["--work", "--shesha-pool"])
        work = try reader.string("--work")
        sheshaPool = try reader.string("--shesha-pool")
    }
}
