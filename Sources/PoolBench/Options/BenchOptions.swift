import Sandbox

/// The bench's settings, from the command line. `--quick` changes the defaults; explicit flags win
/// whatever their order.
struct BenchOptions {
    enum Section: String, CaseIterable {
        case ledger, scale, worktrees, startup, sandbox, rlm, wait, copyin
    }

    var isQuick = false
    var jsonPath: String?
    var sections = Section.allCases
    /// Where the databases and the on-disk worktree runs go (a fresh folder is made inside).
    var diskFolder = "/tmp"
    /// A tmpfs for the worktree runs that must not depend on the disk (a fresh folder is made inside).
    var tmpfsFolder = "/dev/shm"
    /// The `shesha-pool` executable (a release build) for the worktree and startup runs.
    var sheshaPool: String?
    /// The start-up reference (Sources/StartupReference, built like `shesha-pool`) for the startup run.
    var startupReference: String?
    /// scripts/make-synthetic-repo.py.
    var repositoryScript: String?
    /// What `swift --version` said, recorded with the results.
    var swiftVersion: String?
    /// Repetitions of every comparison; nil leaves each section's own default.
    var repetitions: Int?

    // Ledger
    var duration: Duration = .seconds(3)
    var processCounts = [2, 8, 16]
    var includesHalfSlots = true
    var singleProcessCycles = 2_000

    // Scale
    var scaleCycles = 2_000
    var historyCycles = 10_000

    // Worktrees
    var files = 20_000
    var concurrentAcquires = 16

    // Startup
    var startupRuns = 30

    // Sandbox
    var sandboxCycles = 200
    var sandboxColdCycles = 40
    /// Cold cycles of podman and docker, whose starts take about a second.
    var engineColdCycles = 12
    var sandboxBackends: [IsolationKind] = [.bwrap, .process, .podman, .docker]
    /// Where the sandbox slots go: a folder other users can enter (bwrap sandboxes run as nobody under root).
    var sandboxFolder = "/tmp"

    // RLM
    var rlmQueries = 30

    var ledgerRepetitions: Int { repetitions ?? (isQuick ? 2 : 3) }
    var scaleRepetitions: Int { repetitions ?? (isQuick ? 3 : 5) }
    var worktreeRepetitions: Int { repetitions ?? (isQuick ? 3 : 7) }

    static func parse(_ arguments: [String], environment: [String: String]) throws -> BenchOptions {
        var options = BenchOptions()
        options.diskFolder = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        if arguments.contains("--quick") {
            options.isQuick = true
            options.duration = .seconds(1)
            options.includesHalfSlots = false
            options.scaleCycles = 1_000
            options.files = 5_000
            options.sandboxCycles = 40
            options.sandboxColdCycles = 12
            options.engineColdCycles = 4
            options.rlmQueries = 10
        }
        var reader = ArgumentReader(arguments)
        while let flag = reader.next() {
            switch flag {
            case "--quick":
                break
            case "--json":
                options.jsonPath = try reader.value(for: flag)
            case "--only":
                options.sections = try reader.list(for: flag) { Section(rawValue: $0) }
            case "--disk":
                options.diskFolder = try reader.existingFolder(for: flag)
            case "--tmpfs":
                options.tmpfsFolder = try reader.existingFolder(for: flag)
            case "--shesha-pool":
                options.sheshaPool = try reader.value(for: flag)
            case "--startup-reference":
                options.startupReference = try reader.value(for: flag)
            case "--repo-script":
                options.repositoryScript = try reader.value(for: flag)
            case "--swift-version":
                options.swiftVersion = try reader.value(for: flag)
            case "--repetitions":
                options.repetitions = try reader.integer(for: flag, in: 1...50)
            case "--duration":
                let seconds = try reader.double(for: flag)
                guard seconds > 0, seconds <= 600 else {
                    throw UsageError("--duration takes seconds between 0 and 600 (got \(seconds))")
                }
                options.duration = .milliseconds(Int64(seconds * 1_000))
            case "--processes":
                options.processCounts = try reader.list(for: flag) { text in
                    Int(text).flatMap { (2...256).contains($0) ? $0 : nil }
                }
            case "--half-slots":
                options.includesHalfSlots = true
            case "--no-half-slots":
                options.includesHalfSlots = false
            case "--cycles":
                options.singleProcessCycles = try reader.integer(for: flag, in: 100...10_000_000)
                options.scaleCycles = options.singleProcessCycles
            case "--files":
                options.files = try reader.integer(for: flag, in: 10...1_000_000)
            case "--startup-runs":
                options.startupRuns = try reader.integer(for: flag, in: 1...10_000)
            case "--sandbox-cycles":
                options.sandboxCycles = try reader.integer(for: flag, in: 1...100_000)
            case "--cold-cycles":
                options.sandboxColdCycles = try reader.integer(for: flag, in: 1...10_000)
            case "--engine-cold-cycles":
                options.engineColdCycles = try reader.integer(for: flag, in: 1...10_000)
            case "--backends":
                options.sandboxBackends = try reader.list(for: flag) { IsolationKind(rawValue: $0) }
            case "--rlm-queries":
                options.rlmQueries = try reader.integer(for: flag, in: 1...10_000)
            case "--sandbox-dir":
                options.sandboxFolder = try reader.existingFolder(for: flag)
            default:
                throw UsageError("unknown option '\(flag)'")
            }
        }
        let needsRepository = options.sections.contains(.worktrees) || options.sections.contains(.startup)
        if needsRepository || options.sections.contains(.sandbox) {
            guard let path = options.sheshaPool else {
                throw UsageError(
                    "the worktrees, startup and sandbox sections need --shesha-pool PATH (or pass --only LIST)"
                )
            }
            guard isExecutable(path) else { throw UsageError("--shesha-pool: \(path) is not an executable file") }
        }
        if options.sections.contains(.startup) {
            guard let path = options.startupReference else {
                throw UsageError("the startup section needs --startup-reference PATH (or pass --only LIST)")
            }
            guard isExecutable(path) else {
                throw UsageError("--startup-reference: \(path) is not an executable file")
            }
        }
        if needsRepository {
            guard let script = options.repositoryScript else {
                throw UsageError("the worktrees and startup sections need --repo-script scripts/make-synthetic-repo.py")
            }
            guard fileExists(script) else { throw UsageError("--repo-script: there is no file \(script)") }
        }
        return options
    }
}
