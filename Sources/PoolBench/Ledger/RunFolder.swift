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
