import Glibc

/// Removes the file, or the folder and everything in it, at `path`; nothing there is not an error.
///
/// - Another process may be removing the same tree at the same moment (two `cleanup`s finding one stray,
///   a cleanup and the slot's own destroyer): an entry that vanishes under this one counts as removed.
/// - Symbolic links are removed, never followed: each folder is opened by its parent's descriptor with
///   `O_NOFOLLOW`, so a link put in place of a folder midway cannot lead the removal elsewhere.
/// - A folder its owner locked (mode 000) is opened to the owner first, as `rm -rf` would need too.
public func removeTree(atPath path: String) throws(SystemError) {
    let folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if folder < 0 {
        switch errno {
        case ENOENT:
            return
        case ENOTDIR, ELOOP:
            if unlink(path) != 0, errno != ENOENT { throw SystemError.last("unlink", path: path) }
            return
        case EACCES:
            // A locked folder: open it to its owner and try again.
            if chmod(path, 0o700) != 0 {
                if errno == ENOENT { return }
                throw SystemError.last("chmod", path: path)
            }
            return try removeTree(atPath: path)
        default:
            throw SystemError.last("open", path: path)
        }
    }
    try removeContents(of: folder, path: path)
    if rmdir(path) != 0, errno != ENOENT { throw SystemError.last("rmdir", path: path) }
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
        let child = path + "/" + name
        if unlinkat(folder, name, 0) == 0 || errno == ENOENT { continue }
        guard errno == EISDIR else { throw SystemError.last("unlink", path: child) }
        var opened = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if opened < 0, errno == EACCES {
            // A locked folder: open it to its owner and try again.
            if fchmodat(folder, name, 0o700, AT_SYMLINK_NOFOLLOW) != 0, errno != ENOENT {
                throw SystemError.last("chmod", path: child)
            }
            opened = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        if opened < 0 {
            if errno == ENOENT { continue }
            // Replaced by something else since the unlink: that goes the way a file does.
            if errno == ENOTDIR || errno == ELOOP {
                if unlinkat(folder, name, 0) != 0, errno != ENOENT { throw SystemError.last("unlink", path: child) }
                continue
            }
            throw SystemError.last("open", path: child)
        }
        try removeContents(of: opened, path: child)
        if unlinkat(folder, name, AT_REMOVEDIR) != 0, errno != ENOENT {
            throw SystemError.last("rmdir", path: child)
        }
    }
}
