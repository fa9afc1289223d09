import Foundation
import PoolCore
import SheshaSystem
import CLinux

/// Who the sandbox runs as on the host. A host running as root hands the sandbox to an unprivileged user,
/// since the kernel exempts root from the process limit; any other host user keeps its own identity.
enum SandboxUser {
    /// nobody/nogroup on Debian and most distributions.
    static let unprivileged: UInt32 = 65534

    static var hostIsRoot: Bool { geteuid() == 0 }

    /// The prefix that drops root before the sandbox starts; empty for other users.
    static var command: [String] {
        guard hostIsRoot, let setpriv = CommandRunner.find("setpriv") else { return [] }
        return [setpriv, "--reuid=\(unprivileged)", "--regid=\(unprivileged)", "--clear-groups"]
    }

    /// Gives the box to the sandbox's user.
    static func prepareBox(_ layout: SlotLayout) throws {
        guard hostIsRoot else { return }
        guard chown(layout.box, unprivileged, unprivileged) == 0 else {
            throw SandboxStartFailed(
                message: "cannot hand \(layout.box) to uid \(unprivileged): "
                    + "\(SystemError.last("chown", path: layout.box))"
            )
        }
    }

    /// The first folder from / down to `path` that others cannot enter (no o+x), if any.
    static func firstUnreachableFolder(above path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var status = stat()
            guard stat(current, &status) == 0 else { return nil }
            if status.st_mode & S_IXOTH == 0 { return current }
        }
        return nil
    }

    static func unreachableAdvice(_ blocked: String) -> String {
        "as root, bwrap sandboxes run as uid \(unprivileged), which cannot enter \(blocked); pass a --dir "
            + "under a folder other users can enter, such as /var/tmp/shesha-pool"
    }
}
