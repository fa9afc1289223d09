/// A branch a holder asks to work on in its slot: checked out for the life of the lease, created at
/// `startPoint` (or the pool's base commit) if it does not exist, and kept, with its commits, afterwards.
public struct TaskBranch: Hashable, Sendable {
    public var name: String
    /// Where a new branch starts (a commit, branch or tag); nil for the pool's base commit.
    public var startPoint: String?

    public init(name: String, startPoint: String? = nil) {
        self.name = name
        self.startPoint = startPoint
    }
}

/// A backend whose slots can check out a task branch (git worktrees).
public protocol TaskBranchBackend: ResourceBackend {
    /// Checks a request before anything changes: a valid name, a start point that exists, and no worktree
    /// with the branch checked out but `ownSlot` (the holder's current slot, if it has one). Throws
    /// `PoolError.branchInUse` for the latter, `PoolError.invalidArgument` saying what to do for the rest.
    /// Reads only.
    func checkTaskBranch(_ branch: TaskBranch, ownSlot: String?) async throws
    /// Checks out the branch in a leased slot, creating it first if it does not exist. Slow, bounded work.
    /// Throws `PoolError.branchInUse` if another worktree has it checked out.
    func checkOutTaskBranch(_ branch: TaskBranch, in slotPath: String) async throws
}
