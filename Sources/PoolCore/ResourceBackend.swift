/// Makes, resets, checks and removes the resource behind a slot (a git worktree, a sandbox, a folder).
///
/// The pool calls these outside every database transaction, with the slot in an intermediate state that
/// records the calling process, so slow work never blocks other processes' ledger operations.
public protocol ResourceBackend: Sendable {
    /// Makes the resource at `slot.path`. Must fail, not adopt, if something is already there.
    func create(_ slot: Slot) async throws
    /// Returns a used slot to a clean state for the next holder.
    func reset(_ slot: Slot) async throws
    /// Removes the resource and everything at `slot.path`. Succeeds if it is already gone.
    func destroy(_ slot: Slot) async throws
    /// Problems found with the slot's resource; empty when healthy.
    func checkHealth(_ slot: Slot) async -> [String]
}
