import Foundation

/// The files of one run, under the bench's work folder: a fresh database, its (unused) slot folder, the
/// start barrier and the workers' outputs. Removed after the run.
struct RunFolder {
    let path: String

    var database: String { path + "/pool.db" }
    var slots: String { path + "/slots" }

    func output(of holder: String) -> String { path + "/\(holder).txt" }

    static func make(in parent: String, name: String) throws -> RunFolder {
        let folder = RunFolder(path: parent + "/" + name)
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        return folder
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The folder all runs go in: the one given with --work-dir, or a new temporary one that is removed at
/// the end.
struct WorkFolder {
    let path: String
    let isTemporary: Bool

    static func make(given: String?) throws -> WorkFolder {
        if let given {
            try FileManager.default.createDirectory(atPath: given, withIntermediateDirectories: true)
            return WorkFolder(path: given, isTemporary: false)
        }
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((base + "/pool-bench.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchError("cannot make a temporary folder in \(base): \(String(cString: strerror(errno)))")
        }
        return WorkFolder(path: String(cString: made), isTemporary: true)
    }

    func removeIfTemporary() {
        if isTemporary {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
