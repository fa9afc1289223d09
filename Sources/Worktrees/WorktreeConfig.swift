import Foundation
public import PoolCore

/// A worktree pool's settings, stored as JSON in the pool's row of the ledger.
public struct WorktreeConfig: Codable, Hashable, Sendable {
    /// The repository's top-level folder.
    public var repository: String
    /// The ref slots are checked out at (branch, tag or commit), as the user gave it.
    public var baseRef: String
    /// The commit `baseRef` named when the pool was made or last refreshed.
    public var baseCommit: String
    /// Shell commands run in each new slot (and after a refresh that changed a lockfile).
    public var setup: [String]
    /// Whether reset also removes ignored files (build caches, node_modules). Off keeps slots warm.
    public var cleanIgnored: Bool
    /// Files whose change between commits means setup must run again.
    public var lockfiles: [String]
    /// How long one setup command may run before it is stopped and its slot marked broken.
    public var setupTimeout: Duration
    /// How long one git command may run before it is stopped.
    public var gitTimeout: Duration
    /// Gitignore-style patterns picking the ignored files of the main working tree copied into each new
    /// slot (with those in `.worktreeinclude`), see `IgnoredFileCopy`.
    public var copyPatterns: [String]

    public static let defaultSetupTimeout: Duration = .seconds(30 * 60)
    public static let defaultGitTimeout: Duration = .seconds(10 * 60)

    public init(
        repository: String,
        baseRef: String,
        baseCommit: String,
        setup: [String] = [],
        cleanIgnored: Bool = false,
        lockfiles: [String] = [],
        setupTimeout: Duration = defaultSetupTimeout,
        gitTimeout: Duration = defaultGitTimeout,
        copyPatterns: [String] = []
    ) {
        self.repository = repository
        self.baseRef = baseRef
        self.baseCommit = baseCommit
        self.setup = setup
        self.cleanIgnored = cleanIgnored
        self.lockfiles = lockfiles
        self.setupTimeout = setupTimeout
        self.gitTimeout = gitTimeout
        self.copyPatterns = copyPatterns
    }

    enum CodingKeys: String, CodingKey {
        case repository, baseRef, baseCommit, setup, cleanIgnored, lockfiles
        case setupTimeoutMilliseconds, gitTimeoutMilliseconds, copyPatterns
    }

    /// Pools made before the timeouts (or copy patterns) existed have none stored: they get the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repository = try container.decode(String.self, forKey: .repository)
        baseRef = try container.decode(String.self, forKey: .baseRef)
        baseCommit = try container.decode(String.self, forKey: .baseCommit)
        setup = try container.decode([String].self, forKey: .setup)
        cleanIgnored = try container.decode(Bool.self, forKey: .cleanIgnored)
        lockfiles = try container.decode([String].self, forKey: .lockfiles)
        setupTimeout = try container.decodeIfPresent(Int64.self, forKey: .setupTimeoutMilliseconds)
            .map { .milliseconds($0) } ?? Self.defaultSetupTimeout
        gitTimeout = try container.decodeIfPresent(Int64.self, forKey: .gitTimeoutMilliseconds)
            .map { .milliseconds($0) } ?? Self.defaultGitTimeout
        copyPatterns = try container.decodeIfPresent([String].self, forKey: .copyPatterns) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(repository, forKey: .repository)
        try container.encode(baseRef, forKey: .baseRef)
        try container.encode(baseCommit, forKey: .baseCommit)
        try container.encode(setup, forKey: .setup)
        try container.encode(cleanIgnored, forKey: .cleanIgnored)
        try container.encode(lockfiles, forKey: .lockfiles)
        try container.encode(Self.milliseconds(setupTimeout), forKey: .setupTimeoutMilliseconds)
        try container.encode(Self.milliseconds(gitTimeout), forKey: .gitTimeoutMilliseconds)
        try container.encode(copyPatterns, forKey: .copyPatterns)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// The longest each kind of slow work on one slot may take: the sum of its commands' limits, plus the
    /// grace each gets between SIGTERM and SIGKILL. A create is `git worktree add` and the setup commands;
    /// a reset up to eight git commands (see `GitBackend.reset`) and, after a lockfile changed, the setup
    /// commands again; a removal two git commands. Copying ignored files in (`copyPatterns`) adds three git
    /// commands and the copy itself, which is allowed one git limit.
    public var workTimeouts: WorkTimeouts {
        let git = gitTimeout + CommandRunner.terminationGrace
        let setupAll = (setupTimeout + CommandRunner.terminationGrace) * setup.count
        let copyIn = copyPatterns.isEmpty ? Duration.zero : git * 4
        return WorkTimeouts(
            create: git + copyIn + setupAll,
            reset: git * 8 + copyIn + (lockfiles.isEmpty ? .zero : setupAll),
            destroy: git * 2
        )
    }

    /// Reads the settings the ledger keeps; JSON this build cannot read means a damaged database.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(WorktreeConfig.self, from: Data(json.utf8))
        } catch {
            throw PoolError.damagedDatabase("a worktree pool's settings cannot be read (\(error))")
        }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings, booleans and arrays cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
