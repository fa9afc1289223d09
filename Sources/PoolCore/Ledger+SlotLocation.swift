import Glibc

/// A slot found by a path inside it, with its lease if it has one.
public struct SlotLocation: Sendable {
    public var slot: Slot
    public var lease: Lease?
}

extension Ledger {
    /// The slot, in any pool of the ledger, whose folder is `path` or contains it, however deep; symlinks
    /// in `path` and in the pools' folders are resolved first. Nil if `path` is in no slot. A path that does
    /// not exist is refused (`invalidArgument`).
    public func slot(containing path: String) async throws -> SlotLocation? {
        guard let target = resolvedPath(path) else {
            throw PoolError.invalidArgument("\(quoted(path)) does not exist; pass a file or folder inside a slot")
        }
        for poolName in try await poolNames() {
            let folder = resolvedPath(try await pool(named: poolName).slotFolder)
            guard let folder, target.hasPrefix(folder == "/" ? "/" : folder + "/") else { continue }
            // The slot's folder is the first component below the pool's folder.
            let inside = target.dropFirst(folder == "/" ? 1 : folder.count + 1)
            let slotFolder = (folder == "/" ? "" : folder) + "/" + inside.prefix { $0 != "/" }
            let slots = try await slots(pool: poolName)
            guard let slot = slots.first(where: { resolvedPath($0.path) == slotFolder }) else { continue }
            let lease = try await leases(pool: poolName).first { $0.slotID == slot.id }
            return SlotLocation(slot: slot, lease: lease)
        }
        return nil
    }
}

/// The absolute path with every symlink resolved (realpath(3)), or nil if it does not exist.
func resolvedPath(_ path: String) -> String? {
    guard let pointer = realpath(path, nil) else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
}
