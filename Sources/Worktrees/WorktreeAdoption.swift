public import FoundationEssentials
import Glibc
public import PoolCore
import SheshaSystem
import CLinux

/// Taking worktrees that already exist into a pool as idle slots (`shesha-pool adopt`).
///
/// An adopted worktree is moved (`git worktree move`) into the pool's slot folder under the next name of
/// the pool's sequence, so every slot lives at `<slot folder>/slot-NNNN` like one the pool made: `cleanup`
/// takes anything else in that folder for a stray, and a path once handed out never names another slot.
/// It is then checked out detached at the pool's base commit, as any idle slot is; the branch it had stays
/// in the repository.
extension WorktreePool {
    /// Adopts the worktrees at `paths` and returns their slots, idle. Every path is checked before anything
    /// changes, and one refusal refuses them all (`AdoptionError`). A worktree must be clean (ignored
    /// files aside), unless `reset` discards its changes first.
    public func adopt(_ paths: [String], reset: Bool) async throws -> [Slot] {
        guard !paths.isEmpty else {
            throw PoolError.invalidArgument("adopt needs the path of at least one worktree")
        }
        let definition = try await pool.ledger.pool(named: pool.name)
        let settings = try WorktreeConfig(json: definition.config)
        let git = self.git.bounded(by: settings.gitTimeout)
        var candidates: [String] = []
        for path in paths {
            let candidate = try await checkAdoptable(path, settings: settings, slotFolder: definition.slotFolder, git: git)
            guard !candidates.contains(candidate) else {
                throw AdoptionError.refused(path: path, reason: "is named twice")
            }
            if !reset, try await !git.run(["status", "--porcelain", "--untracked-files=all"], in: candidate).isEmpty {
                throw AdoptionError.refused(
                    path: path,
                    reason: "has uncommitted changes or untracked files; commit or stash them, "
                        + "or pass --reset to discard them"
                )
            }
            candidates.append(candidate)
        }
        let size = try await pool.ledger.slots(pool: pool.name).count
        guard size + candidates.count <= definition.maxSize else {
            throw AdoptionError.full(pool: pool.name, size: size, maxSize: definition.maxSize, adopting: candidates.count)
        }
        let worker = ProcessIdentity.current
        let reserved = try await pool.ledger.reserveSlots(
            pool: pool.name, count: candidates.count, beyondMaximum: false, worker: worker
        )
        guard reserved.count == candidates.count else {
            // Another process made slots since the count above: give the names back, adopt nothing.
            for slot in reserved {
                try await pool.ledger.failCreate(slot, worker: worker, error: "adoption refused: pool full", cleanedUp: true)
            }
            throw AdoptionError.full(
                pool: pool.name, size: definition.maxSize - reserved.count, maxSize: definition.maxSize,
                adopting: candidates.count
            )
        }
        var adopted: [Slot] = []
        for (index, (path, slot)) in zip(candidates, reserved).enumerated() {
            do {
                adopted.append(try await adopt(path, as: slot, settings: settings, reset: reset, git: git))
            } catch {
                // The worktrees adopted so far stay slots; those not tried yet stay where they are, and their
                // reserved names go back.
                let untried = Array(paths[(index + 1)...])
                for unused in reserved[(index + 1)...] {
                    try await pool.ledger.failCreate(
                        unused, worker: worker, error: "adoption stopped: \(path) failed", cleanedUp: true
                    )
                }
                guard !adopted.isEmpty || !untried.isEmpty else { throw error }
                throw AdoptionError.stopped(
                    adopted: zip(paths, adopted).map { AdoptionError.Adopted(from: $0, slot: $1.name, path: $1.path) },
                    failure: "\(error)",
                    untried: untried
                )
            }
        }
        return adopted
    }

    /// Moves the worktree at `path` to the reserved `slot`'s path, brings it to the base commit and marks
    /// the slot idle. On failure the worktree goes back where it was and the slot's row is removed.
    private func adopt(
        _ path: String,
        as slot: Slot,
        settings: WorktreeConfig,
        reset: Bool,
        git: Git
    ) async throws -> Slot {
        let worker = ProcessIdentity.current
        let git = git.bounded(by: settings.gitTimeout, workingOn: slot.path)
        let started = ContinuousClock.now
        do {
            try FileManager.default.createDirectory(
                atPath: parentFolder(of: slot.path), withIntermediateDirectories: true
            )
            try await git.run(["worktree", "move", path, slot.path], in: settings.repository)
        } catch {
            try await pool.ledger.failCreate(slot, worker: worker, error: "\(error)", cleanedUp: true)
            throw AdoptionError.moveFailed(path: path, reason: "\(error)")
        }
        do {
            if reset {
                try await git.run(["checkout", "--force", "--detach", "--quiet", settings.baseCommit], in: slot.path)
                try await git.run(["clean", "-ffdq"] + (settings.cleanIgnored ? ["-x"] : []), in: slot.path)
            } else {
                try await git.run(["checkout", "--detach", "--quiet", settings.baseCommit], in: slot.path)
            }
            try await IgnoredFileCopy(settings: settings, git: git).bringUpToDate(slot: slot.path, keepingExisting: true)
        } catch {
            // Back where the user had it (its checkout may have moved to the base, its branch is intact).
            _ = try? await git.runAllowingFailure(["worktree", "move", slot.path, path], in: settings.repository)
            try await pool.ledger.failCreate(slot, worker: worker, error: "\(error)", cleanedUp: true)
            throw AdoptionError.moveFailed(path: path, reason: "\(error)")
        }
        var again = try await pool.ledger.finishCreate(slot, worker: worker, duration: ContinuousClock.now - started)
        // A refresh moved the base meanwhile: the slot is this process's to reset to the new one.
        while let slot = again {
            var failure: String?
            do {
                try await pool.backend.reset(slot)
            } catch {
                failure = "\(error)"
            }
            again = try await pool.ledger.finishReset(slot, worker: worker, error: failure, duration: .zero)
        }
        return try await pool.ledger.slots(pool: pool.name).first { $0.id == slot.id } ?? slot
    }

    /// The canonical path of the worktree at `path` if the pool may adopt it; otherwise throws `refused`
    /// with the reason. Changes nothing.
    private func checkAdoptable(
        _ path: String,
        settings: WorktreeConfig,
        slotFolder: String,
        git: Git
    ) async throws -> String {
        guard isFolder(path) else {
            throw AdoptionError.refused(path: path, reason: "does not exist or is not a folder")
        }
        let candidate = GitBackend.canonical(URL(filePath: path).standardizedFileURL.path(percentEncoded: false))
        let top = try await git.runAllowingFailure(["rev-parse", "--show-toplevel"], in: candidate)
        guard top.succeeded else {
            throw AdoptionError.refused(path: path, reason: "is not a git worktree")
        }
        guard GitBackend.canonical(top.stdout.trimmingWhitespace()) == candidate else {
            throw AdoptionError.refused(path: path, reason: "is a folder inside a worktree; name the worktree's top folder")
        }
        let commonDirectory = { (folder: String) async throws -> String in
            GitBackend.canonical(
                try await git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"], in: folder)
                    .trimmingWhitespace()
            )
        }
        guard try await commonDirectory(candidate) == commonDirectory(settings.repository) else {
            throw AdoptionError.refused(
                path: path, reason: "is a worktree of another repository, not of \(settings.repository)"
            )
        }
        let listing = try await git.run(["worktree", "list", "--porcelain"], in: settings.repository)
        let blocks = listing.components(separatedBy: "\n\n").map { $0.split(separator: "\n").map(String.init) }
        guard let mainPath = blocks.first?.first.map({ GitBackend.canonical(String($0.dropFirst("worktree ".count))) }),
            mainPath != candidate
        else {
            throw AdoptionError.refused(path: path, reason: "is the repository's main working tree, which stays yours")
        }
        let block = blocks.first { $0.first.map { GitBackend.canonical(String($0.dropFirst("worktree ".count))) } == candidate }
        if block?.contains(where: { $0.hasPrefix("locked") }) == true {
            throw AdoptionError.refused(path: path, reason: "is locked; unlock it first (git worktree unlock)")
        }
        try await checkNotInAPool(candidate, path: path)
        // `git worktree move` renames: across file systems it would fail half-way.
        var candidateStatus = stat()
        var folderStatus = stat()
        let folder = GitBackend.canonical(slotFolder)
        let existingFolder = FileManager.default.fileExists(atPath: folder)
            ? folder : parentFolder(of: folder)
        if lstat(candidate, &candidateStatus) == 0, stat(existingFolder, &folderStatus) == 0,
            candidateStatus.st_dev != folderStatus.st_dev
        {
            throw AdoptionError.refused(
                path: path, reason: "is on another file system than the pool's slot folder \(folder), so it cannot be moved there"
            )
        }
        return candidate
    }

    /// Refuses a worktree that is a slot of any pool in this database, or lies inside a pool's slot folder.
    private func checkNotInAPool(_ candidate: String, path: String) async throws {
        for name in try await pool.ledger.poolNames() {
            let definition = try await pool.ledger.pool(named: name)
            let folder = GitBackend.canonical(definition.slotFolder)
            if candidate.hasPrefix(folder + "/") {
                throw AdoptionError.refused(path: path, reason: "is already in pool '\(name)' (in its slot folder \(folder))")
            }
            if let slot = try await pool.ledger.slots(pool: name).first(where: { GitBackend.canonical($0.path) == candidate }) {
                throw AdoptionError.refused(path: path, reason: "is already slot \(slot.name) of pool '\(name)'")
            }
        }
    }
}

/// Why `adopt` took nothing, or stopped.
public enum AdoptionError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The path cannot be adopted; nothing was changed.
    case refused(path: String, reason: String)
    /// Adopting would take the pool past its maximum size; nothing was changed.
    case full(pool: String, size: Int, maxSize: Int, adopting: Int)
    /// The worktree could not be moved into the pool or brought to the base; it was put back.
    case moveFailed(path: String, reason: String)
    /// Of several worktrees, one could not be adopted (`failure`, a `moveFailed`): those before it were
    /// adopted and stay slots, those after it were not tried and stay where they were.
    case stopped(adopted: [Adopted], failure: String, untried: [String])

    /// A worktree adopted before another failed.
    public struct Adopted: Sendable, Hashable {
        public var from: String
        public var slot: String
        public var path: String
    }

    public var description: String {
        switch self {
        case .refused(let path, let reason):
            return "cannot adopt \(path): it \(reason)"
        case .full(let pool, let size, let maxSize, let adopting):
            return "cannot adopt \(adopting) worktree\(adopting == 1 ? "" : "s"): pool '\(pool)' has \(size) of at most "
                + "\(maxSize) slots; remove idle ones (shrink, cleanup) or adopt fewer"
        case .moveFailed(let path, let reason):
            return "could not adopt \(path), which was left where it was: \(reason)"
        case .stopped(let adopted, let failure, let untried):
            var parts = [failure]
            if !adopted.isEmpty {
                parts.append(
                    "adopted before it, and now slots: "
                        + adopted.map { "\($0.from) as \($0.slot) (\($0.path))" }.joined(separator: ", ")
                )
            }
            if !untried.isEmpty {
                parts.append("not tried, and left where they were: " + untried.joined(separator: ", "))
            }
            return parts.joined(separator: "; ") + "; fix it and adopt the rest again"
        }
    }

    public var errorDescription: String? { description }
}
