import Foundation

/// What a holder typically leaves in a worktree: a few tracked files edited, a few new files (one in a
/// new folder), and a build/ folder the repository ignores (which a reset keeps, so the next holder
/// builds warm).
enum TypicalChange {
    static let editedFiles = 5
    static let addedFiles = 5
    static let buildFiles = 20
    static let buildFileBytes = 16_384

    static let summary =
        "\(editedFiles) files edited, \(addedFiles) added, build/ with \(buildFiles) files of "
        + "\(buildFileBytes / 1024) KiB"

    /// Makes the change in the worktree at `path`.
    static func apply(to path: String) throws {
        for file in try trackedFiles(in: path) {
            let handle = try FileHandle(forWritingTo: URL(filePath: file))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("edited by the bench\n".utf8))
            try handle.close()
        }
        try FileManager.default.createDirectory(atPath: path + "/bench-new", withIntermediateDirectories: true)
        for file in addedFilePaths(in: path) {
            try Data("a new file\n".utf8).write(to: URL(filePath: file))
        }
        try FileManager.default.createDirectory(atPath: path + "/build", withIntermediateDirectories: true)
        let object = Data(repeating: 0x2a, count: buildFileBytes)
        for index in 0..<buildFiles {
            try object.write(to: URL(filePath: path + "/build/object-\(index).o"))
        }
    }

    /// Checks that a reset undid the change but kept build/.
    static func verifyReset(of path: String) throws {
        for file in addedFilePaths(in: path) where FileManager.default.fileExists(atPath: file) {
            throw BenchError("the reset left the new file \(file)")
        }
        for file in try trackedFiles(in: path) {
            if try String(contentsOfFile: file, encoding: .utf8).contains("edited by the bench") {
                throw BenchError("the reset left the edit in \(file)")
            }
        }
        guard FileManager.default.fileExists(atPath: path + "/build/object-0.o") else {
            throw BenchError("the reset removed the ignored build/ folder of \(path)")
        }
    }

    /// The first few tracked files of the synthetic repository (module*/part*/file*.txt), in name order.
    private static func trackedFiles(in path: String) throws -> [String] {
        let manager = FileManager.default
        func sortedEntries(_ folder: String, prefix: String) throws -> [String] {
            try manager.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(prefix) }.sorted()
                .map { folder + "/" + $0 }
        }
        var files: [String] = []
        for module in try sortedEntries(path, prefix: "module") {
            for part in try sortedEntries(module, prefix: "part") {
                files += try sortedEntries(part, prefix: "file").prefix(editedFiles - files.count)
                if files.count == editedFiles { return files }
            }
        }
        throw BenchError("the worktree \(path) has fewer than \(editedFiles) tracked files to edit")
    }

    private static func addedFilePaths(in path: String) -> [String] {
        (0..<addedFiles).map { index in
            index < 2 ? path + "/bench-new/new-\(index).txt" : path + "/module00/part0/new-\(index).txt"
        }
    }
}
