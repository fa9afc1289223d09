import FoundationEssentials
public import PoolCore
import SheshaSystem

extension GitBackend {
    /// Returns the slot to what a fresh `git worktree add --detach` at the base commit would make, plus the
    /// ignored files the pool keeps (none when it cleans them): HEAD detached at the base whatever the
    /// holder checked out (no branch is ever moved or deleted), tracked files and their modes restored,
    /// no untracked file or folder (empty ones and nested repositories included), every folder open to
    /// its owner, no merge, rebase, cherry-pick, revert or bisect in progress, no stale lock, and
    /// populated submodules at their recorded commits, clean.
    ///
    /// A slot proven to be so already is left alone (see `isFresh`); any doubt runs the whole reset. Either
    /// way the pool's copied ignored files are brought up to date (see `IgnoredFileCopy`).
    public func reset(_ slot: Slot) async throws {
        try await resetReporting(slot)
    }

    /// What a reset did.
    enum ResetOutcome: Equatable {
        /// The slot was proven fresh, and nothing was changed.
        case leftAlone
        /// The whole reset ran; `git clean` too, unless there was provably nothing for it to remove.
        case restored(cleaned: Bool)
    }

    /// `reset`, saying whether it had work to do.
    @discardableResult
    func resetReporting(_ slot: Slot) async throws -> ResetOutcome {
        let settings = try await config()
        let git = self.git.bounded(by: settings.gitTimeout, workingOn: slot.path)
        // A slot folder locked against its owner hides even its `.git` file from a non-root pool.
        let wasLocked = try WorktreeFolders.letOwnerInto(slot.path)
        let gitFolder = try WorktreeGitFolder(worktree: slot.path)
        // A status that fails (a folder git may not read, a damaged index) leaves it to the whole reset,
        // which repairs what it can and otherwise fails with git's reason. A timeout throws.
        let statusResult = try await git.runAllowingFailure(WorktreeStatus.arguments, in: slot.path)
        let status = statusResult.succeeded ? WorktreeStatus(porcelain: statusResult.stdout) : nil
        if !wasLocked, let status,
            try await isFresh(slot, status: status, gitFolder: gitFolder, settings: settings, git: git)
        {
            try await IgnoredFileCopy(settings: settings, git: git).bringUpToDate(slot: slot.path)
            return .leftAlone
        }

        // Ignored folders a reset keeps stay as the holder left them; git must get into those it removes.
        let kept = settings.cleanIgnored ? [] : status.map(Self.ignoredFolders) ?? []
        let folders = try WorktreeFolders.letOwnerIn(slot.path, skipping: kept)
        try gitFolder.removeLeftovers()
        // The commit the holder left, for the lockfile check; asked again only if status could not run.
        var previous = status?.head
        if status == nil && !settings.lockfiles.isEmpty {
            previous = try await git.run(["rev-parse", "--verify", "HEAD"], in: slot.path)
                .trimmingWhitespace()
        }
        try await git.run(["checkout", "--force", "--detach", "--quiet", settings.baseCommit], in: slot.path)
        // Half reset: tracked files are back at the base, the last holder's new files are still there. A
        // crash here must not let the slot be handed out as clean.
        CrashPoint.reached(.midReset)
        // Only `git clean` removes untracked paths and empty folders; the checkout removes tracked files and
        // the folders it empties. With none of the former it has nothing to do (edits to tracked files only).
        // (An unpopulated submodule's empty folder makes it run for nothing, which is harmless.)
        let cleans = (status?.hasPathsToClean(keepingIgnored: !settings.cleanIgnored) ?? true) || !folders.empty.isEmpty
        if cleans {
            // -ff: nested repositories go too; -d: folders, empty ones included.
            try await git.run(["clean", "-ffdq"] + (settings.cleanIgnored ? ["-x"] : []), in: slot.path)
        }
        try await WorktreeSubmodules.restore(in: slot.path, git: git, cleanIgnored: settings.cleanIgnored)
        try await IgnoredFileCopy(settings: settings, git: git).bringUpToDate(slot: slot.path)
        if let previous, previous != settings.baseCommit, !settings.lockfiles.isEmpty {
            let changed = try await git.run(
                ["diff", "--name-only", previous, settings.baseCommit, "--"] + settings.lockfiles,
                in: slot.path
            )
            if !changed.isEmpty {
                try await runSetup(settings, slot: slot)
            }
        }
        return .restored(cleaned: cleans)
    }

    /// Whether the slot is provably as the reset would leave it, from what is cheap to read:
    ///
    /// - `git status` (already run): HEAD detached at the base; no tracked change (content, executable
    ///   bit, index), untracked path, or moved or dirty submodule; no ignored path when those go too;
    /// - the worktree's git folder: no operation in progress and no lock (a few `stat`s);
    /// - one walk over the folders outside the ignored ones: no empty folder (but unpopulated submodules),
    ///   none locked against its owner.
    ///
    /// Not proven, so not checked: permission bits of files other than the executable bit git records (only
    /// a `stat` of every file would tell; git restores what it records), state inside a submodule's own git
    /// folder, and ignored folders (kept as the holder left them).
    private func isFresh(
        _ slot: Slot,
        status: WorktreeStatus,
        gitFolder: WorktreeGitFolder,
        settings: WorktreeConfig,
        git: Git
    ) async throws -> Bool {
        guard status.isFreshCheckout(of: settings.baseCommit, keepingIgnored: !settings.cleanIgnored),
            gitFolder.presentLeftovers().isEmpty
        else { return false }
        // A folder the walk cannot read proves nothing: the whole reset repairs it, or says why it cannot.
        guard let flaws = try? WorktreeFolders.flaws(in: slot.path, skipping: Self.ignoredFolders(status))
        else { return false }
        guard flaws.locked.isEmpty else { return false }
        guard !flaws.empty.isEmpty else { return true }
        // A fresh checkout has an empty folder for each submodule it does not populate.
        let submodules = Set(try await WorktreeSubmodules.paths(in: slot.path, git: git))
        return flaws.empty.allSatisfy(submodules.contains)
    }

    /// The ignored folders `status` lists, relative to the worktree, without their trailing slash.
    private static func ignoredFolders(_ status: WorktreeStatus) -> Set<String> {
        Set(status.ignored.filter { $0.hasSuffix("/") }.map { String($0.dropLast()) })
    }
}
