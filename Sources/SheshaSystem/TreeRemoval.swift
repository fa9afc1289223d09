import Glibc

/// Removes the file, or the folder and everything in it, at `path`; nothing there is not an error.
///
/// - Another process may be removing the same tree at the same moment (two `cleanup`s finding one stray,
///   a cleanup and the slot's own destroyer): an entry that vanishes under this one counts as removed.
/// - Symbolic links are removed, never followed: each folder is opened by its parent's descriptor with
///   `O_NOFOLLOW`, so a link put in place of a folder midway cannot lead the removal elsewhere.
/// - A folder its owner locked (mode 000) is opened to the owner first, as `rm -rf` would need too.
public func removeTree(atPath path: String) throws(SystemError) {
    try removeEntry(path, in: AT_FDCWD, path: path)
}

/// Removes the entry `name` of the open folder `parent` (for `AT_FDCWD`, `name` is a path), whole; `path`
/// names it in messages.
private func removeEntry(_ name: String, in parent: Int32, path: String) throws(SystemError) {
    // Linux refuses to unlink a folder with EISDIR; anything else goes here.
    if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
    guard errno == EISDIR else { throw SystemError.last("unlink", path: path) }
    var folder = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if folder < 0, errno == EACCES {
        // A locked folder: open it to its owner and try again.
        if fchmodat(parent, name, 0o700, AT_SYMLINK_NOFOLLOW) != 0, errno != ENOENT {
            throw SystemError.last("chmod", path: path)
        }
        folder = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    }
    if folder < 0 {
        if errno == ENOENT { return }
        // Replaced by a file or a link since the unlink: that goes the way a file does.
        if errno == ENOTDIR || errno == ELOOP {
            if unlinkat(parent, name, 0) != 0, errno != ENOENT { throw SystemError.last("unlink", path: path) }
            return
        }
        throw SystemError.last("open", path: path)
    }
    try removeContents(of: folder, path: path)
    if unlinkat(parent, name, AT_REMOVEDIR) != 0, errno != ENOENT { throw SystemError.last("rmdir", path: path) }
}

/// Removes everything in the open folder `folder` (at `path`, for messages), and closes it.
private func removeContents(of folder: Int32, path: String) throws(SystemError) {
    guard let listing = fdopendir(folder) else {
        close(folder)
        throw SystemError.last("fdopendir", path: path)
    }
    defer { closedir(listing) }
    var names: [String] = []
    while let entry = readdir(listing) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    for name in names {
        try removeEntry(name, in: folder, path: path + "/" + name)
    }
}
