import Foundation

/// A query's trace as JSON Lines, one step a line, written as the steps happen so a crashed or
/// interrupted query still leaves its trace.
final class TraceFile: Sendable {
    let path: String
    /// Only the `TraceRecorder` actor writes, one step at a time.
    private let handle: FileHandle

    /// Creates a new file in `folder` (made if missing), named after the time and a random id.
    init(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let name = "query-\(stamp)-\(UUID().uuidString.prefix(8).lowercased()).jsonl"
        path = URL(filePath: folder).appending(path: name).path(percentEncoded: false)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    func append(_ step: TraceStep) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try handle.write(contentsOf: try encoder.encode(step) + Data("\n".utf8))
    }
}
