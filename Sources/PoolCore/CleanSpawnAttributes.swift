import CLinux
import Glibc

/// posix_spawn attributes for a child that starts with a clean signal state, in a process group (or
/// session) of its own. Swift's threads block most signals and posix_spawn passes the spawning thread's
/// mask on through exec, so a command would ignore SIGTERM; the mask is cleared and every signal goes back
/// to its default disposition (SIGPIPE in particular). (Sandbox's SpawnAttributes does the same for
/// sandbox processes.)
final class CleanSpawnAttributes {
    var raw = posix_spawnattr_t()

    /// With `newSession`, the child leads a new session (and so a new group); otherwise it leads a new
    /// process group in our session, whose id is its pid.
    init(newSession: Bool) {
        posix_spawnattr_init(&raw)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&raw, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&raw, &all)
        var flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession {
            flags |= clinux_posix_spawn_setsid
        } else {
            posix_spawnattr_setpgroup(&raw, 0)
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&raw, flags)
    }

    deinit {
        posix_spawnattr_destroy(&raw)
    }
}
