/// What a run tortures: a pool of git worktrees (the default) or a container pool of bwrap sandboxes.
enum TortureKind: String, CaseIterable {
    case worktree
    case container

    /// The value of `--kind`, or the default when it was not given.
    init(option text: String?) throws {
        guard let text else {
            self = .worktree
            return
        }
        guard let kind = TortureKind(rawValue: text) else {
            let names = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw TortureError.usage("--kind needs one of \(names), not '\(text)'")
        }
        self = kind
    }
}
