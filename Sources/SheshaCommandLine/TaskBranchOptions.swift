public import ArgumentParser
public import PoolCore

/// `--branch NAME [--from REF]`, shared by `acquire` and `run`: the task branch to check out in the slot.
public struct TaskBranchOptions: ParsableArguments {
    public init() {}

    @Option(
        help: ArgumentHelp(
            "Check out this branch in the slot, creating it if it does not exist (worktree pools). It is kept, "
                + "with its commits, after the lease ends.",
            valueName: "name"
        )
    )
    public var branch: String?

    @Option(
        help: ArgumentHelp(
            "Where a new --branch starts (a commit, branch or tag). Default: the pool's base commit.",
            valueName: "ref"
        )
    )
    public var from: String?

    public func validate() throws {
        if from != nil, branch == nil {
            throw ValidationError("--from names where a new --branch starts; pass --branch NAME with it")
        }
        if let from, from.isEmpty {
            throw ValidationError("--from is empty; pass a commit, branch or tag, or leave --from out")
        }
    }

    /// The branch asked for, if any.
    public var taskBranch: TaskBranch? {
        branch.map { TaskBranch(name: $0, startPoint: from) }
    }
}
