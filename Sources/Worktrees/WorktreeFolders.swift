import FoundationEssentials
import Glibc
import SheshaSystem
import CLinux

/// What `git status` cannot see in a worktree's folders: empty folders (git tracks files only, so an
/// untracked folder with nothing in it is invisible to status, yet `git clean -d` removes it), and folders
/// whose owner may not list, enter or change them (`chmod 000 src`, which git running as root ignores and
/// which stops a non-root git, or the next holder, at that folder).
///
/// One walk over the folders reads each folder once; entries that are not folders are never `stat`ed
/// (their type comes from `readdir`), so the walk costs a fraction of the `git status` it completes.
enum WorktreeFolders {
    struct Flaws: Equatable {
        /// Empty folders, relative to the worktree.
        var empty: [String] = []
        /// Folders without read, write and search permission for their owner, relative to the worktree
        /// ("" for the worktree itself). The walk does not enter them.
        var locked: [String] = []
    }

    /// The permissions a folder's owner needs to list, enter and change it (u+rwx).
    static let ownerAccess: mode_t = 0o700

    /// Walks the folders under `root`, leaving out those in `skipping` (paths relative to `root` without
    /// a trailing slash: the ignored folders a reset keeps), and returns the flaws it found. Reads only.
    static func flaws(in root: String, skipping: Set<String> = []) throws -> Flaws {
        var flaws = Flaws()
        if try !hasOwnerAccess(root) {
            flaws.locked.append("")
            return flaws
        }
        try walk(root, relative: "", skipping: skipping) { _, relative, mode in
            if mode & ownerAccess != ownerAccess {
                flaws.locked.append(relative)
                return false
            }
            return true
        } emptyFolder: { relative in
            flaws.empty.append(relative)
        }
        return flaws
    }

    /// Gives every folder under `root` (and `root` itself) that lacks them its owner's permissions, with
    /// the read and search bits a new folder gets (`0777 & ~umask`), so git can clean and check out
    /// beneath it and the next holder can enter it. Folders in `skipping` (ignored folders a reset keeps as
    /// the holder left them) are not entered; a reset that removes ignored files skips none, since git must
    /// get into them. Returns the folders it changed (`locked`) and the empty folders it saw (`empty`).
    @discardableResult
    static func letOwnerIn(_ root: String, skipping: Set<String> = []) throws -> Flaws {
        var found = Flaws()
        if try letOwnerInto(root) {
            found.locked.append("")
        }
        try walk(root, relative: "", skipping: skipping) { folder, relative, mode in
            if try letOwnerInto(folder, mode: mode) {
                found.locked.append(relative)
            }
            return true
        } emptyFolder: { relative in
            found.empty.append(relative)
        }
        return found
    }

    /// Gives `folder` alone its owner's permissions if it lacks them (see `letOwnerIn`); returns whether
    /// it changed anything.
    @discardableResult
    static func letOwnerInto(_ folder: String) throws -> Bool {
        try letOwnerInto(folder, mode: try lstatMode(folder))
    }

    private static func letOwnerInto(_ folder: String, mode: mode_t) throws -> Bool {
        guard mode & ownerAccess != ownerAccess else { return false }
        let wanted = 0o777 & ~currentUmask()
        _ = try retryingInterruptions("chmod", path: folder) { chmod(folder, (mode & 0o7777) | wanted | ownerAccess) }
        return true
    }

    /// Calls `visit` for each folder below `folder` (with its path, its path relative to the walk's root
    /// and its mode) before entering it; `visit` returns whether to enter. Calls `emptyFolder` for each
    /// folder below the root that has no entries.
    private static func walk(
        _ folder: String,
        relative: String,
        skipping: Set<String>,
        visit: (String, String, mode_t) throws -> Bool,
        emptyFolder: (String) -> Void = { _ in }
    ) throws {
        guard let stream = opendir(folder) else { throw SystemError.last("opendir", path: folder) }
        defer { closedir(stream) }
        var subfolders: [String] = []
        var hasEntries = false
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw SystemError.last("readdir", path: folder) }
                break
            }
            let type = entry.pointee.d_type
            // Symbolic links are never followed, and files need no more than their type.
            if type != directoryType && type != unknownType {
                hasEntries = true
                continue
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            hasEntries = true
            subfolders.append(name)
        }
        if !hasEntries && !relative.isEmpty {
            emptyFolder(relative)
        }
        for name in subfolders {
            let path = folder + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            guard !skipping.contains(childRelative) else { continue }
            let mode = try lstatMode(path)
            guard mode & S_IFMT == S_IFDIR else { continue }
            if try visit(path, childRelative, mode) {
                try walk(path, relative: childRelative, skipping: skipping, visit: visit, emptyFolder: emptyFolder)
            }
        }
    }

    /// `DT_DIR` and `DT_UNKNOWN` from `<dirent.h>` (a file system that does not fill in `d_type`).
    private static let directoryType = UInt8(DT_DIR)
    private static let unknownType = UInt8(DT_UNKNOWN)

    private static func lstatMode(_ path: String) throws -> mode_t {
        var info = stat()
        _ = try retryingInterruptions("lstat", path: path) { lstat(path, &info) }
        return info.st_mode
    }

    private static func hasOwnerAccess(_ path: String) throws -> Bool {
        try lstatMode(path) & ownerAccess == ownerAccess
    }

    /// The process's file mode creation mask, read from `/proc/self/status` (calling `umask` would
    /// change it for a moment, under every other thread's feet); 022 where it cannot be read.
    private static func currentUmask() -> mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("Umask:") {
            let digits = line.dropFirst("Umask:".count).trimmingWhitespace()
            if let mask = mode_t(digits, radix: 8) { return mask }
        }
        return 0o022
    }
}
