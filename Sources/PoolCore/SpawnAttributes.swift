import Glibc
package import CLinux

/// posix_spawn attributes for a child that starts with a clean signal state. Swift's threads block most
/// signals and posix_spawn passes the spawning thread's mask on through exec (into git, a setup command,
/// bwrap, conmon, the runner), so a child would ignore SIGTERM; the mask is cleared, and every signal goes
/// back to its default disposition (SIGPIPE in particular).
package final class SpawnAttributes {
    /// Where the child stands among process groups.
    package enum Grouping: Sendable {
        /// In our process group.
        case sameGroup
        /// Leading a new process group in our session (its id is the child's pid), to be signalled as one.
        case newGroup
        /// Leading a new session (and group), so no terminal signal reaches it: for what outlives us.
        case newSession
    }

    package var raw = posix_spawnattr_t()

    package init(_ grouping: Grouping) {
        posix_spawnattr_init(&raw)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&raw, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&raw, &all)
        var flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        switch grouping {
        case .sameGroup:
            break
        case .newGroup:
            posix_spawnattr_setpgroup(&raw, 0)
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
        case .newSession:
            flags |= clinux_posix_spawn_setsid
        }
        posix_spawnattr_setflags(&raw, flags)
    }

    deinit {
        posix_spawnattr_destroy(&raw)
    }
}
