import FoundationEssentials
import Glibc
public import PoolCore
import SheshaSystem

/// Slots that are git worktrees of one repository, checked out detached at the pool's base commit.
public struct GitBackend: ResourceBackend {
    let git: Git
    /// Reads the pool's current settings (a refresh in another process may have moved the base commit).
    let config: @Sendable () async throws -> WorktreeConfig

    public init(config: @escaping @Sendable () async throws -> WorktreeConfig) throws {
        self.git = try Git()
        self.config = config
    }

    public func create(_ slot: Slot) async throws {
        let settings = try await config()
        // Never adopt: an existing folder may be another slot's checkout.
        guard !FileManager.default.fileExists(atPath: slot.path) else {
            throw SlotPathTaken(slot: slot.name, path: slot.path)
        }
        try FileManager.default.createDirectory(
            atPath: parentFolder(of: slot.path),
            withIntermediateDirectories: true
        )
        let git = self.git.bounded(by: settings.gitTimeout, workingOn: slot.path)
        try await addWorktree(at: slot.path, commit: settings.baseCommit, in: settings.repository, git: git)
        // A folder and a git registration exist that only a `creating` row accounts for, and setup has
        // not run: a crash here must not leave the worktree behind, nor let it pass for a ready slot.
        CrashPoint.reached(.midCreate)
        try await IgnoredFileCopy(settings: settings, git: git).bringUpToDate(slot: slot.path)
        try await runSetup(settings, slot: slot)
    }

    /// `git worktree add --detach`, tried again when it trips over another worktree command running at the
    /// same moment in the same repository (a parallel expand, a removal, or another process), which git
    /// 2.39 does not guard against: it dies reading another worktree's half-written `commondir`, or a
    /// concurrent `worktree prune` deletes its own half-made `.git/worktrees/<name>` before it writes
    /// `locked` or `gitdir` there. Either way it fails, and git removes the slot's folder if it made it.
    private func addWorktree(at path: String, commit: String, in repository: String, git: Git) async throws {
        let arguments = ["worktree", "add", "--detach", "--quiet", path, commit]
        for attempt in 1... {
            let result = try await git.runAllowingFailure(arguments, in: repository)
            if result.succeeded { return }
            // git still lists a worktree at this path whose folder is gone (an earlier pool's slot removed
            // by hand): forget that registration and try again. The path itself was checked to be free.
            if result.stderr.contains("missing but already registered worktree"), attempt < 8 {
                try await git.run(["worktree", "prune"], in: repository)
                continue
            }
            let collided = ["/commondir", "/locked'", "/gitdir'"].contains { result.stderr.contains($0) }
                && !FileManager.default.fileExists(atPath: path)
            guard collided, attempt < 8 else {
                throw git.failure(arguments, result, in: repository)
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...25) * attempt))
        }
    }

    /// Removes the worktree and its registration. Succeeds if it is already gone.
    public func destroy(_ slot: Slot) async throws {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout, workingOn: slot.path)
        if FileManager.default.fileExists(atPath: slot.path) {
            let removal = try await git.runAllowingFailure(
                ["worktree", "remove", "--force", "--force", slot.path],
                in: settings.repository
            )
            if !removal.succeeded {
                // Not a registered worktree (or a damaged one): remove the folder itself.
                try removeTree(atPath: slot.path)
            }
        }
        // The folder is gone (its registration too, unless git refused and we removed the folder by hand),
        // but the ledger still lists the slot as `destroying`: a crash here must not leave a row, or a
        // registration, that points at nothing.
        CrashPoint.reached(.midDestroy)
        try await git.run(["worktree", "prune"], in: settings.repository)
    }

    /// A git lock younger than this is taken for a git command still running in the slot (a holder's, or a
    /// reset's), not for one that died: doctor runs beside busy holders.
    static let staleLockAge: TimeInterval = 5 * 60

    public func checkHealth(_ slot: Slot) async -> [String] {
        var problems: [String] = []
        guard isFolder(slot.path) else {
            return ["\(slot.path) is missing"]
        }
        do {
            let settings = try await config()
            let git = self.git.bounded(by: settings.gitTimeout)
            let registered = try await git.worktreePaths(in: settings.repository).map(Self.canonical)
            if !registered.contains(Self.canonical(slot.path)) {
                problems.append("\(slot.path) is not in `git worktree list`")
            }
            let head = try await git.runAllowingFailure(["rev-parse", "--verify", "HEAD"], in: slot.path)
            if !head.succeeded {
                problems.append("HEAD is unreadable: \(head.stderr.trimmingWhitespace())")
            }
            let lock = try await git.run(["rev-parse", "--path-format=absolute", "--git-path", "index.lock"], in: slot.path)
                .trimmingWhitespace()
            if let modified = try? FileManager.default.attributesOfItem(atPath: lock)[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) >= Self.staleLockAge
            {
                problems.append("stale \(lock) (a git command died mid-way)")
            }
        } catch {
            problems.append("\(error)")
        }
        return problems
    }

    public func strayResources(
        slotFolder: String,
        knownPaths: @Sendable () async throws -> Set<String>
    ) async throws -> [String] {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout)
        // List first, then ask the ledger: a slot's row is written before its folder and registration.
        let entries = try folderEntries(slotFolder)
        let registered = try await git.worktreePaths(in: settings.repository)
        let known = Set(try await knownPaths().map(Self.canonical))
        let folder = Self.canonical(slotFolder)
        var strays: [String] = []
        var seen: Set<String> = []
        // Folders in the pool's folder, and worktrees git lists there whose folder may already be gone.
        for path in entries + registered {
            let canonical = Self.canonical(path)
            guard canonical.hasPrefix(folder + "/"), !known.contains(canonical), seen.insert(canonical).inserted
            else { continue }
            strays.append(path)
        }
        return strays
    }

    public func removeStray(_ path: String) async throws {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout, workingOn: path)
        let removal = try await git.runAllowingFailure(["worktree", "remove", "--force", "--force", path], in: settings.repository)
        if !removal.succeeded {
            try removeTree(atPath: path)
        }
        try await git.run(["worktree", "prune"], in: settings.repository)
    }

    /// Runs the pool's setup commands in the slot, each within the setup timeout; the first failure
    /// throws with its last output (stdout and stderr interleaved, as a terminal would show them).
    func runSetup(_ settings: WorktreeConfig, slot: Slot) async throws {
        for command in settings.setup {
            let result: CommandResult
            do {
                result = try await CommandRunner.run(
                    "/bin/sh", ["-c", command], in: slot.path,
                    environment: [
                        "SHESHA_POOL_SLOT": slot.name, "SHESHA_POOL_PATH": slot.path,
                        CommandRunner.workVariable: slot.path,
                    ],
                    timeout: settings.setupTimeout, mergingErrors: true, keepingLast: Self.keptSetupOutput
                )
            } catch let timeout as CommandTimedOut {
                throw GitError.setupTimedOut(command: command, timeout: timeout.timeout, output: timeout.lastOutput)
            }
            guard result.succeeded else {
                throw GitError.setupFailed(command: command, status: result.status, output: result.stdout)
            }
        }
    }

    /// How much of a setup command's output is kept for its error message (`npm ci` can print megabytes).
    static let keptSetupOutput = 64 * 1024

    /// The path with symlinks resolved, as git prints worktree paths. Symlinks are resolved only in
    /// the part of the path that exists (a new slot folder does not yet), so the rest is appended as is.
    static func canonical(_ path: String) -> String {
        var existing = URL(filePath: path).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path(percentEncoded: false)),
            existing.pathComponents.count > 1
        {
            missing.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var resolved = existing.resolvingSymlinksInPath()
        for component in missing {
            resolved.append(path: component)
        }
        return resolved.path(percentEncoded: false)
            .replacing("//", with: "/")
            .trimmingSuffix("/")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        count > 1 && hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
