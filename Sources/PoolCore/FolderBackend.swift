import FoundationEssentials
import SheshaSystem

/// The simplest resource: an empty folder. Reset empties it. Used to test the pool without git, and by
/// anyone who only needs exclusive scratch folders.
public struct FolderBackend: ResourceBackend {
    public init() {}

    public func create(_ slot: Slot) async throws {
        let url = URL(filePath: slot.path, directoryHint: .isDirectory)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(),
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        // Never adopt an existing folder: it may belong to another slot.
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        } catch let error as CocoaError where error.code == .fileWriteFileExists {
            throw SlotPathTaken(slot: slot.name, path: slot.path)
        }
    }

    public func reset(_ slot: Slot) async throws {
        for item in try FileManager.default.contentsOfDirectory(atPath: slot.path) {
            try FileManager.default.removeItem(atPath: slot.path + "/" + item)
        }
    }

    public func destroy(_ slot: Slot) async throws {
        // Already gone is fine: a crash may have come after the removal, before the ledger heard of it.
        try removeTree(atPath: slot.path)
    }

    public func checkHealth(_ slot: Slot) async -> [String] {
        guard FileManager.default.fileExists(atPath: slot.path) else {
            return ["\(slot.path) is missing"]
        }
        return isFolder(slot.path) ? [] : ["\(slot.path) is not a folder"]
    }
}
