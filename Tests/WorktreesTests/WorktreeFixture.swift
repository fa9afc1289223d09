import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// A real git repository and a real SQLite ledger in one fresh temporary folder, removed when the
/// test's body returns or throws. Pools made here keep their slots in `slotFolder`, beside the
/// repository (never inside it).
struct WorktreeFixture {
    let folder: URL
    let repository: URL
    let ledger: SQLiteLedger

    var repositoryPath: String { repository.path(percentEncoded: false) }
    var slotFolder: String { folder.appending(path: "slots").path(percentEncoded: false) }

    /// A path in the test's folder, outside the repository and the slot folder.
    func outside(_ name: String) -> String {
        folder.appending(path: name).path(percentEncoded: false)
    }

    /// Prepares and records a worktree pool over the fixture's repository, then opens it.
    func makePool(
        _ name: String = "wt",
        baseRef: String = "main",
        maxSize: Int = 4,
        onExhausted: ExhaustionPolicy = .fail,
        setup: [String] = [],
        cleanIgnored: Bool = false,
        lockfiles: [String] = [],
        copyPatterns: [String] = []
    ) async throws -> WorktreePool {
        let definition = try await WorktreePool.prepare(
            name: name, repository: repositoryPath, baseRef: baseRef, slotFolder: slotFolder, maxSize: maxSize,
            onExhausted: onExhausted, setup: setup, cleanIgnored: cleanIgnored, lockfiles: lockfiles,
            copyPatterns: copyPatterns
        )
        try await ledger.createPool(definition)
        return try await WorktreePool(ledger: ledger, name: name)
    }

    /// The pool's settings as the ledger holds them now.
    func config(_ pool: String = "wt") async throws -> WorktreeConfig {
        try WorktreeConfig(json: try await ledger.pool(named: pool).config)
    }

    func slots(_ pool: String = "wt") async throws -> [Slot] {
        try await ledger.slots(pool: pool)
    }

    func slot(named name: String, pool: String = "wt") async throws -> Slot? {
        try await ledger.slots(pool: pool).first { $0.name == name }
    }

    /// The worktree paths `git worktree list --porcelain` prints for the repository, canonical.
    func registeredWorktrees() throws -> [String] {
        try git(["worktree", "list", "--porcelain"], in: repository)
            .split(separator: "\n")
            .filter { $0.hasPrefix("worktree ") }
            .map { canonical(String($0.dropFirst("worktree ".count))) }
    }

    /// The porcelain block git prints for the worktree at `path` (its `HEAD` and `detached` lines), or
    /// nil if git does not list it.
    func registration(of path: String) throws -> [String]? {
        let blocks = try git(["worktree", "list", "--porcelain"], in: repository).components(separatedBy: "\n\n")
        for block in blocks {
            let lines = block.split(separator: "\n").map(String.init)
            if lines.first.map({ canonical(String($0.dropFirst("worktree ".count))) }) == canonical(path) {
                return lines
            }
        }
        return nil
    }

    /// Commits `files` on `main` in the repository's own checkout; returns the new commit.
    @discardableResult
    func commitOnMain(_ files: [String: String], message: String = "change") throws -> String {
        for (path, text) in files {
            try writeFile(text, to: repository.appending(path: path).path(percentEncoded: false))
        }
        try git(["add", "--all"], in: repository)
        try git(["commit", "--quiet", "--message", message], in: repository)
        return try git(["rev-parse", "main"], in: repository).trimmed
    }
}

/// Runs `body` with a fresh repository (`makeGitRepository`, or these `files`) and ledger.
/// With `clock`, the ledger judges expiry by it (a `ManualWallClock` lets a test move time at will).
func withWorktreeFixture<R>(
    files: [String: String] = [:],
    clock: any WallClock = SystemWallClock(),
    _ body: (WorktreeFixture) async throws -> R
) async throws -> R {
    try await withTemporaryFolder { folder in
        let repository = try makeGitRepository(in: folder, files: files)
        let ledger = try SQLiteLedger(
            path: folder.appending(path: "pool.db").path(percentEncoded: false), clock: clock
        )
        return try await body(WorktreeFixture(folder: folder, repository: repository, ledger: ledger))
    }
}

// MARK: Looking at a worktree from the outside

/// Runs git in the folder at `path` (a slot), with the test identity.
@discardableResult
func git(_ arguments: [String], at path: String) throws -> String {
    try git(arguments, in: URL(filePath: path, directoryHint: .isDirectory))
}

/// The commit checked out at `path`.
func head(at path: String) throws -> String {
    try git(["rev-parse", "HEAD"], at: path).trimmed
}

/// `git status --porcelain` with every untracked file listed; empty means clean.
func status(at path: String) throws -> String {
    try git(["status", "--porcelain", "--untracked-files=all"], at: path)
}

/// Where git keeps `name` for the worktree at `path` (its own gitdir, under the repository's .git).
func gitPath(_ name: String, at path: String) throws -> String {
    try git(["rev-parse", "--path-format=absolute", "--git-path", name], at: path).trimmed
}

func canonical(_ path: String) -> String {
    var resolved = URL(filePath: path).resolvingSymlinksInPath().path(percentEncoded: false)
    while resolved.count > 1 && resolved.hasSuffix("/") { resolved.removeLast() }
    return resolved
}

func exists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

func contents(of path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
}

func writeFile(_ text: String, to path: String) throws {
    let url = URL(filePath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
}

func modificationDate(_ path: String) throws -> Date? {
    try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension WorktreePool {
    /// Expands by `count` and requires every slot to be created; failures are shown in the issue.
    @discardableResult
    func expandAll(by count: Int) async throws -> [Slot] {
        let report = try await pool.expand(by: count)
        try #require(report.failures.isEmpty, "expand failed: \(report.failures.map(\.message))")
        try #require(report.created.count == count)
        return report.created
    }
}
