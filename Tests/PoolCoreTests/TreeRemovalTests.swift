import Foundation
import PoolCore
import SheshaSystem
import PoolTesting
import Testing

/// `removeTree`: what cleanup, destroy and stray removal use, so that two processes removing one tree at
/// once both succeed.
@Suite("Removing a tree")
struct TreeRemovalTests {
    /// A folder of `folders` folders of `files` files each.
    static func makeTree(at root: String, folders: Int, files: Int) throws {
        for folder in 0..<folders {
            let path = root + "/d\(folder)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for file in 0..<files {
                #expect(FileManager.default.createFile(atPath: path + "/f\(file)", contents: Data("x".utf8)))
            }
        }
    }

    @Test("a tree is removed whole, and a path with nothing there is not an error")
    func removesAndToleratesAbsence() async throws {
        try await withTemporaryFolder { folder in
            let root = folder.path(percentEncoded: false) + "/tree"
            try Self.makeTree(at: root, folders: 3, files: 3)
            try removeTree(atPath: root)
            #expect(!FileManager.default.fileExists(atPath: root))
            try removeTree(atPath: root)
            let file = folder.path(percentEncoded: false) + "/file"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            try removeTree(atPath: file)
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }

    @Test("links are removed, never followed, and folders locked with mode 000 go too")
    func linksAndLockedFolders() async throws {
        try await withTemporaryFolder { folder in
            let base = folder.path(percentEncoded: false)
            let outside = base + "/outside"
            try Self.makeTree(at: outside, folders: 1, files: 2)
            let root = base + "/tree"
            try Self.makeTree(at: root, folders: 2, files: 2)
            try FileManager.default.createSymbolicLink(atPath: root + "/d0/link", withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(atPath: root + "/file-link", withDestinationPath: outside + "/d0/f0")
            #expect(chmod(root + "/d1", 0) == 0)

            try removeTree(atPath: root)

            #expect(!FileManager.default.fileExists(atPath: root))
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside + "/d0").sorted() == ["f0", "f1"])
            // A link given as the tree itself is removed, not what it points at.
            try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: outside)
            try removeTree(atPath: base + "/link")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/link")) == nil)
            #expect(FileManager.default.fileExists(atPath: outside + "/d0/f0"))
        }
    }

    @Test("eight removals of one tree at once all succeed")
    func concurrentRemovals() async throws {
        try await withTemporaryFolder { folder in
            let root = folder.path(percentEncoded: false) + "/tree"
            try Self.makeTree(at: root, folders: 40, files: 50)
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { try removeTree(atPath: root) } catch { failures.add("\(error)") }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            #expect(!FileManager.default.fileExists(atPath: root))
        }
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ item: String) {
        lock.withLock { items.append(item) }
    }

    var all: [String] { lock.withLock { items } }
}
