public import FoundationEssentials
import Foundation

/// A fresh folder under the system's temporary folder, removed when the body returns or throws.
public func withTemporaryFolder<R>(
    _ body: (URL) async throws -> R
) async throws -> R {
    let folder = try makeTemporaryFolder()
    do {
        let result = try await body(folder)
        try? FileManager.default.removeItem(at: folder)
        return result
    } catch {
        try? FileManager.default.removeItem(at: folder)
        throw error
    }
}

/// Makes a fresh, uniquely named folder for one test. The caller removes it.
public func makeTemporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appending(path: "shesha-pool-tests-\(UUID().uuidString.prefix(8))", directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
