import Foundation
public import PoolCore

/// A pool of git worktrees of one repository: warm checkouts handed out clean and reset on return.
public struct WorktreePool: Sendable {
    public static let kind = "worktree"

    public let pool: Pool
    let git: Git

    /// Opens the worktree pool `name` recorded in `ledger`. `releaseReset` says where released slots are
    /// reset (by default before `release` returns; see `ReleaseReset`).
    public init(ledger: any Ledger, name: String, releaseReset: ReleaseReset = .beforeReturning) async throws {
        try self.init(ledger: ledger, definition: try await ledger.pool(named: name), releaseReset: releaseReset)
    }

    /// Opens a worktree pool whose definition the caller has already read from `ledger`.
    public init(ledger: any Ledger, definition: PoolDefinition, releaseReset: ReleaseReset = .beforeReturning) throws {
        let name = definition.name
        guard definition.kind == Self.kind else {
            throw PoolError.invalidArgument("pool '\(name)' holds \(definition.kind) slots, not worktrees")
        }
        // Damaged settings stop every command here, before any slot is touched.
        _ = try WorktreeConfig(json: definition.config)
        let backend = try GitBackend {
            try WorktreeConfig(json: try await ledger.pool(named: name).config)
        }
        self.pool = Pool(name: name, ledger: ledger, backend: backend, releaseReset: releaseReset)
        self.git = backend.git
    }

    /// Checks a new worktree pool's repository, base ref and folder, and returns its definition for
    /// `Ledger.createPool`. Touches nothing.
    public static func prepare(
        name: String,
        repository: String,
        baseRef: String,
        slotFolder: String,
        maxSize: Int,
        minIdle: Int = 0,
        onExhausted: ExhaustionPolicy = .wait,
        setup: [String] = [],
        cleanIgnored: Bool = false,
        lockfiles: [String] = [],
        setupTimeout: Duration = WorktreeConfig.defaultSetupTimeout,
        gitTimeout: Duration = WorktreeConfig.defaultGitTimeout,
        copyPatterns: [String] = []
    ) async throws -> PoolDefinition {
        for (name, limit) in [("setup", setupTimeout), ("git", gitTimeout)] where limit <= .zero {
            throw PoolError.invalidArgument("the \(name) timeout must be longer than zero; pass e.g. --\(name)-timeout 10m")
        }
        try Names.validate(name, kind: "pool")
        try CopyPatterns.validate(copyPatterns)
        let git = try Git().bounded(by: gitTimeout)
        let topLevel = try await git.topLevel(of: repository)
        let commit = try await git.commit(of: baseRef, in: topLevel)
        let folder = GitBackend.canonical(URL(filePath: slotFolder).standardizedFileURL.path(percentEncoded: false))
        let repositoryFolder = GitBackend.canonical(topLevel)
        if folder == repositoryFolder || folder.hasPrefix(repositoryFolder + "/") {
            throw PoolError.invalidArgument(
                "the slot folder \(folder) is inside the repository's work tree \(repositoryFolder); "
                    + "pass a --dir outside it"
            )
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder), !entries.isEmpty {
            throw PoolError.invalidArgument(
                "the slot folder \(folder) is not empty; it must hold the pool's slots and nothing else, "
                    + "so pass an empty or new --dir"
            )
        }
        let config = WorktreeConfig(
            repository: topLevel, baseRef: baseRef, baseCommit: commit, setup: setup,
            cleanIgnored: cleanIgnored, lockfiles: lockfiles, setupTimeout: setupTimeout, gitTimeout: gitTimeout,
            copyPatterns: copyPatterns
        )
        return PoolDefinition(
            name: name, kind: kind, slotFolder: folder, maxSize: maxSize, minIdle: minIdle,
            onExhausted: onExhausted, config: config.json, workTimeouts: config.workTimeouts
        )
    }

    /// Runs `body` in a leased worktree (its path), releasing it afterwards whatever happens (reset where
    /// the pool's `releaseReset` says: before this returns, by default). With a
    /// TTL, the lease is renewed while `body` runs; if it is lost all the same, `body` is cancelled and
    /// this throws `leaseLost` (see `Pool.withRenewal`).
    public func withWorktree<R>(
        holder: String,
        wait: Duration? = nil,
        ttl: Duration? = nil,
        _ body: (String) async throws -> R
    ) async throws -> R {
        try await pool.withLease(holder: holder, wait: wait, ttl: ttl) { lease in
            try await body(lease.path)
        }
    }

    /// Moves idle slots to the base ref's current commit (fetching first if asked). Leased and dirty
    /// slots follow when they are next reset. Returns the new base commit and the slots moved.
    ///
    /// The new base is written in one transaction that reads the config too, so a concurrent change to
    /// other settings is kept; it bumps the config version, so a reset or creation that began at the old
    /// base is reset again instead of going idle.
    public func refresh(fetch: Bool) async throws -> (commit: String, moved: [Slot], failures: [SlotFailure]) {
        let config = try WorktreeConfig(json: try await pool.ledger.pool(named: pool.name).config)
        if fetch {
            try await git.bounded(by: config.gitTimeout).run(["fetch", "--quiet", "--all"], in: config.repository)
        }
        let commit = try await git.commit(of: config.baseRef, in: config.repository)
        try await pool.ledger.updateConfig(pool: pool.name) { json in
            var current = try WorktreeConfig(json: json)
            current.baseCommit = commit
            return current.json
        }
        let (moved, failures) = try await pool.resetIdleSlots()
        return (commit, moved, failures)
    }
}
