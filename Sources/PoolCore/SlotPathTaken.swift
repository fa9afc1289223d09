public import FoundationEssentials

/// Creation found something already at a new slot's path. Creation never adopts (it may be another
/// slot's checkout or someone's files), and the failed slot is kept broken rather than cleaned up, since
/// cleaning up would delete what is there.
public struct SlotPathTaken: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError, KeepsFailedSlot {
    public var slot: String
    public var path: String

    public init(slot: String, path: String) {
        self.slot = slot
        self.path = path
    }

    public var description: String {
        "could not create slot \(slot): \(path) already exists; refusing to adopt it "
            + "(move it away, then run `shesha-pool doctor --fix`)"
    }

    public var errorDescription: String? { description }
}
