import FoundationEssentials
import Glibc
import SheshaSystem

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
    /// Resources of the pool that the ledger does not know: left by a crash or by hand. The pool's folder
    /// holds its slots and nothing else. `knownPaths` reads every slot path from the ledger; call it
    /// *after* listing, since a slot's row is always written before its resource appears.
    func strayResources(
        slotFolder: String,
        knownPaths: @Sendable () async throws -> Set<String>
    ) async throws -> [String]
    /// Removes a stray resource found by `strayResources`.
    func removeStray(_ path: String) async throws
}


extension ResourceBackend {
    public func strayResources(
        slotFolder: String,
        knownPaths: @Sendable () async throws -> Set<String>
    ) async throws -> [String] {
        let entries = try folderEntries(slotFolder)
        let known = try await knownPaths()
        return entries.filter { !known.contains($0) }
    }

    public func removeStray(_ path: String) async throws {
        try removeTree(atPath: path)
    }

    /// The paths of the entries in the pool's folder. A missing folder has none.
    public func folderEntries(_ slotFolder: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: slotFolder) else { return [] }
        let folder = slotFolder.count > 1 && slotFolder.hasSuffix("/") ? String(slotFolder.dropLast()) : slotFolder
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
    }
}

/// An error after which a new slot is kept, broken, with the error recorded for `status` and `doctor`
/// (for example a failed setup command, whose output the user needs to see), instead of being removed.
public protocol KeepsFailedSlot: Error {}
