import Glibc

// What `NSString` and `FileManager.fileExists(atPath:isDirectory:)` gave, without linking all of Foundation
// and its internationalisation data into every command, which doubles its start-up.

/// The folder that holds `path`, as `NSString.deletingLastPathComponent` gives it: "/a/b/" → "/a",
/// "/a" → "/", "a" → "".
public func parentFolder(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    if slash == trimmed.startIndex { return "/" }
    return String(trimmed[..<slash])
}

/// The last part of `path`, as `NSString.lastPathComponent` gives it: "/a/b/" → "b", "/" → "/".
public func lastPathComponent(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard trimmed.count > 1, let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
    return String(trimmed[trimmed.index(after: slash)...])
}

/// Whether `path` is a folder, or a symbolic link to one.
public func isFolder(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
}
