public import FoundationEssentials
import Foundation
import SheshaSystem

/// A fresh folder under the system's temporary folder, removed when the body returns or throws.
public func withTemporaryFolder<R>(
    _ body: (URL) async throws -> R
) async throws -> R {
    let folder = try makeTemporaryFolder()
    do {
        let result = try await body(folder)
        removeTemporaryFolder(folder)
        return result
    } catch {
        removeTemporaryFolder(folder)
        throw error
    }
}

/// Removes a test's folder. A slot's background resetter may still be writing in it (the test ended right
/// after a release), so a removal that an entry appearing under it defeats is tried again a few times.
private func removeTemporaryFolder(_ folder: URL) {
    let path = folder.path(percentEncoded: false)
    for _ in 1...5 {
        if (try? removeTree(atPath: path)) != nil { return }
    }
}

/// Makes a fresh, uniquely named folder for one test. The caller removes it.
public func makeTemporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appending(path: "shesha-pool-tests-\(UUID().uuidString.prefix(8))", directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
