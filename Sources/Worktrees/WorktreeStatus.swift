/// What one `git status --porcelain=v2 --branch -z` says about a worktree: the commit HEAD names, the
/// branch it is on, whether anything differs from HEAD, and what is ignored. One git process answers all
/// of it (HEAD's commit comes from the `--branch` header, so no `rev-parse HEAD` is needed).
struct WorktreeStatus: Equatable {
    /// HEAD's commit; nil before the first commit.
    var head: String?
    /// The branch checked out; nil when HEAD is detached.
    var branch: String?
    /// Whether git lists a changed, staged, unmerged or untracked path, or a submodule that moved or is dirty.
    var hasChanges: Bool
    /// Whether one of those is an untracked path (which only `git clean` removes).
    var hasUntracked: Bool
    /// Ignored paths as git lists them (folders end in `/`).
    var ignored: [String]

    /// The arguments that produce what `init(porcelain:)` reads. Untracked folders are listed as a whole
    /// (`normal`): one untracked path is enough to know a reset must run. `matching` lists ignored folders
    /// as a whole too, empty ones included. Submodules are compared whatever their `ignore` setting says.
    static let arguments = [
        "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal", "--ignored=matching",
        "--ignore-submodules=none",
    ]

    init(head: String?, branch: String?, hasChanges: Bool, hasUntracked: Bool = false, ignored: [String]) {
        self.head = head
        self.branch = branch
        self.hasChanges = hasChanges
        self.hasUntracked = hasUntracked
        self.ignored = ignored
    }

    /// Parses the NUL-separated records of `arguments`' output.
    init(porcelain output: String) {
        var head: String?
        var branch: String?
        var hasChanges = false
        var hasUntracked = false
        var ignored: [String] = []
        var records = output.split(separator: "\0", omittingEmptySubsequences: true).makeIterator()
        while let record = records.next() {
            if record.hasPrefix("# branch.oid ") {
                let oid = String(record.dropFirst("# branch.oid ".count))
                head = oid == "(initial)" ? nil : oid
            } else if record.hasPrefix("# branch.head ") {
                let name = String(record.dropFirst("# branch.head ".count))
                branch = name == "(detached)" ? nil : name
            } else if record.hasPrefix("# ") {
                continue
            } else if record.hasPrefix("! ") {
                ignored.append(String(record.dropFirst(2)))
            } else {
                hasChanges = true
                hasUntracked = hasUntracked || record.hasPrefix("? ")
                // A rename or copy is followed by a record with the original path: never read it as an entry.
                if record.hasPrefix("2 ") {
                    _ = records.next()
                }
            }
        }
        self.init(head: head, branch: branch, hasChanges: hasChanges, hasUntracked: hasUntracked, ignored: ignored)
    }

    /// Whether `git clean` (with `-x` when ignored files go too) would find something to remove, as far
    /// as git sees: an untracked path, or an ignored one that is to go. Empty folders it cannot see.
    func hasPathsToClean(keepingIgnored: Bool) -> Bool {
        hasUntracked || (!keepingIgnored && !ignored.isEmpty)
    }

    /// Whether git sees the worktree exactly as a fresh detached checkout of `commit`: HEAD detached
    /// there, nothing changed or untracked, and, when ignored files are to go as well, none of those.
    func isFreshCheckout(of commit: String, keepingIgnored: Bool) -> Bool {
        head == commit && branch == nil && !hasChanges && (keepingIgnored || ignored.isEmpty)
    }
}
