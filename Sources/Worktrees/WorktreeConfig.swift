import Foundation
import PoolCore

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

    public init(
        repository: String,
        baseRef: String,
        baseCommit: String,
        setup: [String] = [],
        cleanIgnored: Bool = false,
        lockfiles: [String] = []
    ) {
        self.repository = repository
        self.baseRef = baseRef
        self.baseCommit = baseCommit
        self.setup = setup
        self.cleanIgnored = cleanIgnored
        self.lockfiles = lockfiles
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
