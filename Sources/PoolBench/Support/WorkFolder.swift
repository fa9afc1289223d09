import Foundation

/// A fresh folder the bench works in, made inside a given parent and removed with everything in it.
struct WorkFolder {
    let path: String

    static func make(in parent: String, prefix: String = "pool-bench") throws -> WorkFolder {
        var template = Array((parent + "/" + prefix + ".XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchError("cannot make a folder in \(parent): \(String(cString: strerror(errno)))")
        }
        return WorkFolder(path: String(cString: made))
    }

    /// A new (or existing) folder inside this one.
    func subfolder(_ name: String) throws -> String {
        let path = self.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
