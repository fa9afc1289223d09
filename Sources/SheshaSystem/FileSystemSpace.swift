import Glibc

/// How full a file system is, to tell a failure caused by a full disk from others when the failing program
/// does not say (git's "unable to write file X" names no cause).
public enum FileSystemSpace {
    /// Below this much room for unprivileged writes, a file system counts as full: no checkout fits.
    public static let fullBelow: Int64 = 1 << 20

    /// The bytes free for unprivileged writes on the file system of `path` (or of the nearest folder above
    /// it that exists) when it has less than `fullBelow` of them or no inode left; nil otherwise, or when
    /// it cannot be told.
    public static func nearlyFull(_ path: String) -> Int64? {
        var folder = path
        var info = statvfs()
        while statvfs(folder, &info) != 0 {
            guard errno == ENOENT, folder != "/", !folder.isEmpty else { return nil }
            folder = parentFolder(of: folder)
        }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        return free < fullBelow || (info.f_files > 0 && info.f_favail == 0) ? free : nil
    }
}
